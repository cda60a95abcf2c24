import {
  DatabaseService,
  LifecycleService,
  resolvePackagePath,
  RootConfigService,
  RootLifecycleService,
  RootLoggerService,
} from '@backstage/backend-plugin-api';
import { DatabaseManager } from '@backstage/backend-defaults/database';
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

/**
 * Lazily opens another plugin's database read side the way Backstage opens it for that plugin
 * (`backend.database`, `backend.database.plugin.<id>` overrides, `pluginDivisionMode`), once per
 * call site, never migrating it (the owning plugin owns the schema). A failed open (database down
 * at start) is retried at the next call. For `-node` readers of a plugin's tables.
 */
export function otherPluginDatabase<T>(
  deps: {
    config: RootConfigService;
    rootLogger: RootLoggerService;
    rootLifecycle: RootLifecycleService;
  },
  pluginId: string,
  serviceName: string,
  wrap: (client: Knex) => T,
): () => Promise<T> {
  let opened: Promise<T> | undefined;
  return () => {
    if (!opened) {
      const attempt = (async () => {
        const manager = DatabaseManager.fromConfig(deps.config, {
          rootLogger: deps.rootLogger,
          rootLifecycle: deps.rootLifecycle,
          migrations: { skip: true },
        });
        const client = await manager
          .forPlugin(pluginId, {
            logger: deps.rootLogger.child({ service: serviceName }),
            // The manager registers closing the pool on the root lifecycle.
            lifecycle: deps.rootLifecycle as unknown as LifecycleService,
          })
          .getClient();
        return wrap(client);
      })();
      attempt.catch(() => {
        if (opened === attempt) opened = undefined;
      });
      opened = attempt;
    }
    return opened;
  };
}
