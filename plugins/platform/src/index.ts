/**
 * The platform plumbing frontend: the "Platform health" page and the real-user monitoring
 * reporter every portal page uses.
 *
 * @packageDocumentation
 */
export { platformPlugin, PlatformHealthPage } from './plugin';
export { PlatformRumReporter, usePlatformRum } from './rum/PlatformRumReporter';
export { platformApiRef } from './api/PlatformApi';
export type { PlatformApi, Measured, RumSummaryRow } from './api/PlatformApi';
export { PlatformClient } from './api/PlatformClient';
