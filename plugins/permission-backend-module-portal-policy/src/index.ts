export { permissionModulePortalPolicy as default } from './module';
export { PortalPermissionPolicy } from './PortalPermissionPolicy';
export { createPortalPolicy } from './createPortalPolicy';
export {
  ADMIN_GROUPS,
  ACCOUNT_ACCESS_ANNOTATION,
  DATA_CLASSES_ANNOTATION,
} from './roles';
