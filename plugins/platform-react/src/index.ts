/**
 * Frontend building blocks the portal's pages share (the `-react` package of the platform
 * family, as Backstage's own families have one).
 *
 * @packageDocumentation
 */
export { clientApiFactory } from './clientApiFactory';
export { TabbedPage } from './components/TabbedPage';
export type { PageTab } from './components/TabbedPage';
