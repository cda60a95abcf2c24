import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  OrgLocations,
  TrustedOrgDirectory,
} from '@internal/plugin-catalog-backend-module-org-trust';
import { portalPolicyServiceRef } from '@internal/plugin-authz-node';
import {
  platformEventsServiceRef,
  platformHubServiceRef,
} from '@internal/plugin-platform-node';
import { PortalDecisionRecorder } from './PortalDecisionRecorder';
import {
  createPortalPolicy,
  createRegoPortalPolicy,
  PortalPolicyOptions,
} from './createPortalPolicy';

const POLICY_KINDS = ['rego', 'typescript'] as const;

export const permissionModulePortalPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'portal-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        events: platformEventsServiceRef,
        hub: platformHubServiceRef,
        portalPolicy: portalPolicyServiceRef,
      },
      async init({
        policy,
        catalog,
        auth,
        userInfo,
        config,
        logger,
        events,
        hub,
        portalPolicy,
      }) {
        const kind =
          config.getOptionalString('permission.portalPolicy') ?? 'rego';
        if (!(POLICY_KINDS as readonly string[]).includes(kind)) {
          throw new InputError(
            `permission.portalPolicy must be one of ${POLICY_KINDS.join(
              ', ',
            )}, got '${kind}'`,
          );
        }
        const options: PortalPolicyOptions = {
          directory: TrustedOrgDirectory.fromCatalog({
            catalog,
            auth,
            orgLocations: OrgLocations.fromConfig(config),
          }),
          userInfo: user => userInfo.getUserInfo(user.credentials),
        };
        if (kind === 'typescript') {
          logger.warn(
            'permission.portalPolicy is typescript: the Rego portal policy does not decide',
          );
          policy.setPolicy(createPortalPolicy(options));
          return;
        }
        const onError = (error: Error) =>
          logger.error(`portal policy failed, denied: ${error.message}`);
        // the revision in force is read at every decision: the active stored portal revision
        // (authz backend) or the repository policy; none in force denies
        const recorder = new PortalDecisionRecorder({
          events,
          appendAudit: async records => {
            const sink = await hub.waitForSink({
              timeoutMs:
                config.getOptionalNumber('platform.audit.sinkWaitMs') ?? 30_000,
              caller: 'the portal permission policy',
            });
            await sink.appendAudit(records);
          },
          recordForReplay: decision => portalPolicy.record(decision),
          logger,
          checkedSampleRate: config.getOptionalNumber(
            'permission.checkedEventSampleRate',
          ),
        });
        policy.setPolicy(
          createRegoPortalPolicy({
            ...options,
            policy: portalPolicy,
            onDecision: record => recorder.record(record),
            onError,
          }),
        );
      },
    });
  },
});
