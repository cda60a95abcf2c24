import {
  createIndexesSql,
  createSchemaSql,
  PRODUCT_SCHEMA_VERSION,
  seedEventsSql,
  seedReferenceDataSql,
} from './productSchema';
import { connect, createDatabaseIfMissing, PgConnection } from './connection';

export interface ProductDatabaseStatus {
  created: boolean;
  seeded: boolean;
  eventRows: number;
  seededAt: string;
}

/**
 * Creates the demo product database and its data on first use. Seeding runs in one
 * transaction, so an interrupted first start leaves nothing half-written and simply reseeds.
 */
export async function ensureProductDatabase(options: {
  connection: PgConnection;
  eventRows: number;
  log?: (message: string) => void;
}): Promise<ProductDatabaseStatus> {
  const { connection, eventRows } = options;
  if (!Number.isInteger(eventRows) || eventRows < 0) {
    throw new Error(
      `platform.demoData.eventRows must be a non-negative integer, got ${eventRows}`,
    );
  }
  const created = await createDatabaseIfMissing(
    connection,
    connection.database,
  );
  const db = connect(connection, { min: 0, max: 1 });
  try {
    const existing = await readMetadata(db);
    if (existing.schema_version === String(PRODUCT_SCHEMA_VERSION)) {
      return {
        created,
        seeded: false,
        eventRows: Number(existing.event_rows),
        seededAt: existing.seeded_at,
      };
    }
    options.log?.(
      `Seeding demo product database "${connection.database}" with ${eventRows} events`,
    );
    const started = Date.now();
    await db.transaction(async tx => {
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
      await tx('demo_metadata').insert([
        { key: 'schema_version', value: String(PRODUCT_SCHEMA_VERSION) },
        { key: 'event_rows', value: String(eventRows) },
        { key: 'seeded_at', value: new Date().toISOString() },
      ]);
    });
    await db.raw('ANALYZE');
    options.log?.(`Seeded demo product database in ${Date.now() - started} ms`);
    const metadata = await readMetadata(db);
    return { created, seeded: true, eventRows, seededAt: metadata.seeded_at };
  } finally {
    await db.destroy();
  }
}

async function readMetadata(
  db: ReturnType<typeof connect>,
): Promise<Record<string, string>> {
  const table = await db.raw(`SELECT to_regclass('demo_metadata') AS t`);
  if (!table.rows[0].t) return {};
  const rows: { key: string; value: string }[] = await db(
    'demo_metadata',
  ).select('key', 'value');
  return Object.fromEntries(rows.map(r => [r.key, r.value]));
}
