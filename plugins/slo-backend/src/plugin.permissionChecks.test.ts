import path from 'node:path';
import request from 'supertest';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Knex } from 'knex';
// Test only: the real permission service runs beside the SLO plugin, as in the portal backend.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import authzPlugin from '@internal/plugin-authz-backend';
import {
  hubWithMemorySink,
  passthroughRequestTelemetry,
  permissionsByRule,
  recordingEvents,
  RecordedEvent,
  waitFor,
} from '@internal/plugin-platform-node/testUtils';
import { sloPlugin } from './plugin';
import {
  emptyTelemetryReader,
  manualScheduler,
  noExportJobs,
} from './testing/services';

jest.setTimeout(180_000);

const root = path.resolve(__dirname, '../../..');
const PRODUCT_API = 'external:analytics-api';
const CHECKS = 6;

/** Each plugin gets its own database, as in a deployed backend (one per plugin). */
function databasePerPlugin(dbs: Record<string, Knex>) {
  return createServiceFactory({
    service: coreServices.database,
    deps: { plugin: coreServices.pluginMetadata },
    factory: ({ plugin }) => ({
      getClient: async () => {
        const db = dbs[plugin.getId()];
        if (!db) throw new Error(`no test database for ${plugin.getId()}`);
        return db;
      },
    }),
  });
}

interface SloItem {
  id: string;
  sli: number | null;
  good: number;
  total: number;
  dataStatus: { ok: boolean; message: string };
}

describe('permission-check SLOs from real checks (authz and slo backends in one process)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

  it('real checks through the authz HTTP API give the cached and uncached SLOs measured SLIs equal to the decision log', async () => {
    const authzDb = await databases.init('POSTGRES_18');
    const sloDb = await databases.init('POSTGRES_18');
    const { host, port, user, password, database } = authzDb.client.config
      .connection as Record<string, string>;
    const events: RecordedEvent[] = [];
    const tasks = new Map<string, () => Promise<void>>();
    const { server } = await startTestBackend({
      features: [
        authzPlugin,
        sloPlugin,
        databasePerPlugin({ authz: authzDb, slo: sloDb }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            // What the SLO plugin's decision latency reader (default factory) connects with:
            // the authz plugin's own database.
            backend: {
              database: {
                client: 'pg',
                connection: { host, port, user, password },
                plugin: { authz: { connection: { database } } },
              },
            },
            authz: { productUserCallers: [PRODUCT_API] },
            slo: {
              definitionsDirectory: path.join(root, 'slos'),
              runbooksDirectory: path.join(root, 'docs/runbooks'),
              initialLookbackDays: 1,
            },
          },
        }),
        permissionsByRule(() => true),
        passthroughRequestTelemetry,
        recordingEvents(events),
        hubWithMemorySink(),
        emptyTelemetryReader,
        noExportJobs,
        manualScheduler(tasks),
      ],
    });

    // The same check again and again: the first is evaluated, the repeats come from the cache.
    const answers: boolean[] = [];
    for (let i = 0; i < CHECKS; i++) {
      const res = await request(server)
        .post('/api/authz/v1/check')
        .set(
          'Authorization',
          mockCredentials.service.header({
            onBehalfOf: mockCredentials.service(PRODUCT_API),
            targetPluginId: 'authz',
          }),
        )
        .send({
          subject: { type: 'product-user', id: 'slo-test-user' },
          action: 'dashboard.read',
          resource: { type: 'dashboard', id: 'd-1' },
        });
      expect(res.status).toBe(200);
      answers.push(res.body.cacheHit);
    }
    expect(answers).toEqual([false, true, true, true, true, true]);

    // The decision log, counted directly (latency_us ≤ threshold in µs).
    const logged = async (cacheHit: boolean, thresholdMs: number) => {
      const [row] = await authzDb('authz_decisions')
        .where('cache_hit', cacheHit)
        .select(
          authzDb.raw('count(*)::int AS total'),
          authzDb.raw('count(*) FILTER (WHERE latency_us <= ?)::int AS good', [
            thresholdMs * 1000,
          ]),
        );
      return row as { good: number; total: number };
    };

    const slos = await waitFor(async () => {
      await tasks.get('slo-evaluate')!();
      const res = await request(server)
        .get('/api/slo/v1/slos')
        .set('Authorization', mockCredentials.user.header());
      const items = res.body.items as SloItem[] | undefined;
      const byId = new Map(items?.map(s => [s.id, s]));
      return byId.get('permission-check-cached')?.total === CHECKS - 1 &&
        byId.get('permission-check-uncached')?.total === 1
        ? byId
        : undefined;
    }, 60_000);

    const cached = slos.get('permission-check-cached')!;
    expect(cached.dataStatus).toEqual(
      expect.objectContaining({
        ok: true,
        message:
          "measured from the permission service's decision latency histograms (cached decisions, per minute)",
      }),
    );
    expect({ good: cached.good, total: cached.total }).toEqual(
      await logged(true, 5),
    );
    expect(cached.sli).toBe(cached.good / cached.total);
    const uncached = slos.get('permission-check-uncached')!;
    expect({ good: uncached.good, total: uncached.total }).toEqual(
      await logged(false, 50),
    );
    expect(uncached.dataStatus.ok).toBe(true);
  });
});
