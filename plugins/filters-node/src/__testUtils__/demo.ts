import { ConfigReader } from '@backstage/config';
import { TestDatabases } from '@backstage/backend-test-utils';
import { seedProductData } from '@internal/dev-database';
import { Knex } from 'knex';
import { contextForVerifiedIdentity, FilterContext } from '../access';
import {
  DatasetDefinition,
  PgConnectionConfig,
  readDatasets,
} from '../datasets';
import { connectionOfKnex, demoEventsDatasetConfig } from '../testUtils';

/** A database made by TestDatabases (dropped by the library after the file). */
export interface DemoDatabase {
  knex: Knex;
  connection: PgConnectionConfig;
}

export interface DemoSetup {
  db: DemoDatabase;
  dataset: DatasetDefinition;
  rows: Record<string, unknown>[];
  /** Accounts ordered by event count, largest first. */
  accounts: { id: string; events: number }[];
}

/**
 * The library's test databases. Call at describe level, after registering the afterAll that
 * closes engines (hooks run in order; the library drops the databases in its own afterAll).
 */
export function createDemoDatabases(): TestDatabases {
  return TestDatabases.create({ ids: ['POSTGRES_18'] });
}

export function datasetFor(
  db: DemoDatabase,
  overrides: Record<string, unknown> = {},
  id = 'events',
): DatasetDefinition {
  return readDatasets(
    new ConfigReader(
      JSON.parse(
        JSON.stringify({
          platform: {
            productDatabase: { connection: { ...db.connection } },
            datasets: { [id]: demoEventsDatasetConfig(overrides) },
          },
        }),
      ),
    ),
  )[0];
}

/** A real Postgres database with the demo product tables, loaded once per test file. */
export async function setupDemo(
  databases: TestDatabases,
  eventRows: number,
): Promise<DemoSetup> {
  const knex = await databases.init('POSTGRES_18');
  await seedProductData(knex, { eventRows });
  const db = { knex, connection: connectionOfKnex(knex) };
  const rows = await knex('events').select('*');
  const accounts = (
    await knex('events')
      .select('account_id')
      .count('* as n')
      .groupBy('account_id')
      .orderBy('n', 'desc')
  ).map(r => ({ id: String(r.account_id), events: Number(r.n) }));
  return { db, dataset: datasetFor(db), rows, accounts };
}

export function tenantContext(
  accountId: string,
  options: { pii?: boolean; now?: Date } = {},
): FilterContext {
  return contextForVerifiedIdentity({
    accountId,
    verifiedBy: 'test',
    readableDataClasses: options.pii ? ['pii'] : [],
    now: options.now,
  });
}
