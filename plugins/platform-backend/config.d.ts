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
    /** Postgres statement_timeout (ms) of the platform API's reads; default 15000. */
    statementTimeoutMs?: number;
    telemetry?: {
      /** Minute request rollups older than this many days are folded into hourly rows (default 7). */
      downsampleAfterDays?: number;
      /** When downsampling runs; default every hour. */
      downsampleSchedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    };
    rum?: {
      /** Page-load reports allowed per user per window (default 120 per 60 s); more get 429. */
      rateLimit?: { points?: number; durationSeconds?: number };
    };
    audit?: {
      /** Plugin ids whose auditor events land in the audit store. */
      auditorPlugins?: string[];
      /**
       * HMAC keys that sign the audit chain (docs/security.md). Kept outside the database;
       * required in production. Keep retired keys listed: verify needs them.
       */
      hmacKeys?: Array<{
        id: string;
        /** @visibility secret */
        secret: string;
      }>;
      /** The key new records are signed with; default the last of hmacKeys. */
      currentHmacKeyId?: string;
      /** Copies of the chain head outside the database. */
      checkpoints?: {
        /** 'file' (default) or 's3'. */
        sink?: 'file' | 's3';
        /** When the head is copied; default every 5 minutes. */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        file?: {
          /** Relative to the repository root; default .data/platform-audit-checkpoints.ndjson. */
          path?: string;
        };
        s3?: {
          bucket: string;
          prefix?: string;
          region?: string;
          endpoint?: string;
          forcePathStyle?: boolean;
          accessKeyId?: string;
          /** @visibility secret */
          secretAccessKey?: string;
          /** S3 Object Lock retention per checkpoint object (bucket created with Object Lock). */
          objectLock?: {
            mode: 'GOVERNANCE' | 'COMPLIANCE';
            retainDays: number;
          };
        };
      };
      verify?: {
        /** When the incremental verify (from the newest checkpoint) runs; default every hour. */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        /** When the full verify runs; default every 24 hours. */
        fullSchedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
      /**
       * How long an audited request waits for the platform backend to start before failing
       * (ms, default 30000); a backend without the platform plugin fails instead of hanging.
       */
      sinkWaitMs?: number;
    };
  };
}
