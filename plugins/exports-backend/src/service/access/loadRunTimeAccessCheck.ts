import {
  AuditorService,
  AuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError, ServiceUnavailableError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { FilterEngine } from '@internal/plugin-filters-node';
import { PortalPolicy } from '@internal/plugin-authz-node';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import { RunTimeAccessCheck } from '../ExportRunner';
import {
  PortalUserPolicy,
  regoPortalUserPolicy,
  typescriptPortalUserPolicy,
} from './portalUserPolicy';
import { createRunTimeAccessCheck } from './runTimeAccessCheck';

const RUN_TIME_MAX_EVALUATION_MS = 500;

/**
 * The run-time check for the plugin, with the portal policy the permission backend is
 * configured with (`permission.portalPolicy`: rego, the default, or typescript). With
 * `permission.enabled` off Backstage allows every request, so there is nothing to re-check:
 * undefined. A Rego policy that does not load makes every check throw (jobs are retried, then
 * fail), as the permission backend then denies everything.
 */
export async function loadRunTimeAccessCheck(options: {
  config: Config;
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  engine?: Pick<FilterEngine, 'getDataset'>;
  auditor?: AuditorService;
  logger: LoggerService;
}): Promise<RunTimeAccessCheck | undefined> {
  const { config, logger } = options;
  if (!config.getOptionalBoolean('permission.enabled')) {
    logger.warn(
      'exports: permission.enabled is off, so export jobs are not re-authorized when they run',
    );
    return undefined;
  }
  const kind = config.getOptionalString('permission.portalPolicy') ?? 'rego';
  let policy: PortalUserPolicy;
  if (kind === 'typescript') {
    policy = typescriptPortalUserPolicy;
  } else if (kind === 'rego') {
    try {
      policy = regoPortalUserPolicy(
        await PortalPolicy.load({
          pluginIds: PORTAL_PLUGIN_IDS,
          // Off the request path: a slow evaluation on a busy machine should not cost the
          // job an attempt (the permission backend keeps its own 50 ms limit).
          maxEvaluationMs: RUN_TIME_MAX_EVALUATION_MS,
          onError: error =>
            logger.error(
              `exports: portal policy failed at run time: ${error.message}`,
            ),
        }),
      );
    } catch (error) {
      logger.error(`exports: the portal policy did not load: ${error}`);
      policy = () => ({
        handle: async () => {
          throw new ServiceUnavailableError(
            `the portal policy did not load: ${(error as Error).message}`,
          );
        },
      });
    }
  } else {
    throw new InputError(
      `permission.portalPolicy must be one of rego, typescript, got '${kind}'`,
    );
  }
  return createRunTimeAccessCheck({ ...options, policy });
}
