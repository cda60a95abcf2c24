import { Permission } from '@backstage/plugin-permission-common';
import { exportsCreatePermission } from '@internal/plugin-exports-common';
import {
  filtersAccountActPermission,
  filtersDataClassReadPermission,
  filtersDatasetReadPermission,
} from '@internal/plugin-filters-common';
import { DbExportJobRow } from '../ExportStore';

/** What a run-time check reads of a job. */
export type ExportJobAccess = Pick<
  DbExportJobRow,
  | 'id'
  | 'account_id'
  | 'readable_data_classes'
  | 'requested_by'
  | 'dataset'
  | 'fields'
  | 'filter'
>;

/** One permission the job's requester must still hold, with what to say when it is gone. */
export interface RequiredPermission {
  permission: Permission;
  /** The account (`filters-account`) or data class (`filters-data-class`) it is about. */
  resource?: { account: string } | { dataClass: string };
  /** Completes "<requester> may no longer …". */
  lost: string;
}

/**
 * The permissions the POST handler checked when the job was requested (exports.export.create,
 * then FilterAccess: filters.dataset.read, filters.account.act for the account and
 * filters.data-class.read for each class the job reads), asked again when it runs.
 */
export function requiredPermissions(
  job: ExportJobAccess,
): RequiredPermission[] {
  return [
    {
      permission: exportsCreatePermission,
      lost: 'create exports (exports.export.create)',
    },
    {
      permission: filtersDatasetReadPermission,
      lost: 'use the filter engine (filters.dataset.read)',
    },
    {
      permission: filtersAccountActPermission,
      resource: { account: job.account_id },
      lost: `act for account ${job.account_id} (filters.account.act)`,
    },
    ...[...new Set(job.readable_data_classes)].map(dataClass => ({
      permission: filtersDataClassReadPermission,
      resource: { dataClass },
      lost: `read data class ${dataClass} (filters.data-class.read)`,
    })),
  ];
}

/** Narrows what was lost to what stops the job (see lossesThatMatter). */
export type LossFilter = (lost: RequiredPermission[]) => RequiredPermission[];

/** The revocation message of a job, or undefined when nothing was lost. */
export function revokedReason(
  requester: string,
  lost: RequiredPermission[],
): string | undefined {
  if (lost.length === 0) return undefined;
  return `${requester} may no longer ${lost.map(l => l.lost).join(', ')}`;
}
