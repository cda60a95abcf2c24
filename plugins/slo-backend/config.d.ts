export interface Config {
  slo?: {
    /** Directory of SLO definition files (default: the repository's slos/). */
    definitionsDirectory?: string;
    /** Directory of runbooks served at /api/slo/v1/runbooks (default: docs/runbooks). */
    runbooksDirectory?: string;
    /** Seconds between evaluations (ingest, alerts, policy). Default 60. */
    evaluationIntervalSeconds?: number;
    /** How many days the first ingestion of an SLO reads from its source. Default 30. */
    initialLookbackDays?: number;
    /** PromQL source for SLIs with `source: prometheus`. */
    prometheus?: {
      /** e.g. http://prometheus:9090 */
      baseUrl: string;
    };
    /** Alert delivery as PagerDuty Events v2. */
    pagerduty?: {
      /** Events v2 endpoint (https://events.pagerduty.com/v2/enqueue) or a relay. */
      webhookUrl: string;
      /**
       * Integration routing key.
       * @visibility secret
       */
      routingKey: string;
      /** Attempts per event before it is marked failed. Default 6. */
      maxAttempts?: number;
      /** First retry delay in seconds, doubling per attempt. Default 30. */
      backoffSeconds?: number;
    };
  };
}
