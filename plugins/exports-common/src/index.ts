/**
 * Export service family (`exports`): permissions, the job status model and the API types
 * generated from the backend's OpenAPI document — shared by backend and frontend.
 *
 * @packageDocumentation
 */
export {
  exportsCreatePermission,
  exportsReadPermission,
  exportsAdminPermission,
  exportsPermissions,
} from './permissions';
export {
  EXPORT_FORMATS,
  EXPORT_STATUSES,
  EXPORT_ERROR_TYPES,
  TERMINAL_EXPORT_STATUSES,
  canTransition,
} from './types';
export type { ExportFormat, ExportStatus, ExportErrorType } from './types';
export type * as OpenApi from './schema/openapi.generated';
