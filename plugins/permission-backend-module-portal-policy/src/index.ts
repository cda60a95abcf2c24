export { permissionModulePortalPolicy as default } from './module';
export { PortalPermissionPolicy } from './PortalPermissionPolicy';
export { RegoPortalPermissionPolicy } from './RegoPortalPermissionPolicy';
export type { PortalDecisionRecord } from './RegoPortalPermissionPolicy';
export {
  createPortalPolicy,
  createRegoPortalPolicy,
  portalPolicyLookups,
} from './createPortalPolicy';
export type { PortalPolicyOptions } from './createPortalPolicy';
export type {
  PortalPolicyLookups,
  AccountAccessLookup,
  DataClassLookup,
} from './lookups';
export {
  ADMIN_GROUPS,
  ACCOUNT_ACCESS_ANNOTATION,
  DATA_CLASSES_ANNOTATION,
} from './roles';
