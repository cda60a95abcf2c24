export interface Config {
  filters?: {
    /**
     * Per-principal request budget of /api/filters/v1 (user entity ref or service subject),
     * counted per backend process. Over budget → 429 with Retry-After.
     */
    rateLimit?: {
      /** Requests per window (default 600; 0 turns the limit off). */
      requests?: number;
      /** Window length in seconds (default 60). */
      windowSeconds?: number;
    };
  };
  platform?: {
    /**
     * Datasets the filter engine serves, keyed by dataset id (`/api/filters/v1/...`).
     */
    datasets?: {
      [datasetId: string]: {
        title?: string;
        description?: string;
        /**
         * `product` (default) = platform.productDatabase.connection, or a connection object.
         */
        connection?:
          | 'product'
          | {
              host: string;
              port: number | string;
              user: string;
              /** @visibility secret */
              password: string;
              database: string;
            };
        /** Reads go to the replica when reachable and its measured lag is within maxLagSeconds. */
        replica?: {
          connection:
            | 'product'
            | {
                host: string;
                port: number | string;
                user: string;
                /** @visibility secret */
                password: string;
                database: string;
              };
          /** Fall back to the primary above this lag (seconds, default 30). */
          maxLagSeconds?: number;
        };
        /** Table or view, optionally schema-qualified; lower-case identifiers only. */
        table: string;
        /** Table whose pg_stat_xact_user_tables counters measure rows scanned (default: table). */
        statsTable?: string;
        /** Column holding the tenant (account uuid); the engine always filters on it. */
        tenantColumn: string;
        /** Unique uuid column used as keyset tie-breaker (default `id`). */
        primaryKey?: string;
        defaultOrder?: { field: string; direction?: 'asc' | 'desc' };
        /** EXPLAIN total-cost threshold above which a query is refused with 422 (default 100000). */
        costThreshold?: number;
        /** statement_timeout per query in ms (default 5000). */
        statementTimeoutMs?: number;
        /** How long an accepted cost verdict is reused per shape (default 300). */
        shapeCacheTtlSeconds?: number;
        fields: {
          [fieldName: string]: {
            type:
              | 'string'
              | 'number'
              | 'boolean'
              | 'timestamp'
              | 'uuid'
              | 'enum'
              | 'jsonb';
            label?: string;
            /** Column name when it differs from the field name. */
            column?: string;
            /** Allowed operators (default: all valid for the type). */
            operators?: string[];
            /** An index narrows filters on this field (cost-gate suggestions). */
            indexed?: boolean;
            /** Data class, e.g. `pii`: needs filters.data-class.read. */
            dataClass?: string;
            /** Values of an enum field. */
            values?: string[];
            nullable?: boolean;
            /** Declared paths of a jsonb field, addressed as `<field>.<path>`. */
            paths?: {
              [path: string]: {
                type:
                  | 'string'
                  | 'number'
                  | 'boolean'
                  | 'timestamp'
                  | 'uuid'
                  | 'enum';
                label?: string;
                /** Segments below the column (default: the key split on `.`). */
                path?: string[];
                values?: string[];
              };
            };
          };
        };
      };
    };
  };
}
