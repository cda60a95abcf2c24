import { Knex } from 'knex';

/**
 * Root config data whose `backend.database` opens `pluginId`'s own database as the test
 * database `db` (one database per plugin, the default division): for tests of readers that
 * reach another plugin's database (`otherPluginDatabase`).
 */
export function pluginDatabaseConfig(db: Knex, pluginId: string) {
  const { host, port, user, password, database } = db.client.config
    .connection as Record<string, string>;
  return {
    backend: {
      database: {
        client: 'pg',
        connection: { host, port, user, password },
        plugin: { [pluginId]: { connection: { database } } },
      },
    },
  };
}
