/**
 * Every plugin id of this portal (frontend, backend, discovery and permission prefix). The
 * auditor copies their audit events into the audit store and the portal policy treats their
 * mutating permissions as admin-only; a new family adds its id here, once.
 */
export const PORTAL_PLUGIN_IDS = [
  'platform',
  'filters',
  'exports',
  'authz',
  'slo',
  'capacity',
  'adoption',
] as const;

export type PortalPluginId = (typeof PORTAL_PLUGIN_IDS)[number];

/** True when `pluginId` belongs to this portal. */
export function isPortalPluginId(pluginId: string): pluginId is PortalPluginId {
  return (PORTAL_PLUGIN_IDS as readonly string[]).includes(pluginId);
}
