import { connect, createDatabaseIfMissing, PgConnection } from './connection';
import { seedProductData } from './seedProductData';

export interface ProductDatabaseStatus {
  created: boolean;
  seeded: boolean;
  eventRows: number;
  seededAt: string;
}

/**
 * Creates the demo product database and its data on first use (`npm start`). Seeding runs in
 * one transaction, so an interrupted first start leaves nothing half-written and simply reseeds.
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
    const status = await seedProductData(db, {
      eventRows,
      log: options.log
        ? message =>
            options.log!(`${message} (database "${connection.database}")`)
        : undefined,
    });
    return { created, ...status };
  } finally {
    await db.destroy();
  }
}
