import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { Knex } from 'knex';
import { TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { AuditStore, canonicalAuditRecord } from '../AuditStore';
import { AuditKeyring } from './hmacKeys';
import { FileCheckpointSink } from './FileCheckpointSink';
import { signCheckpoint } from './checkpoints';
import { createAppRole, migratePlatform } from './__testUtils__/appRole';
import { chainHash, GENESIS_HASH } from '../canonical';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

const record = (i: number) => ({
  actor: `user:default/user-${i % 3}`,
  action: 'exports.export-create',
  resource: `dashboard:${i}`,
  outcome: 'succeeded' as const,
  meta: { i },
});

const keyring = (current = 'k1', ids = ['k1']) =>
  new AuditKeyring(
    current,
    Object.fromEntries(ids.map(id => [id, randomBytes(32).toString('hex')])),
  );

/** What an attacker with database access but no key can compute: the plain sha256 chain. */
function forgedRow(
  seq: number,
  prevHash: string,
  keyId: string | null,
  overrides: Partial<ReturnType<typeof record>> = {},
) {
  const row = {
    seq: String(seq),
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    recorded_at: new Date(),
    occurred_at: new Date(),
    ...record(seq),
    ...overrides,
    severity: 'low',
    plugin: 'platform',
  };
  const hash = chainHash(
    prevHash,
    canonicalAuditRecord({ ...row, key_id: keyId }),
  );
  return {
    ...row,
    meta: JSON.stringify(row.meta),
    prev_hash: prevHash,
    hash,
    key_id: keyId,
  };
}

describe('audit chain trust boundary (real Postgres, the app role acting)', () => {
  let admin: Knex;
  let app: Awaited<ReturnType<typeof createAppRole>>;
  let keys: AuditKeyring;

  beforeEach(async () => {
    admin = await databases.init('POSTGRES_18');
    await migratePlatform(admin);
    app = await createAppRole(admin);
    keys = keyring();
  });
  afterEach(async () => {
    await app?.drop();
  });

  it('runs as a role that is neither superuser nor owner', async () => {
    const {
      rows: [me],
    } = await app.knex.raw(
      `SELECT current_user AS name, r.rolsuper AS super,
              pg_get_userbyid(c.relowner) AS owner
       FROM pg_roles r, pg_class c
       WHERE r.rolname = current_user AND c.relname = 'platform_audit_log'`,
    );
    expect(me).toMatchObject({ name: app.role, super: false });
    expect(me.owner).not.toBe(app.role);
  });

  it('appends, verifies and purges as the app role', async () => {
    let now = new Date('2018-01-01T00:00:00Z');
    const store = new AuditStore(app.knex, { keyring: keys, now: () => now });
    for (let i = 0; i < 5; i++) await store.append(record(i));
    now = new Date('2026-01-01T00:00:00Z');
    for (let i = 5; i < 8; i++) await store.append(record(i));
    expect(
      await store.purgeBefore(
        new Date('2019-01-01T00:00:00Z'),
        '00000000-0000-4000-8000-000000000001',
      ),
    ).toEqual({ deleted: 5, anchoredAt: '6' });
    expect(await store.verify()).toMatchObject({
      valid: true,
      checked: 3,
      keyIds: ['k1'],
      anchor: { firstSeq: '6', purgedCount: 5 },
    });
  });

  it('refuses the purge switch: SET platform.audit_purge does nothing, deletes stay refused', async () => {
    const store = new AuditStore(app.knex, { keyring: keys });
    for (let i = 0; i < 3; i++) await store.append(record(i));
    await expect(
      app.knex.transaction(async tx => {
        await tx.raw(`SET LOCAL platform.audit_purge = 'on'`);
        await tx('platform_audit_log').where({ seq: 1 }).delete();
      }),
    ).rejects.toThrow(/permission denied for table platform_audit_log/);

    // Even a careless extra grant of DELETE does not open it: the trigger ignores the switch.
    const careless = await createAppRole(admin, [
      'GRANT DELETE ON platform_audit_log, platform_audit_anchors TO $ROLE',
    ]);
    try {
      await expect(
        careless.knex.transaction(async tx => {
          await tx.raw(`SET LOCAL platform.audit_purge = 'on'`);
          await tx('platform_audit_log').where({ seq: 1 }).delete();
        }),
      ).rejects.toThrow(/append-only: DELETE on platform_audit_log refused/);
    } finally {
      await careless.drop();
    }
    expect(await store.verify()).toMatchObject({ valid: true, checked: 3 });
  });

  it('refuses disabling triggers, replica mode, truncation and deletes', async () => {
    const store = new AuditStore(app.knex, { keyring: keys });
    await store.append(record(1));
    await expect(
      app.knex.raw('ALTER TABLE platform_audit_log DISABLE TRIGGER ALL'),
    ).rejects.toThrow(/must be owner/);
    await expect(
      app.knex.raw('SET session_replication_role = replica'),
    ).rejects.toThrow(/permission denied to set parameter/);
    await expect(app.knex.raw('TRUNCATE platform_audit_log')).rejects.toThrow(
      /permission denied/,
    );
    await expect(app.knex('platform_audit_log').delete()).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      app.knex('platform_audit_log').update({ actor: 'mallory' }),
    ).rejects.toThrow(/permission denied/);
    await expect(
      app.knex.raw('SET ROLE platform_audit_purger'),
    ).rejects.toThrow(/permission denied to set role/);
    await expect(
      app.knex.raw(
        'ALTER FUNCTION platform_audit_purge(bigint, text, timestamptz, uuid, text, text) SECURITY INVOKER',
      ),
    ).rejects.toThrow(/must be owner/);
    await expect(
      app.knex('platform_audit_policy').update({ keyed_from_seq: 1000 }),
    ).rejects.toThrow(/permission denied/);
    expect(await store.verify()).toMatchObject({ valid: true, checked: 1 });
  });

  it('refuses an inserted anchor, and verify names an anchor the purge function was fed a forged MAC for', async () => {
    let now = new Date('2018-01-01T00:00:00Z');
    const store = new AuditStore(app.knex, { keyring: keys, now: () => now });
    for (let i = 0; i < 4; i++) await store.append(record(i));
    now = new Date('2026-01-01T00:00:00Z');
    for (let i = 4; i < 6; i++) await store.append(record(i));
    const head = await store.head();
    await expect(
      app.knex('platform_audit_anchors').insert({
        first_seq: 7,
        prev_hash: head.hash,
        purged_count: 6,
        cutoff: new Date(),
        run_id: '00000000-0000-4000-8000-000000000009',
      }),
    ).rejects.toThrow(/permission denied for table platform_audit_anchors/);

    // The function is callable (retention needs it) but the anchor it writes must carry a MAC
    // only the key holder can compute.
    const [r4] = await store.query({ afterSeq: '3', limit: 1 });
    await expect(
      app.knex.raw('SELECT platform_audit_purge(?, ?, ?, ?, ?, ?)', [
        4,
        r4.hash,
        new Date('2019-01-01T00:00:00Z'),
        '00000000-0000-4000-8000-000000000002',
        null,
        null,
      ]),
    ).rejects.toThrow(/must be signed/);
    await app.knex.raw('SELECT platform_audit_purge(?, ?, ?, ?, ?, ?)', [
      4,
      r4.hash,
      new Date('2019-01-01T00:00:00Z'),
      '00000000-0000-4000-8000-000000000002',
      'k1',
      'f'.repeat(64),
    ]);
    expect((await store.verify()).firstBroken).toMatchObject({
      seq: '5',
      reason: expect.stringContaining('has no valid MAC'),
    });
  });

  it('enforces the retention floor set by the schema owner', async () => {
    const store = new AuditStore(app.knex, { keyring: keys });
    for (let i = 0; i < 3; i++) await store.append(record(i));
    await admin('platform_audit_policy').update({ min_retention_days: 2557 });
    await expect(
      store.purgeBefore(
        new Date(Date.now() + 1000),
        '00000000-0000-4000-8000-000000000003',
      ),
    ).rejects.toThrow(/inside the 2557 day retention floor/);
    expect(await store.verify()).toMatchObject({ valid: true, checked: 3 });
  });

  it('refuses moving the head backwards, onto a missing record or onto another hash', async () => {
    const store = new AuditStore(app.knex, { keyring: keys });
    for (let i = 0; i < 5; i++) await store.append(record(i));
    const head = await store.head();
    await expect(
      app.knex('platform_audit_head').update({ last_seq: 3 }),
    ).rejects.toThrow(/may only move forward/);
    await expect(
      app
        .knex('platform_audit_head')
        .update({ last_seq: 9, last_hash: head.hash }),
    ).rejects.toThrow(/must point at an existing record/);
    await expect(
      app.knex('platform_audit_head').update({ last_hash: 'a'.repeat(64) }),
    ).rejects.toThrow(/may not change without a new record/);
    await expect(app.knex('platform_audit_head').delete()).rejects.toThrow(
      /permission denied/,
    );
    expect(await store.head()).toEqual(head);
  });

  it('detects a chain continued with recomputed plain sha256 hashes (and the head moved onto it)', async () => {
    const store = new AuditStore(app.knex, { keyring: keys });
    for (let i = 0; i < 5; i++) await store.append(record(i));
    const head = await store.head();
    // With the app's credentials: append records chained the old way, then move the head.
    const six = forgedRow(6, head.hash, 'k1', {
      actor: 'user:default/mallory',
    });
    const seven = forgedRow(7, six.hash, null);
    await app.knex('platform_audit_log').insert([six, seven]);
    await app
      .knex('platform_audit_head')
      .update({ last_seq: 7, last_hash: seven.hash, last_key_id: null });
    expect((await store.verify()).firstBroken).toMatchObject({
      seq: '6',
      reason: expect.stringContaining('does not match its HMAC'),
    });

    // The same with key id NULL (posing as a record from before keying).
    const other = await databases.init('POSTGRES_18');
    await migratePlatform(other);
    const app2 = await createAppRole(other);
    try {
      const s2 = new AuditStore(app2.knex, { keyring: keys });
      for (let i = 0; i < 2; i++) await s2.append(record(i));
      const h2 = await s2.head();
      const three = forgedRow(3, h2.hash, null);
      await app2.knex('platform_audit_log').insert(three);
      // Left behind the head, it is named as a record the store never appended...
      expect((await s2.verify()).firstBroken).toMatchObject({
        seq: '3',
        reason: expect.stringContaining('beyond the chain head'),
      });
      // ...and with the head moved onto it, as unsigned.
      await app2.knex('platform_audit_head').update({
        last_seq: 3,
        last_hash: three.hash,
        last_key_id: null,
      });
      expect((await s2.verify()).firstBroken).toMatchObject({
        seq: '3',
        reason: expect.stringContaining('not HMAC-signed'),
      });
    } finally {
      await app2.drop();
    }
  });

  it('detects a rewritten history and a truncated tail (superuser attacker) through the checkpoints', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'audit-cp-'));
    const sink = new FileCheckpointSink(path.join(dir, 'checkpoints.ndjson'));
    const store = new AuditStore(app.knex, { keyring: keys });
    for (let i = 0; i < 5; i++) await store.append(record(i));
    await sink.write(signCheckpoint(keys, await store.head(), new Date()));
    for (let i = 5; i < 10; i++) await store.append(record(i));
    const checkpointAt10 = signCheckpoint(keys, await store.head(), new Date());
    await sink.write(checkpointAt10);
    for (let i = 10; i < 12; i++) await store.append(record(i));
    await sink.write(signCheckpoint(keys, await store.head(), new Date()));
    expect(
      await store.verify({
        checkpoints: { sink: sink.description, ...(await sink.readAll()) },
      }),
    ).toMatchObject({
      valid: true,
      checkpoints: { compared: 3, problems: [] },
    });

    // A superuser (or a restored backup) drops the last four records and rewinds the head.
    await admin.transaction(async tx => {
      await tx.raw('SET LOCAL session_replication_role = replica');
      await tx('platform_audit_log').where('seq', '>', 8).delete();
      const last = await tx('platform_audit_log').where({ seq: 8 }).first();
      await tx('platform_audit_head').update({
        last_seq: 8,
        last_hash: last.hash,
      });
    });
    // Inside the database alone the shortened chain looks whole.
    expect(await store.verify()).toMatchObject({ valid: true, lastSeq: '8' });
    const result = await store.verify({
      checkpoints: { sink: sink.description, ...(await sink.readAll()) },
    });
    expect(result).toMatchObject({ valid: false });
    expect(result.firstBroken).toMatchObject({
      seq: '10',
      reason: expect.stringContaining('the chain ends at seq 8'),
      checkpoint: { seq: '10', at: checkpointAt10.at },
    });

    // A rewrite of the whole chain as unkeyed "legacy" records (policy row moved too) is
    // consistent inside the database, but not with the checkpoint.
    await admin.transaction(async tx => {
      await tx.raw('SET LOCAL session_replication_role = replica');
      await tx('platform_audit_policy').update({ keyed_from_seq: 1000 });
      const rows = await tx('platform_audit_log').orderBy('seq');
      await tx('platform_audit_log').delete();
      let prev = GENESIS_HASH;
      for (const row of rows) {
        const forged = forgedRow(Number(row.seq), prev, null, {
          ...(row.seq === '3' ? { actor: 'user:default/mallory' } : {}),
        });
        await tx('platform_audit_log').insert(forged);
        prev = forged.hash;
      }
      await tx('platform_audit_head').update({
        last_hash: prev,
        last_key_id: null,
      });
    });
    expect(await store.verify()).toMatchObject({ valid: true, checked: 8 });
    const rewritten = await store.verify({
      checkpoints: { sink: sink.description, ...(await sink.readAll()) },
    });
    expect(rewritten.firstBroken).toMatchObject({
      seq: '5',
      reason: expect.stringContaining('chain rewritten after the checkpoint'),
    });
  });

  it('verifies incrementally from the newest checkpoint; a full run covers what came before', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'audit-cp-'));
    const sink = new FileCheckpointSink(path.join(dir, 'checkpoints.ndjson'));
    const store = new AuditStore(app.knex, { keyring: keys });
    const read = async () => ({
      sink: sink.description,
      ...(await sink.readAll()),
    });
    // Without a checkpoint an incremental run is a full one.
    for (let i = 0; i < 10; i++) await store.append(record(i));
    expect(
      await store.verify({ checkpoints: await read(), incremental: true }),
    ).toMatchObject({ valid: true, mode: 'full', checked: 10 });
    await sink.write(signCheckpoint(keys, await store.head(), new Date()));
    for (let i = 10; i < 14; i++) await store.append(record(i));
    expect(
      await store.verify({ checkpoints: await read(), incremental: true }),
    ).toMatchObject({
      valid: true,
      mode: 'incremental',
      fromSeq: '10',
      firstSeq: '10',
      checked: 5,
      checkpoints: { compared: 1 },
    });

    // A record before the checkpoint rewritten (superuser): only the full run sees it.
    await admin.transaction(async tx => {
      await tx.raw('SET LOCAL session_replication_role = replica');
      await tx('platform_audit_log')
        .where({ seq: 4 })
        .update({ actor: 'user:default/mallory' });
    });
    expect(
      await store.verify({ checkpoints: await read(), incremental: true }),
    ).toMatchObject({ valid: true, mode: 'incremental' });
    expect(
      (await store.verify({ checkpoints: await read() })).firstBroken,
    ).toMatchObject({ seq: '4', reason: expect.stringContaining('HMAC') });

    // The checkpointed record itself rewritten: the incremental run starts there and sees it.
    await admin.transaction(async tx => {
      await tx.raw('SET LOCAL session_replication_role = replica');
      await tx('platform_audit_log')
        .where({ seq: 10 })
        .update({ actor: 'user:default/mallory' });
    });
    expect(
      (await store.verify({ checkpoints: await read(), incremental: true }))
        .firstBroken,
    ).toMatchObject({ seq: '10', reason: expect.stringContaining('HMAC') });
  });

  it('lists forged or malformed checkpoints as problems and does not trust them', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'audit-cp-'));
    const file = path.join(dir, 'checkpoints.ndjson');
    const sink = new FileCheckpointSink(file);
    const store = new AuditStore(app.knex, { keyring: keys });
    for (let i = 0; i < 3; i++) await store.append(record(i));
    const good = signCheckpoint(keys, await store.head(), new Date());
    await sink.write(good);
    await sink.write({ ...good, seq: '99' });
    await fs.appendFile(file, 'not json\n');
    const read = await sink.readAll();
    expect(read.checkpoints).toHaveLength(2);
    const result = await store.verify({
      checkpoints: { sink: sink.description, ...read },
    });
    expect(result).toMatchObject({ valid: true, checkpoints: { compared: 1 } });
    expect(result.checkpoints?.problems).toEqual([
      expect.stringContaining('line 3 is not a checkpoint'),
      expect.stringContaining('seq 99) has an invalid MAC'),
    ]);
  });
});

describe('audit chain keys', () => {
  it('rotates keys with a chain record and upgrades a chain from before keying', async () => {
    const admin = await databases.init('POSTGRES_18');
    // Migrate only up to the schema before keying, write plain sha256 records.
    const dir = resolvePackagePath(
      '@internal/plugin-platform-backend',
      'migrations',
    );
    await admin.migrate.up({ directory: dir });
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const { key_id: _unkeyed, ...row } = forgedRow(seq, prev, null);
      await admin('platform_audit_log').insert(row);
      prev = row.hash;
    }
    await admin('platform_audit_head').update({ last_seq: 3, last_hash: prev });
    await migratePlatform(admin);
    expect(await admin('platform_audit_policy').first()).toMatchObject({
      keyed_from_seq: '4',
    });

    const secrets = {
      k1: randomBytes(32).toString('hex'),
      k2: randomBytes(32).toString('hex'),
    };
    const s1 = new AuditStore(admin, {
      keyring: new AuditKeyring('k1', { k1: secrets.k1 }),
    });
    await s1.append(record(4));
    const s2 = new AuditStore(admin, {
      keyring: new AuditKeyring('k2', secrets),
    });
    const [receipt] = await s2.appendMany([record(5)]);
    expect(receipt.seq).toBe('7');
    const rotations = await s2.query({ action: 'platform.audit-key-rotated' });
    expect(rotations.map(r => [r.seq, r.key_id, r.meta])).toEqual([
      ['4', 'k1', { fromKeyId: null, toKeyId: 'k1' }],
      ['6', 'k2', { fromKeyId: 'k1', toKeyId: 'k2' }],
    ]);
    expect(await s2.verify()).toMatchObject({
      valid: true,
      checked: 7,
      keyIds: ['k1', 'k2'],
    });
    // Without the retired key, its records cannot be verified: said, not passed.
    const onlyNew = new AuditStore(admin, {
      keyring: new AuditKeyring('k2', { k2: secrets.k2 }),
    });
    expect((await onlyNew.verify()).firstBroken).toMatchObject({
      seq: '4',
      reason: expect.stringContaining("signed with key 'k1'"),
    });
    // A plain sha256 record slipped in after keying (a superuser bypassing the triggers).
    await admin.transaction(async tx => {
      await tx.raw('SET LOCAL session_replication_role = replica');
      await tx('platform_audit_log').insert(
        forgedRow(8, (await s2.head()).hash, null),
      );
    });
    expect((await s2.verify()).firstBroken).toMatchObject({
      seq: '8',
      reason: expect.stringContaining('beyond the chain head'),
    });
  });

  it('stays valid while appends run during verify', async () => {
    const admin = await databases.init('POSTGRES_18');
    await migratePlatform(admin);
    const store = new AuditStore(admin, { maxBatch: 50 });
    const appends = Promise.all(
      Array.from({ length: 1500 }, (_, i) => store.append(record(i))),
    );
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await store.verify());
    await appends;
    results.push(await store.verify());
    expect(results.map(r => r.valid)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(results[results.length - 1].checked).toBe(1500);
  });

  it('migrates down and up again', async () => {
    const admin = await databases.init('POSTGRES_18');
    await migratePlatform(admin);
    const directory = resolvePackagePath(
      '@internal/plugin-platform-backend',
      'migrations',
    );
    await admin.migrate.down({
      directory,
      name: '20261201000000_audit_trust_boundary.js',
    });
    expect(await admin.schema.hasTable('platform_audit_policy')).toBe(false);
    expect(await admin.schema.hasColumn('platform_audit_log', 'key_id')).toBe(
      false,
    );
    await admin.migrate.latest({ directory });
    expect(await admin.schema.hasColumn('platform_audit_log', 'key_id')).toBe(
      true,
    );
  });

  it('reads keys from config and refuses to run unkeyed in production', () => {
    const secret = 'x'.repeat(32);
    const { keyring: fromConfig, insecure } = AuditKeyring.fromConfig(
      new ConfigReader({
        platform: {
          audit: {
            hmacKeys: [
              { id: 'a', secret },
              { id: 'b', secret },
            ],
          },
        },
      }),
    );
    expect([fromConfig.currentKeyId, fromConfig.keyIds(), insecure]).toEqual([
      'b',
      ['a', 'b'],
      false,
    ]);
    expect(() =>
      AuditKeyring.fromConfig(new ConfigReader({}), { NODE_ENV: 'production' }),
    ).toThrow('platform.audit.hmacKeys is required in production');
    expect(AuditKeyring.fromConfig(new ConfigReader({}), {}).insecure).toBe(
      true,
    );
    expect(() =>
      AuditKeyring.fromConfig(
        new ConfigReader({
          platform: { audit: { hmacKeys: [{ id: 'a', secret: 'short' }] } },
        }),
      ),
    ).toThrow(
      'platform.audit.hmacKeys[0].secret must be at least 32 characters',
    );
    expect(() =>
      AuditKeyring.fromConfig(
        new ConfigReader({
          platform: {
            audit: { hmacKeys: [{ id: 'a', secret }], currentHmacKeyId: 'zz' },
          },
        }),
      ),
    ).toThrow("'zz' is not one of platform.audit.hmacKeys");
  });
});
