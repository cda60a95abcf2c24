export interface Config {
  exports?: {
    /**
     * HMAC key of download URLs; every replica needs the same one. Without it each process
     * makes a random key (URLs then only work on the replica that issued them).
     * @visibility secret
     */
    signingSecret?: string;
    storage?: {
      /** `local` (default) or `s3`. */
      type?: 'local' | 's3';
      /** Root of local export files (`<root>/<region>/`; default `.data/exports`). */
      localRoot?: string;
      s3?: {
        /** One bucket per region, different from each other: an account's files stay in its region's bucket. */
        buckets: { us: string; eu: string };
        /** AWS region of each bucket (default us-east-1 / eu-central-1); requests and presigned URLs are signed for it. */
        bucketRegions?: { us?: string; eu?: string };
        /** S3-compatible endpoint (MinIO, s3rver…); default AWS. */
        endpoint?: string;
        /** Path-style URLs, needed by most S3-compatible servers. */
        forcePathStyle?: boolean;
        /** Static credentials; without them the default AWS credential chain. */
        credentials?: {
          accessKeyId: string;
          /** @visibility secret */
          secretAccessKey: string;
        };
        /** Per-request timeout in seconds (default 60; connecting at most 10). */
        requestTimeoutSeconds?: number;
      };
    };
    /** Concurrent export jobs per backend replica (default 2; 0 runs no worker). */
    workers?: number;
    /** A claimed job returns to the queue when its worker misses heartbeats this long (default 30). */
    leaseSeconds?: number;
    /** Lease renewal and progress writes (default 2). */
    heartbeatSeconds?: number;
    /**
     * How often an idle worker looks for work, and the webhook outbox for due deliveries
     * (default 1). A fallback: new jobs wake idle workers on every replica at once
     * (LISTEN/NOTIFY), a finished job's webhook is sent at once by its replica.
     */
    pollSeconds?: number;
    /** Running jobs per account across all replicas (default 2). */
    perTenantConcurrency?: number;
    /** Attempts per job before it fails (default 3). */
    maxAttempts?: number;
    /** Days a finished file is kept (default 7). */
    retentionDays?: number;
    /** Largest CSV file in bytes (default 1073741824; `limits.csv.maxBytes` wins). */
    maxCsvBytes?: number;
    /**
     * Size limits per format: a run over `maxRows` rows or `maxBytes` bytes fails with
     * `size_limit`. Defaults: csv and xlsx 1 GiB and no row limit (XLSX continues on a new
     * sheet every 1,048,575 rows), pdf 10,000 rows and 256 MiB.
     */
    limits?: {
      csv?: { maxRows?: number; maxBytes?: number };
      xlsx?: { maxRows?: number; maxBytes?: number };
      pdf?: { maxRows?: number; maxBytes?: number };
    };
    webhooks?: {
      /** Host names webhook URLs may point at (exact match); none by default. */
      allowedHosts?: string[];
      /**
       * HMAC key of `X-Signature` (default: exports.signingSecret).
       * @visibility secret
       */
      secret?: string;
      /**
       * Attempts per notification (default 4). Pending attempts are kept in Postgres
       * (`export_webhook_outbox`): a restart does not lose them, any replica makes them.
       */
      attempts?: number;
      /** Backoff base in ms: base, 4×base, 16×base … at most 15 minutes (default 1000). */
      backoffBaseMs?: number;
    };
  };
}
