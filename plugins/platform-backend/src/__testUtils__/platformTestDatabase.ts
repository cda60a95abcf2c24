import { Knex } from 'knex';
import { TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';

const migrations = {
  directory: resolvePackagePath(
    '@internal/plugin-platform-backend',
    'migrations',
  ),
};

/**
 * Test databases from the library (`TestDatabases`, PostgreSQL 18 through
 * BACKSTAGE_TEST_DATABASE_POSTGRES18_CONNECTION_STRING) with the platform migrations.
 * Call at the top level of a test file; the library drops the databases after the file.
 */
export function platformTestDatabases(): { init(): Promise<Knex> } {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  return {
    async init() {
      const knex = await databases.init('POSTGRES_18');
      await knex.migrate.latest(migrations);
      return knex;
    },
  };
}

export const TEST_IDENTITY = {
  user_id: '0b6d9f4e-8c1a-4e7b-9f2d-3a5c7e9b1d20',
  account_id: '5e8a1c3f-2d4b-4f6a-8b0c-1d3e5f7a9b2c',
};
