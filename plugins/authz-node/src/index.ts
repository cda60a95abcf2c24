/**
 * Backend library of the authz plugin family: policy evaluation (Rego compiled by rego-wasm,
 * run by opa-wasm), the decision cache, product-user and portal-user subjects, the in-process SDK
 * (`authzServiceRef`) and the `requirePermission` express middleware.
 *
 * @packageDocumentation
 */
export { AuthzEvaluator } from './AuthzEvaluator';
export type {
  AuthzEvaluatorOptions,
  DecisionRecord,
  SdkDecisionRecorder,
} from './AuthzEvaluator';
export { CompiledPolicy, policySha256 } from './policy/CompiledPolicy';
export type { PolicySource, PolicyDecision } from './policy/CompiledPolicy';
export {
  readPolicyDirectory,
  defaultPolicyRoot,
  DEFAULT_ENTRYPOINT,
} from './policy/policyDirectory';
export { DecisionCache } from './cache/DecisionCache';
export type { DecisionCacheOptions } from './cache/DecisionCache';
export { ProductUserDirectory } from './subjects/ProductUserDirectory';
export type {
  ProductUserAttributes,
  ProductUserSource,
} from './subjects/ProductUserDirectory';
export { PortalUserDirectory } from './subjects/PortalUserDirectory';
export type {
  PortalUserAttributes,
  PortalUserSource,
  OrgDirectory,
} from './subjects/PortalUserDirectory';
export {
  ACCOUNT_ACCESS_ANNOTATION,
  DATA_CLASSES_ANNOTATION,
  parseAccountAccess,
  parseDataClasses,
  teamsAccountAccess,
  teamsDataClasses,
} from './subjects/teamGrants';
export type { GroupAnnotations } from './subjects/teamGrants';
export {
  authzServiceRef,
  authzEvaluatorServiceRef,
  portalPolicyServiceRef,
} from './service';
export { ActivePortalPolicy } from './portal/ActivePortalPolicy';
export type { RecordedPortalDecision } from './portal/ActivePortalPolicy';
export type { AuthzService } from './service';
export { createRequirePermission } from './middleware/requirePermission';
export type { RequirePermissionOptions } from './middleware/requirePermission';
export {
  PortalPolicy,
  PORTAL_ENTRYPOINT,
  PORTAL_POLICY_ERROR,
  withPortalPluginIds,
} from './portal/PortalPolicy';
export type {
  PortalPolicyInput,
  PortalPolicyAnswer,
  PortalPolicyOptions,
  PortalPolicyProvider,
} from './portal/PortalPolicy';
export * from './decisions';
