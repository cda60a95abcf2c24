import {
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  platformRetentionExtensionPoint,
  RetentionTarget,
} from '@internal/plugin-platform-node';
import { pluginDatabaseConfig } from '@internal/plugin-platform-node/testUtils';
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { authzRetentionTargets } from './authzRetentionTargets';
import { platformModuleAuthzRetention } from './platformModuleAuthzRetention';

jest.setTimeout(60_000);

const MIGRATIONS = resolvePackagePath(
  '@internal/plugin-authz-backend',
  'migrations',
);
const CUTOFF = new Date('2026-06-01T00:00:00Z');
const OLD = new Date('2026-05-31T23:59:00Z');
const NEW = new Date('2026-06-01T00:01:00Z');

const decision = (at: Date) => ({
  decision_id: randomUUID(),
  decided_at: at,
  caller: 'plugin:test',
  subject: 'product-user:u1',
  action: 'dashboard.read',
  resource: 'dashboard:d1',
  mode: 'enforce',
  allowed: true,
  reason: 'role_grants_action',
  policy_revision: 'r1',
  cache_hit: false,
  check: JSON.stringify({}),
});
const shadow = (at: Date) => ({
  team: 'group:default/core',
  endpoint: 'GET /x',
  decision_id: randomUUID(),
  subject: 'product-user:u1',
  action: 'dashboard.read',
  resource: 'dashboard:d1',
  legacy_allowed: true,
  policy_allowed: true,
  policy_reason: 'role_grants_action',
  policy_revision: 'r1',
  discrepancy: false,
  decided_at: at,
});
const portal = (at: Date) => ({
  decided_at: at,
  user_ref: 'user:default/priya',
  permission: 'catalog.entity.delete',
  permission_action: 'delete',
  result: 'DENY',
  reason: 'not_admin',
  policy_revision: 'r1',
});

/** Three old and two new rows in each authz table that grows. */
async function seed(db: Knex) {
  await db.migrate.latest({ directory: MIGRATIONS });
  const times = [OLD, OLD, OLD, NEW, NEW];
  await db('authz_decisions').insert(times.map(decision));
  await db('authz_shadow_decisions').insert(times.map(shadow));
  await db('authz_portal_decisions').insert(times.map(portal));
  await db('authz_decision_latency_minutes').insert(
    times.map((t, i) => ({
      minute: new Date(t.getTime() - i * 120_000 * (t === OLD ? 1 : -1)),
      cache_hit: false,
      decisions: 1,
      buckets: [1],
    })),
  );
}

const counts = (db: Knex) =>
  Promise.all(
    [
      'authz_decisions',
      'authz_shadow_decisions',
      'authz_portal_decisions',
      'authz_decision_latency_minutes',
    ].map(async t => Number((await db(t).count({ c: '*' }))[0].c)),
  );

async function purgeAll(targets: RetentionTarget[]) {
  const deleted: Record<string, number> = {};
  for (const t of targets) deleted[t.name] = await t.purge(CUTOFF);
  return deleted;
}

describe('authz retention targets', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

  it('delete only rows older than the cutoff, in batches, and name each table and class', async () => {
    const db = await databases.init('POSTGRES_18');
    await seed(db);
    const targets = authzRetentionTargets(async () => db, { batchSize: 2 });
    expect(targets.map(t => [t.name, t.dataClass])).toEqual([
      ['authz.decisions', 'audit'],
      ['authz.shadow_decisions', 'operational'],
      ['authz.portal_decisions', 'operational'],
      ['authz.decision_latency_minutes', 'operational'],
    ]);
    expect(await purgeAll(targets)).toEqual({
      'authz.decisions': 3,
      'authz.shadow_decisions': 3,
      'authz.portal_decisions': 3,
      'authz.decision_latency_minutes': 3,
    });
    expect(await counts(db)).toEqual([2, 2, 2, 2]);
    expect(
      (await db('authz_decisions').min({ at: 'decided_at' }))[0].at.getTime(),
    ).toBe(NEW.getTime());
  });

  it('purge nothing (and do not fail) before the authz backend has created its tables', async () => {
    const db = await databases.init('POSTGRES_18');
    const targets = authzRetentionTargets(async () => db);
    expect(Object.values(await purgeAll(targets))).toEqual([0, 0, 0, 0]);
  });

  it("reach the authz plugin's own database from the platform module", async () => {
    const authzDb = await databases.init('POSTGRES_18');
    await seed(authzDb);
    const added: RetentionTarget[] = [];
    // stands in for the platform backend: collects what modules add to its retention job
    const platform = createBackendPlugin({
      pluginId: 'platform',
      register(env) {
        env.registerExtensionPoint(platformRetentionExtensionPoint, {
          addRetentionTarget: (...targets) => added.push(...targets),
        });
        env.registerInit({ deps: {}, async init() {} });
      },
    });
    const backend = await startTestBackend({
      features: [
        platform,
        platformModuleAuthzRetention,
        mockServices.rootConfig.factory({
          data: pluginDatabaseConfig(authzDb, 'authz'),
        }),
      ],
    });
    try {
      expect(added.map(t => t.name)).toContain('authz.decisions');
      expect((await purgeAll(added))['authz.decisions']).toBe(3);
      expect(await counts(authzDb)).toEqual([2, 2, 2, 2]);
    } finally {
      await backend.stop();
    }
  });
});
