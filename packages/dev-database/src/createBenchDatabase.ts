import { randomBytes } from 'node:crypto';
import { Knex } from 'knex';
import {
  connect,
  createDatabaseIfMissing,
  parsePostgresUrl,
  PgConnection,
} from './connection';
import { ensureProductDatabase } from './ensureProductDatabase';

export interface BenchDatabase {
  knex: Knex;
  connection: PgConnection;
  destroy(): Promise<void>;
}

/** Environment variable naming the throwaway Postgres server; `npm test` starts one. */
export const TEST_POSTGRES_URL_ENV = 'PORTAL_TEST_POSTGRES_URL';

export function testPostgresServer(): PgConnection {
  const url = process.env[TEST_POSTGRES_URL_ENV];
  if (!url) {
    throw new Error(
      `${TEST_POSTGRES_URL_ENV} is not set. Run tests with \`npm test\`, or start a server with ` +
        '`npm run postgres -- --test` and export the URL it prints.',
    );
  }
  return parsePostgresUrl(url);
}

/**
 * For benchmarks and scripts that run outside jest: a fresh, empty database on the test
 * server (real Postgres), dropped by destroy(). With `productData`, it holds the demo product
 * tables with that many events. Jest tests use `TestDatabases.create({ ids: ['POSTGRES_18'] })`
 * from `@backstage/backend-test-utils` instead, which drops its databases in an afterAll hook.
 */
export async function createBenchDatabase(options?: {
  productData?: { eventRows: number };
}): Promise<BenchDatabase> {
  const server = testPostgresServer();
  const connection = {
    ...server,
    database: `test_${randomBytes(6).toString('hex')}`,
  };
  await createDatabaseIfMissing(server, connection.database);
  if (options?.productData) {
    await ensureProductDatabase({
      connection,
      eventRows: options.productData.eventRows,
    });
  }
  const knex = connect(connection, { min: 0, max: 8 });
  return {
    knex,
    connection,
    async destroy() {
      await knex.destroy();
      const admin = connect(
        { ...server, database: 'postgres' },
        { min: 0, max: 1 },
      );
      try {
        await admin.raw(
          `DROP DATABASE IF EXISTS "${connection.database}" WITH (FORCE)`,
        );
      } finally {
        await admin.destroy();
      }
    },
  };
}
