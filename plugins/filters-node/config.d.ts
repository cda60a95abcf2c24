export interface Config {
  filters?: {
    /**
     * Service principals (by `subject`, e.g. `external:reporting`) that may read fields of a
     * data class other than `public` when the permission policy also allows it. Any other
     * service principal (e.g. the development static token) gets public fields only.
     */
    piiServiceSubjects?: string[];
    /** The export path (FilterExporter: whole results as CSV through COPY). */
    export?: {
      /** EXPLAIN total cost above which an export is refused with 422 (default 2000000). */
      costThreshold?: number;
      /** statement_timeout of the export's snapshot transaction in ms (default 300000). */
      statementTimeoutMs?: number;
    };
  };
  platform?: {
    datasets?: {
      [datasetId: string]: {
        /** TLS of a dataset connection object (node-postgres `ssl`, passed through). */
        connection?:
          | 'product'
          | {
              ssl?:
                | boolean
                | {
                    rejectUnauthorized?: boolean;
                    ca?: string;
                    cert?: string;
                    /** @visibility secret */
                    key?: string;
                    servername?: string;
                  };
            };
        replica?: {
          connection?:
            | 'product'
            | {
                ssl?:
                  | boolean
                  | {
                      rejectUnauthorized?: boolean;
                      ca?: string;
                      cert?: string;
                      /** @visibility secret */
                      key?: string;
                      servername?: string;
                    };
              };
        };
      };
    };
  };
}
