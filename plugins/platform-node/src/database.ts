import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/**
 * The plugin's database client, migrated to the latest of `<packageName>/migrations` unless
 * the backend says migrations are skipped (`backend.database.skipMigrations`).
 */
export async function migratedDatabase(
  database: DatabaseService,
  packageName: string,
): Promise<Knex> {
  const knex = await database.getClient();
  if (!database.migrations?.skip) {
    await knex.migrate.latest({
      directory: resolvePackagePath(packageName, 'migrations'),
    });
  }
  return knex;
}
