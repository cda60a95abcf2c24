export interface Config {
  adoption?: {
    /** Directory holding roadmap.yaml, risks.yaml, capabilities.yaml, campaigns.yaml, versioning.yaml (default: the repo's adoption/). */
    definitionsDir?: string;
    /** Phase 3 needs this many days without a legacy call (default 14). */
    legacyQuietDays?: number;
    /** Days of platform request rollups the first sync copies (default 30). */
    backfillDays?: number;
    /** How often usage and phases are refreshed (default 30 s). */
    syncIntervalSeconds?: number;
    /** Service principals (token subjects) allowed to report legacy calls. */
    shimReporters?: string[];
    /** Campaign reminders to teams behind (posted as JSON; off without a webhook). */
    reminders?: {
      webhook?: { url: string; timeoutMs?: number };
      /** Remind teams not done from this many days before their deadline (default 3). */
      daysBeforeDeadline?: number;
      /** How often the reminder job runs (default 60); one reminder per team and day. */
      frequencyMinutes?: number;
    };
  };
}
