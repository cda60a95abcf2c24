export interface Config {
  catalog?: {
    /**
     * The organisation's own catalog locations (same shape as `catalog.locations`). Group and
     * User entities, and the `platform.portal/*` annotations the portal policy reads, count only
     * when they come from one of these; a catalog processor refuses Group/User entities from
     * anywhere else. Default: every location listed in `catalog.locations` (those are set by
     * operators; locations registered through the API never are).
     */
    orgLocations?: Array<{
      type: string;
      target: string;
    }>;
  };
}
