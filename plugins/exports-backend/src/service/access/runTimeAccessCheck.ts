import { AuditorService, AuthService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { FilterEngine } from '@internal/plugin-filters-node';
import {
  OrgLocations,
  TrustedOrgDirectory,
} from '@internal/plugin-catalog-backend-module-org-trust';
import { RunTimeAccessCheck } from '../ExportRunner';
import { lossesThatMatter } from './jobDataClasses';
import { PortalUserPolicy } from './portalUserPolicy';
import { ExportJobAccess, RequiredPermission } from './requiredPermissions';
import { serviceAccessLost } from './serviceAccess';
import { userAccessLost } from './userAccess';

export interface RunTimeAccessOptions {
  config: Config;
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  /** The exports plugin's own service credentials read the catalog. */
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  policy: PortalUserPolicy;
  /** Dataset definitions: a lost data class stops only jobs that read it. */
  engine?: Pick<FilterEngine, 'getDataset'>;
  auditor?: AuditorService;
}

/**
 * The run-time authorization of export jobs: when a job starts, its requester must still hold
 * what the request needed (see requiredPermissions), decided from the current catalog and
 * config the way the permission framework decides for them. Answers why not (the runner fails
 * the job with `permission_revoked`), or throws ServiceUnavailableError when the catalog or the
 * policy cannot answer: never an allow on an error; the runner retries the job with backoff and
 * fails it after its last attempt. Every check is audited (`export-access-rechecked`).
 */
export function createRunTimeAccessCheck(
  options: RunTimeAccessOptions,
): RunTimeAccessCheck {
  const { config, catalog, auth } = options;
  const decide = async (job: ExportJobAccess) => {
    const requester = job.requested_by;
    const matters = (lost: RequiredPermission[]) =>
      lossesThatMatter(options.engine, job, lost);
    if (requester.startsWith('service:')) {
      return serviceAccessLost({
        config,
        subject: requester.slice('service:'.length),
        job,
        matters,
      });
    }
    if (!requester.startsWith('user:')) {
      return `${requester} is neither a user nor a service principal`;
    }
    // One directory per check: team membership and grants are read fresh for every job.
    const directory = new TrustedOrgDirectory({
      orgLocations: OrgLocations.fromConfig(config),
      lookup: async ref =>
        catalog.getEntityByRef(ref, {
          credentials: await auth.getOwnServiceCredentials(),
        }),
    });
    return userAccessLost({
      userEntityRef: requester,
      job,
      directory,
      policy: options.policy,
      matters,
    });
  };
  return async job => {
    const audit = await options.auditor?.createEvent({
      eventId: 'export-access-rechecked',
      severityLevel: 'medium',
      meta: {
        exportId: job.id,
        requestedBy: job.requested_by,
        accountId: job.account_id,
        dataClasses: job.readable_data_classes,
      },
    });
    let reason: string | undefined;
    try {
      reason = await decide(job);
    } catch (error) {
      await audit?.fail({ error: error as Error });
      throw error;
    }
    if (reason) {
      await audit?.fail({ error: new NotAllowedError(reason) });
    } else {
      await audit?.success();
    }
    return reason;
  };
}
