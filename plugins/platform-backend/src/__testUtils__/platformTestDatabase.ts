import { createTestDatabase, TestDatabase } from '@internal/dev-database';
import { resolvePackagePath } from '@backstage/backend-plugin-api';

/** A fresh database on the test Postgres server with the platform backend's migrations. */
export async function createPlatformTestDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  await db.knex.migrate.latest({
    directory: resolvePackagePath(
      '@internal/plugin-platform-backend',
      'migrations',
    ),
  });
  return db;
}

export const TEST_IDENTITY = {
  user_id: '0b6d9f4e-8c1a-4e7b-9f2d-3a5c7e9b1d20',
  account_id: '5e8a1c3f-2d4b-4f6a-8b0c-1d3e5f7a9b2c',
};
