import { Knex } from 'knex';
import { PgConnectionConfig } from '../datasets';
import { demoEventsDatasetConfig } from './demoDataset';

/** The connection settings of a knex instance (e.g. one from `TestDatabases.init`). */
export function connectionOfKnex(knex: Knex): PgConnectionConfig {
  const c = knex.client.config.connection as Record<string, unknown>;
  return {
    host: String(c.host),
    port: Number(c.port ?? 5432),
    user: String(c.user),
    password: String(c.password),
    database: String(c.database),
  };
}

/**
 * `platform.productDatabase` + `platform.datasets` config serving the demo events dataset from
 * the database `knex` points at (seeded with `seedProductData` of `@internal/dev-database`).
 */
export function demoDatasetsConfig(
  knex: Knex,
  datasets: Record<string, Record<string, unknown>> = {
    events: demoEventsDatasetConfig(),
  },
) {
  return {
    platform: {
      productDatabase: { connection: connectionOfKnex(knex) },
      datasets,
    },
  };
}
