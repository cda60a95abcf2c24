import {
  AuditorService,
  AuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { FilterEngine } from '@internal/plugin-filters-node';
import { PortalPolicyProvider } from '@internal/plugin-authz-node';
import { RunTimeAccessCheck } from '../ExportRunner';
import {
  PortalUserPolicy,
  regoPortalUserPolicy,
  typescriptPortalUserPolicy,
} from './portalUserPolicy';
import { portalPolicyWithin } from './portalPolicyWithin';
import { createRunTimeAccessCheck } from './runTimeAccessCheck';

/** Well inside the default 30 s job lease (the check runs before the job's heartbeat starts). */
const RUN_TIME_POLICY_WAIT_MS = 5_000;

/**
 * The run-time check for the plugin, with the portal policy the permission backend is
 * configured with (`permission.portalPolicy`: rego, the default, or typescript). With rego,
 * every check asks `portalPolicy` (portalPolicyServiceRef: the activated stored revision, or
 * the repository's policies/portal without the authz backend) for the policy in force then, as
 * the permission backend does for each decision. None in force within 5 s makes the check throw
 * (jobs are retried, then fail). With `permission.enabled` off Backstage allows every request, so there
 * is nothing to re-check: undefined.
 */
export function loadRunTimeAccessCheck(options: {
  config: Config;
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  portalPolicy: PortalPolicyProvider;
  engine?: Pick<FilterEngine, 'getDataset'>;
  auditor?: AuditorService;
  logger: LoggerService;
}): RunTimeAccessCheck | undefined {
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
    policy = regoPortalUserPolicy(
      portalPolicyWithin(options.portalPolicy, RUN_TIME_POLICY_WAIT_MS),
    );
  } else {
    throw new InputError(
      `permission.portalPolicy must be one of rego, typescript, got '${kind}'`,
    );
  }
  return createRunTimeAccessCheck({ ...options, policy });
}
