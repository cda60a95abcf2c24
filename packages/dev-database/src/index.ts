export type { PgConnection } from './connection';
export {
  connect,
  createDatabaseIfMissing,
  parsePostgresUrl,
} from './connection';
export { ensureProductDatabase } from './ensureProductDatabase';
export type { ProductDatabaseStatus } from './ensureProductDatabase';
export { seedProductData } from './seedProductData';
export type { ProductDataStatus } from './seedProductData';
export {
  createBenchDatabase,
  testPostgresServer,
  TEST_POSTGRES_URL_ENV,
} from './createBenchDatabase';
export type { BenchDatabase } from './createBenchDatabase';
export {
  ACCOUNT_COUNT,
  COUNTRIES,
  EVENT_TYPES,
  USERS_PER_ACCOUNT,
  PRODUCT_SCHEMA_VERSION,
} from './productSchema';
