import { Knex } from 'knex';
import {
  createIndexesSql,
  createSchemaSql,
  subjectChangeTriggersSql,
  PRODUCT_SCHEMA_VERSION,
  seedEventsSql,
  seedReferenceDataSql,
} from './productSchema';

export interface ProductDataStatus {
  /** false when the database already held this schema version (no data was written). */
  seeded: boolean;
  eventRows: number;
  seededAt: string;
}

/**
 * Creates the demo product tables and data in the database `knex` points at (for example one
 * made by `TestDatabases` of `@backstage/backend-test-utils`), unless they are there already.
 * Seeding runs in one transaction, so an interrupted run leaves nothing half-written.
 */
export async function seedProductData(
  knex: Knex,
  options: { eventRows: number; log?: (message: string) => void },
): Promise<ProductDataStatus> {
  const { eventRows } = options;
  if (!Number.isInteger(eventRows) || eventRows < 0) {
    throw new Error(
      `platform.demoData.eventRows must be a non-negative integer, got ${eventRows}`,
    );
  }
  const existing = await readMetadata(knex);
  if (existing.schema_version === String(PRODUCT_SCHEMA_VERSION)) {
    await knex.transaction(async tx => {
      await tx.raw('SELECT pg_advisory_xact_lock(724101)');
      await tx.raw(subjectChangeTriggersSql);
    });
    return {
      seeded: false,
      eventRows: Number(existing.event_rows),
      seededAt: existing.seeded_at,
    };
  }
  options.log?.(`Seeding demo product data with ${eventRows} events`);
  const started = Date.now();
  await knex.transaction(async tx => {
    // Serialise concurrent first starts; the loser finds the data seeded.
    await tx.raw('SELECT pg_advisory_xact_lock(724101)');
    await tx.raw(createSchemaSql);
    const again = await tx.raw(
      `SELECT value FROM demo_metadata WHERE key = 'schema_version'`,
    );
    if (again.rows.length > 0) return;
    await tx.raw(seedReferenceDataSql);
    await tx.raw(seedEventsSql(eventRows));
    await tx.raw(createIndexesSql);
    await tx.raw(subjectChangeTriggersSql);
    await tx('demo_metadata').insert([
      { key: 'schema_version', value: String(PRODUCT_SCHEMA_VERSION) },
      { key: 'event_rows', value: String(eventRows) },
      { key: 'seeded_at', value: new Date().toISOString() },
    ]);
  });
  await knex.raw('ANALYZE');
  options.log?.(`Seeded demo product data in ${Date.now() - started} ms`);
  const metadata = await readMetadata(knex);
  return { seeded: true, eventRows, seededAt: metadata.seeded_at };
}

async function readMetadata(knex: Knex): Promise<Record<string, string>> {
  const table = await knex.raw(`SELECT to_regclass('demo_metadata') AS t`);
  if (!table.rows[0].t) return {};
  const rows: { key: string; value: string }[] = await knex(
    'demo_metadata',
  ).select('key', 'value');
  return Object.fromEntries(rows.map(r => [r.key, r.value]));
}
