import knexFactory, { Knex } from 'knex';
import { AuditStore } from './AuditStore';
import { platformTestDatabases } from '../__testUtils__/platformTestDatabase';
import { connectionOf } from './audit/__testUtils__/appRole';

jest.setTimeout(60_000);

const record = (i: number) => ({
  actor: `user:default/user-${i % 7}`,
  action: i % 2 ? 'exports.export-create' : 'authz.permission-check',
  resource: `dashboard:${i % 5}`,
  outcome: (i % 10 === 0 ? 'failed' : 'succeeded') as 'failed' | 'succeeded',
  meta: { i, nested: { b: 2, a: [1, 'x'] } },
});

const databases = platformTestDatabases();

describe('AuditStore (real Postgres)', () => {
  let db: { knex: Knex };

  beforeEach(async () => {
    db = { knex: await databases.init() };
  });

  it('chains appended records and verifies them', async () => {
    const store = new AuditStore(db.knex);
    const receipts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.append(record(i))),
    );
    expect(receipts.map(r => r.seq)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i + 1)),
    );
    const result = await store.verify();
    expect(result).toMatchObject({
      valid: true,
      checked: 50,
      firstSeq: '1',
      lastSeq: '50',
    });
  });

  it('group-commits concurrent appends: fewer transactions than records', async () => {
    const store = new AuditStore(db.knex);
    const spy = jest.spyOn(store as any, 'writeBatch');
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => store.append(record(i))),
    );
    expect(spy.mock.calls.length).toBeLessThan(10);
    expect((await store.verify()).valid).toBe(true);
  });

  it('refuses updates, deletes and truncation (trigger)', async () => {
    const store = new AuditStore(db.knex);
    await store.append(record(1));
    await expect(
      db.knex('platform_audit_log').update({ actor: 'mallory' }),
    ).rejects.toThrow(/append-only: UPDATE on platform_audit_log refused/);
    await expect(db.knex('platform_audit_log').delete()).rejects.toThrow(
      /append-only: DELETE/,
    );
    await expect(db.knex.raw('TRUNCATE platform_audit_log')).rejects.toThrow(
      /append-only: TRUNCATE/,
    );
    expect((await store.verify()).valid).toBe(true);
  });

  it('names the first hand-edited record', async () => {
    const store = new AuditStore(db.knex);
    for (let i = 0; i < 20; i++) await store.append(record(i));
    // An operator with superuser rights bypasses the trigger and edits one row.
    await db.knex.transaction(async tx => {
      await tx.raw('SET LOCAL session_replication_role = replica');
      await tx('platform_audit_log')
        .where({ seq: 12 })
        .update({ outcome: 'succeeded', actor: 'user:default/someone-else' });
    });
    const result = await store.verify();
    expect(result.valid).toBe(false);
    expect(result.firstBroken).toMatchObject({
      seq: '12',
      reason: expect.stringContaining('altered'),
    });
    expect(result.checked).toBe(11);
  });

  it('detects a hand-deleted record as a sequence gap, and a removed tail', async () => {
    const store = new AuditStore(db.knex);
    for (let i = 0; i < 10; i++) await store.append(record(i));
    await db.knex.transaction(async tx => {
      await tx.raw('SET LOCAL session_replication_role = replica');
      await tx('platform_audit_log').where({ seq: 4 }).delete();
    });
    expect((await store.verify()).firstBroken).toMatchObject({
      seq: '5',
      reason: expect.stringContaining('gap'),
    });

    const other = await databases.init();
    const s2 = new AuditStore(other);
    for (let i = 0; i < 5; i++) await s2.append(record(i));
    await other.transaction(async tx => {
      await tx.raw('SET LOCAL session_replication_role = replica');
      await tx('platform_audit_log').where({ seq: 5 }).delete();
    });
    expect((await s2.verify()).firstBroken?.reason).toContain('head says 5');
  });

  it('keeps one valid chain with concurrent appenders in several processes', async () => {
    // Two stores with their own pools stand in for two backend replicas.
    const second = knexFactory({
      client: 'pg',
      connection: connectionOf(db.knex),
      pool: { min: 0, max: 4 },
    });
    try {
      const a = new AuditStore(db.knex, { maxBatch: 37 });
      const b = new AuditStore(second, { maxBatch: 53 });
      await Promise.all(
        Array.from({ length: 600 }, (_, i) =>
          (i % 2 ? a : b).append(record(i)),
        ),
      );
      const result = await a.verify();
      expect(result).toMatchObject({
        valid: true,
        checked: 600,
        lastSeq: '600',
      });
    } finally {
      await second.destroy();
    }
  });

  it('purges a prefix, re-anchors the chain and still verifies', async () => {
    let now = new Date('2018-01-01T00:00:00Z');
    const store = new AuditStore(db.knex, { now: () => now });
    for (let i = 0; i < 5; i++) await store.append(record(i));
    now = new Date('2026-01-01T00:00:00Z');
    for (let i = 5; i < 8; i++) await store.append(record(i));

    const purge = await store.purgeBefore(
      new Date('2019-01-01T00:00:00Z'),
      '00000000-0000-4000-8000-000000000001',
    );
    expect(purge).toEqual({ deleted: 5, anchoredAt: '6' });
    const result = await store.verify();
    expect(result).toMatchObject({
      valid: true,
      checked: 3,
      firstSeq: '6',
      anchor: { firstSeq: '6', purgedCount: 5 },
    });
    // The trigger lets the purge through only inside its own transaction.
    await expect(
      db.knex('platform_audit_log').where({ seq: 6 }).delete(),
    ).rejects.toThrow(/append-only/);
    await expect(db.knex('platform_audit_anchors').delete()).rejects.toThrow(
      /append-only/,
    );
    // New appends continue the chain.
    await store.append(record(9));
    expect(await store.verify()).toMatchObject({
      valid: true,
      checked: 4,
      lastSeq: '9',
    });
  });

  it('queries by actor, action, resource, outcome and time, and exports NDJSON', async () => {
    const store = new AuditStore(db.knex);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.append(record(i))),
    );
    const failed = await store.query({ outcome: 'failed' });
    expect(failed.map(r => r.meta.i)).toEqual([0, 10, 20, 30]);
    const byActor = await store.query({
      actor: 'user:default/user-3',
      action: 'exports.export-create',
    });
    expect(
      byActor.every(
        r =>
          r.actor === 'user:default/user-3' &&
          r.action === 'exports.export-create',
      ),
    ).toBe(true);
    expect(byActor.length).toBeGreaterThan(0);
    expect(
      await store.query({
        resource: 'dashboard:4',
        from: new Date(Date.now() + 60_000),
      }),
    ).toEqual([]);

    let text = '';
    for await (const chunk of store.exportNdjson({ resource: 'dashboard:4' }))
      text += chunk;
    const lines = text
      .trim()
      .split('\n')
      .map(l => JSON.parse(l));
    expect(lines).toHaveLength(8);
    expect(
      lines.every(l => l.resource === 'dashboard:4' && l.hash.length === 64),
    ).toBe(true);
  });

  it('rejects records without actor, action or resource, or with an unknown outcome', async () => {
    const store = new AuditStore(db.knex);
    expect(() => store.append({ ...record(1), actor: '' })).toThrow(
      "audit record field 'actor'",
    );
    expect(() =>
      store.append({ ...record(1), outcome: 'maybe' as any }),
    ).toThrow("'outcome' must be one of");
  });
});
