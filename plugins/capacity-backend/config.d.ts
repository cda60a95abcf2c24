export interface Config {
  capacity?: {
    /** capacity/limits.yaml (default: found in the repo root above this package). */
    limitsFile?: string;
    /** capacity/costs.yaml (default: found in the repo root above this package). */
    costsFile?: string;
    /** Forecast window in days (default 14). */
    windowDays?: number;
    /** Fewest samples in the window for a forecast (default 6). */
    minPoints?: number;
    /** Lowest R² for a forecast (default 0.7). */
    minR2?: number;
    /** Yellow when the act-by date is within this many days (default 14). */
    yellowWithinDays?: number;
    /** Growth scenario: traffic multiplier (default 5, the spec's 5×) reached after growthOverDays (default 182). */
    growthMultiplier?: number;
    growthOverDays?: number;
    /** Service principals (subjects) allowed to push samples and spend, e.g. portal-api-token. */
    samplePushers?: string[];
    /** POSTed a JSON body on every status change. */
    statusWebhook?: {
      url: string;
      /** Per attempt (default 5000). */
      timeoutMs?: number;
      /** Attempts in all for network errors, 408, 429 and 5xx (default 4). */
      attempts?: number;
      /** Wait before the 2nd attempt, × 4 for each later one (default 1000). */
      backoffMs?: number;
    };
    collectors?: {
      /** How often the collectors run, in seconds (default 300). */
      intervalSeconds?: number;
      /** Delay before the first run, in seconds (default 5). */
      initialDelaySeconds?: number;
      postgres?: {
        /** CREATE EXTENSION pg_stat_statements in the product database when missing (default false). */
        createExtension?: boolean;
      };
    };
  };
}
