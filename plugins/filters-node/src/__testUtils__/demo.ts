import { ConfigReader } from '@backstage/config';
import { createTestDatabase, TestDatabase } from '@internal/dev-database';
import { contextForVerifiedIdentity, FilterContext } from '../access';
import { DatasetDefinition, readDatasets } from '../datasets';
import { demoEventsDatasetConfig } from '../demoDataset';

export interface DemoSetup {
  db: TestDatabase;
  dataset: DatasetDefinition;
  rows: Record<string, unknown>[];
  /** Accounts ordered by event count, largest first. */
  accounts: { id: string; events: number }[];
}

export function datasetFor(
  db: TestDatabase,
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
export async function setupDemo(eventRows: number): Promise<DemoSetup> {
  const db = await createTestDatabase({ productData: { eventRows } });
  const rows = await db.knex('events').select('*');
  const accounts = (
    await db
      .knex('events')
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
