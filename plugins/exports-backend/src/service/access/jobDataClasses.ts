import {
  contextForVerifiedIdentity,
  FilterEngine,
} from '@internal/plugin-filters-node';
import { ExportJobAccess, RequiredPermission } from './requiredPermissions';

/**
 * Whether the job reads a data class outside `granted`. The job records every class its
 * requester could read in the dataset; it reads fewer when it names its fields: the filter
 * engine's own query build (fields, filter paths, key fields) decides, with only `granted`
 * readable. Without named fields every readable class is a column of the file. Fails closed:
 * a build that throws for any reason counts as reading beyond.
 */
export function jobReadsBeyond(
  engine: Pick<FilterEngine, 'getDataset'>,
  job: ExportJobAccess,
  granted: string[],
): boolean {
  if (!job.fields) return true;
  try {
    FilterEngine.build(
      engine.getDataset(job.dataset),
      job.filter ?? undefined,
      contextForVerifiedIdentity({
        accountId: job.account_id,
        verifiedBy: 'plugin:exports',
        readableDataClasses: granted,
      }),
      { kind: 'rows', fields: job.fields, unbounded: true },
    );
    return false;
  } catch {
    // A refusal, and any other failure to prove the job stays within `granted`: it reads
    // beyond, so a lost class is never ignored because the build failed for another reason.
    return true;
  }
}

/**
 * The losses that stop the job: every lost permission except data classes the job does not
 * read. Without the engine (no dataset definitions) every recorded class counts.
 */
export function lossesThatMatter(
  engine: Pick<FilterEngine, 'getDataset'> | undefined,
  job: ExportJobAccess,
  lost: RequiredPermission[],
): RequiredPermission[] {
  const lostClasses = new Set(
    lost.flatMap(l =>
      l.resource && 'dataClass' in l.resource ? [l.resource.dataClass] : [],
    ),
  );
  if (!engine || lostClasses.size === 0) return lost;
  const granted = job.readable_data_classes.filter(c => !lostClasses.has(c));
  if (jobReadsBeyond(engine, job, granted)) return lost;
  return lost.filter(l => !(l.resource && 'dataClass' in l.resource));
}
