export { permissionModulePortalPolicy as default } from './module';
export { PortalPermissionPolicy } from './PortalPermissionPolicy';
export { ADMIN_GROUPS, ACCOUNT_ACCESS_ANNOTATION } from './roles';
