export interface Config {
  /** Permission service (plugins/authz-*). */
  authz?: {
    /**
     * Service principal subjects (a static token's configured subject, e.g. `analytics-api`) allowed to
     * check on behalf of product users and to pass subject attributes.
     */
    productUserCallers?: string[];
    /** Directory of the policy seeded as the first revision (default: policies/product). */
    policyDirectory?: string;
    /** Directory of the portal policy seeded as the first portal revision (default: policies/portal). */
    portalPolicyDirectory?: string;
    portalPolicy?: {
      /** Portal permission decisions wait this long for a portal policy in force, then deny (default 30000). */
      waitMs?: number;
    };
    /** An evaluation slower than this denies with policy_error (default 50). */
    maxEvaluationMs?: number;
    /** The decision log's group commit. */
    decisionLog?: {
      /** Most decisions in one commit (default 5000). */
      maxBatch?: number;
      /** Checks wait for room while this many decisions are queued (default 50000). */
      maxQueued?: number;
    };
    /** Shadow mode: the bar for flipping a team and endpoint to enforce. */
    shadow?: {
      /** Highest discrepancy rate that still allows enforce without force (default 0.001). */
      maxDiscrepancyRate?: number;
      /** Window of the discrepancy rate, in hours (default 24). */
      windowHours?: number;
    };
  };
}
