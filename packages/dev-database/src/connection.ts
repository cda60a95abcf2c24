import knexFactory, { Knex } from 'knex';

/** Connection settings for one Postgres database (node-postgres shape). */
export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function connect(
  connection: PgConnection,
  pool = { min: 0, max: 4 },
): Knex {
  return knexFactory({ client: 'pg', connection, pool });
}

export function parsePostgresUrl(url: string): PgConnection {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.replace(/^\//, '') || 'postgres',
  };
}

/** Creates the database unless it exists; returns whether it was created. */
export async function createDatabaseIfMissing(
  server: PgConnection,
  database: string,
): Promise<boolean> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) {
    throw new Error(
      `Invalid database name "${database}": use lower-case letters, digits and _`,
    );
  }
  const admin = connect(
    { ...server, database: 'postgres' },
    { min: 0, max: 1 },
  );
  try {
    const existing = await admin.raw(
      'SELECT 1 FROM pg_database WHERE datname = ?',
      [database],
    );
    if (existing.rows.length > 0) return false;
    await admin.raw(`CREATE DATABASE "${database}"`);
    return true;
  } catch (error) {
    // Two starters racing to create it is fine: 42P04 = duplicate_database.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await admin.destroy();
  }
}
