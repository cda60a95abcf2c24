import { Knex } from 'knex';
import { resolvePackagePath } from '@backstage/backend-plugin-api';

/** Migrations table of the node library's own tables inside a plugin database. */
export const NODE_MIGRATIONS_TABLE = 'platform_node_knex_migrations';

/** Creates the outbox and consumer tables in a plugin's database (idempotent). */
export async function migratePlatformNodeTables(knex: Knex): Promise<void> {
  await knex.migrate.latest({
    directory: resolvePackagePath(
      '@internal/plugin-platform-node',
      'migrations',
    ),
    tableName: NODE_MIGRATIONS_TABLE,
  });
}

export async function rollbackPlatformNodeTables(knex: Knex): Promise<void> {
  await knex.migrate.rollback(
    {
      directory: resolvePackagePath(
        '@internal/plugin-platform-node',
        'migrations',
      ),
      tableName: NODE_MIGRATIONS_TABLE,
    },
    true,
  );
}
