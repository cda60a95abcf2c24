export { catalogModuleOrgTrust as default } from './module';
export { OrgLocations } from './OrgLocations';
export type { OrgLocation } from './OrgLocations';
export { OrgEntityProcessor } from './OrgEntityProcessor';
export { TrustedOrgDirectory } from './TrustedOrgDirectory';
export type { EntityLookup } from './TrustedOrgDirectory';
