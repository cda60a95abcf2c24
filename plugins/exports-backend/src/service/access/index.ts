export { createRunTimeAccessCheck } from './runTimeAccessCheck';
export type { RunTimeAccessOptions } from './runTimeAccessCheck';
export { loadRunTimeAccessCheck } from './loadRunTimeAccessCheck';
export {
  regoPortalUserPolicy,
  typescriptPortalUserPolicy,
} from './portalUserPolicy';
export type { PortalUserPolicy } from './portalUserPolicy';
