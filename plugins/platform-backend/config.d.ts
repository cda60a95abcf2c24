import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  platform?: {
    retention?: {
      /** Days each data class is kept (spec: 730, 2557, 365, 7). */
      days?: {
        operational?: number;
        audit?: number;
        analytics_raw?: number;
        export_files?: number;
      };
      /** When the purge runs; default every 24 hours. */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    };
    qa?: {
      /** When the data-QA checks run; default every hour. */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    };
    audit?: {
      /** Plugin ids whose auditor events land in the audit store. */
      auditorPlugins?: string[];
      /**
       * How long an audited request waits for the platform backend to start before failing
       * (ms, default 30000); a backend without the platform plugin fails instead of hanging.
       */
      sinkWaitMs?: number;
    };
  };
}
