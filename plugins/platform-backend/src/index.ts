/**
 * The platform plumbing backend plugin (`/api/platform`) and the auditor service factory
 * that routes the platform plugins' auditor events into its audit store.
 *
 * @packageDocumentation
 */
export { platformPlugin as default } from './plugin';
export {
  platformAuditorServiceFactory,
  DEFAULT_AUDITED_PLUGINS,
} from './service/auditorServiceFactory';
