import {
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { pluginDatabaseConfig } from '@internal/plugin-platform-node/testUtils';
import { knex as knexFactory, Knex } from 'knex';
import { DECISION_LATENCY_TABLE } from './DecisionLatencyReader';
import { authzDecisionLatencyReaderServiceRef } from './decisionLatencyReaderServiceRef';
import { DecisionLatencyReader } from './types';

jest.setTimeout(60_000);

const MIGRATIONS = resolvePackagePath(
  '@internal/plugin-authz-backend',
  'migrations',
);
const MINUTE = new Date('2026-12-01T10:00:00Z');

async function seedOneMinute(db: Knex) {
  await db.migrate.latest({ directory: MIGRATIONS });
  const buckets = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
  buckets[0] = 4;
  await db(DECISION_LATENCY_TABLE).insert({
    minute: MINUTE,
    cache_hit: true,
    decisions: 4,
    buckets,
  });
}

type ConfigValue = NonNullable<
  NonNullable<Parameters<typeof mockServices.rootConfig.factory>[0]>['data']
>[string];

/** Starts a backend with two plugins that read decision latency; returns their readers. */
async function readersWith(databaseConfig: ConfigValue) {
  const readers: DecisionLatencyReader[] = [];
  const consumer = (pluginId: string) =>
    createBackendPlugin({
      pluginId,
      register(env) {
        env.registerInit({
          deps: { latency: authzDecisionLatencyReaderServiceRef },
          async init({ latency }) {
            readers.push(latency);
          },
        });
      },
    });
  const backend = await startTestBackend({
    features: [
      consumer('slo'),
      consumer('other'),
      mockServices.rootConfig.factory({
        data: { backend: { database: databaseConfig } },
      }),
    ],
  });
  return { backend, readers };
}

describe('authzDecisionLatencyReaderServiceRef default factory', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

  it("reaches the authz plugin's database (one database per plugin) from other plugins", async () => {
    const authzDb: Knex = await databases.init('POSTGRES_18');
    await seedOneMinute(authzDb);
    const { backend, readers } = await readersWith(
      pluginDatabaseConfig(authzDb, 'authz').backend.database,
    );
    try {
      expect(readers).toHaveLength(2);
      for (const reader of readers) {
        expect(reader.bucketBoundsMs).toEqual(LATENCY_BUCKETS_MS);
        const minutes = await reader.latencyMinutes({
          from: MINUTE,
          to: new Date(MINUTE.getTime() + 60_000),
        });
        expect(minutes).toEqual([
          expect.objectContaining({
            minute: MINUTE,
            cacheHit: true,
            decisions: 4,
          }),
        ]);
      }
    } finally {
      await backend.stop();
    }
  });

  it('reads the authz schema when the backend divides plugins by schema', async () => {
    const main: Knex = await databases.init('POSTGRES_18');
    await main.raw('CREATE SCHEMA IF NOT EXISTS authz');
    const connection = main.client.config.connection as Record<string, string>;
    const authzSchema = knexFactory({
      client: 'pg',
      connection,
      searchPath: ['authz'],
    });
    try {
      await seedOneMinute(authzSchema);
    } finally {
      await authzSchema.destroy();
    }
    const { host, port, user, password, database } = connection;

    const { backend, readers } = await readersWith({
      client: 'pg',
      pluginDivisionMode: 'schema',
      connection: { host, port, user, password, database },
    });
    try {
      const minutes = await readers[0].latencyMinutes({
        from: MINUTE,
        to: new Date(MINUTE.getTime() + 60_000),
        cacheHit: true,
      });
      expect(minutes.map(m => m.decisions)).toEqual([4]);
      // Nothing was created in the default schema: the reader went to `authz`.
      expect(await main.schema.hasTable(DECISION_LATENCY_TABLE)).toBe(false);
    } finally {
      await backend.stop();
    }
  });
});
