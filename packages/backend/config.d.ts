export interface Config {
  platform?: {
    /** The product database the platform services query (tenants' analytics data). */
    productDatabase?: {
      connection: {
        host: string;
        port: number | string;
        user: string;
        /** @visibility secret */
        password: string;
        database: string;
      };
    };
    demoData?: {
      /** Create and seed the demo product database on first start. */
      enabled?: boolean;
      /** Number of analytics events to generate (default 1,000,000). */
      eventRows?: number | string;
    };
  };
}
