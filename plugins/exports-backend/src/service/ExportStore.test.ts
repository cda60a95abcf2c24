import { randomUUID } from 'node:crypto';
import { TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { newExportJob } from '../__testUtils__/newExportJob';
import {
  CLAIM_LOCK_KEY,
  DbExportJobRow,
  ExportStore,
  retryDelayMs,
} from './ExportStore';

jest.setTimeout(120_000);

const migrations = { directory: `${__dirname}/../../migrations` };

const claimOpts = (leaseMs = 30_000, perTenantLimit = 2) => ({
  workerId: 'w',
  leaseMs,
  perTenantLimit,
});

async function waitForCount(count: () => number, atLeast: number) {
  const deadline = Date.now() + 5000;
  while (count() < atLeast) {
    if (Date.now() > deadline) throw new Error(`only ${count()} of ${atLeast}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

describe('ExportStore queue (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;
  let store: ExportStore;

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest(migrations);
    store = new ExportStore(knex);
  });
  beforeEach(async () => {
    await knex('export_jobs').delete();
  });

  it('migrates down and up again', async () => {
    await knex.migrate.rollback(migrations, true);
    expect(await knex.schema.hasTable('export_jobs')).toBe(false);
    await knex.migrate.latest(migrations);
    expect(await knex.schema.hasTable('export_jobs')).toBe(true);
  });

  it('drops the unused export_jobs_claim_accounts; down re-creates it', async () => {
    const exists = async () =>
      (
        await knex.raw(
          `SELECT 1 FROM pg_proc WHERE proname = 'export_jobs_claim_accounts'`,
        )
      ).rows.length > 0;
    const claimDefinition = async () =>
      (
        await knex.raw(
          `SELECT pg_get_functiondef('export_jobs_claim(text, double precision, integer, integer, integer, boolean)'::regprocedure) AS d`,
        )
      ).rows[0].d;
    const walk = await claimDefinition();
    expect(await exists()).toBe(false);
    await knex.migrate.down({
      ...migrations,
      name: '20261202070000_export_jobs_drop_claim_accounts.js',
    });
    expect(await exists()).toBe(true);
    expect(await claimDefinition()).toBe(walk); // the claim in use is kept
    await knex.migrate.latest(migrations);
    expect(await exists()).toBe(false);
  });

  it('claims enterprise jobs first, then oldest first', async () => {
    const a = await store.create(newExportJob());
    const b = await store.create(newExportJob({ plan: 'enterprise' }));
    const c = await store.create(newExportJob());
    const order = [];
    for (let i = 0; i < 3; i++)
      order.push((await store.claim(claimOpts()))!.id);
    expect(order).toEqual([b.row.id, a.row.id, c.row.id]);
    expect(await store.claim(claimOpts())).toBeUndefined();
  });

  it('keeps at most perTenantLimit jobs of one account running', async () => {
    const account = randomUUID();
    for (let i = 0; i < 3; i++)
      await store.create(newExportJob({ accountId: account }));
    const other = await store.create(newExportJob());
    const first = await store.claim(claimOpts(30_000, 2));
    const second = await store.claim(claimOpts(30_000, 2));
    const third = await store.claim(claimOpts(30_000, 2));
    expect([first!.account_id, second!.account_id]).toEqual([account, account]);
    expect(third!.id).toBe(other.row.id);
    expect(await store.claim(claimOpts(30_000, 2))).toBeUndefined();
    await store.complete(
      first!.id,
      first!.lease_token!,
      { rowsWritten: 1, bytesWritten: 1, storageKey: 'k' },
      1000,
      async () => {},
    );
    expect((await store.claim(claimOpts(30_000, 2)))!.account_id).toBe(account);
  });

  it('claims a batch in priority order, per account only up to its free slots', async () => {
    const busy = randomUUID();
    for (let i = 0; i < 4; i++)
      await store.create(newExportJob({ accountId: busy }));
    const enterprise = await store.create(newExportJob({ plan: 'enterprise' }));
    const other = await store.create(newExportJob());
    const batch = await store.claimBatch({
      ...claimOpts(30_000, 2),
      count: 10,
    });
    expect(batch.map(j => j.account_id)).toEqual([
      enterprise.row.account_id,
      busy,
      busy,
      other.row.account_id,
    ]);
    expect(new Set(batch.map(j => j.lease_token)).size).toBe(4);
    expect(await store.claimBatch({ ...claimOpts(), count: 10 })).toEqual([]);
  });

  it('finds a claimable job behind many jobs of accounts at their limit', async () => {
    const full = randomUUID();
    for (let i = 0; i < 2; i++)
      await store.create(newExportJob({ accountId: full }));
    await store.claimBatch({ ...claimOpts(30_000, 2), count: 2 });
    await knex('export_jobs').insert(
      Array.from({ length: 300 }, () => ({
        id: randomUUID(),
        dataset: 'events',
        account_id: full,
        region: 'us',
        plan: 'mid_market',
        format: 'csv',
        delivery: JSON.stringify({ type: 'download' }),
        readable_data_classes: JSON.stringify(['public']),
        requested_by: 'user:default/a',
      })),
    );
    const behind = await store.create(newExportJob());
    const [claimed, ...rest] = await store.claimBatch({
      ...claimOpts(30_000, 2),
      count: 4,
    });
    expect(claimed.id).toBe(behind.row.id);
    expect(rest).toEqual([]);
  });

  it("takes jobs in priority order across accounts, not an account's later jobs first", async () => {
    const a = randomUUID();
    const b = randomUUID();
    const a1 = await store.create(newExportJob({ accountId: a }));
    const b1 = await store.create(newExportJob({ accountId: b }));
    await store.create(newExportJob({ accountId: a }));
    const batch = await store.claimBatch({ ...claimOpts(30_000, 2), count: 2 });
    // which two, not their order in the batch: jobs created within the same millisecond sort
    // by id there (JavaScript dates keep milliseconds, the queue microseconds)
    expect(batch.map(j => j.id).sort()).toEqual([a1.row.id, b1.row.id].sort());
  });

  it('a claim waits for the lock of an account another claim holds, then claims within the limit', async () => {
    const account = randomUUID();
    const jobs: DbExportJobRow[] = [];
    for (let i = 0; i < 3; i++)
      jobs.push((await store.create(newExportJob({ accountId: account }))).row);
    const other = knexFactory({
      client: 'pg',
      connection: knex.client.config.connection,
      pool: { min: 1, max: 1 },
    });
    try {
      let release!: () => void;
      const held = new Promise<void>(r => {
        release = r;
      });
      let locked!: () => void;
      const lockTaken = new Promise<void>(r => {
        locked = r;
      });
      // Another replica's claim: holds the account's lock and has claimed one job.
      const otherClaim = other.transaction(async tx => {
        await tx.raw('SELECT pg_advisory_xact_lock(?, hashtext(?::text))', [
          CLAIM_LOCK_KEY,
          account,
        ]);
        await tx('export_jobs')
          .where({ id: jobs[0].id })
          .update({ status: 'running', lease_token: randomUUID() });
        locked();
        await held;
      });
      await lockTaken;
      let done = false;
      const waiting = store
        .claimBatch({ ...claimOpts(30_000, 2), count: 3 })
        .finally(() => {
          done = true;
        });
      await new Promise(r => setTimeout(r, 300));
      expect(done).toBe(false); // the try found the account locked; the second call waits
      release();
      await otherClaim;
      const claimed = await waiting;
      expect(claimed).toHaveLength(1); // the committed claim counts: 1 running + 1 = limit 2
      const running = await knex('export_jobs').where({
        account_id: account,
        status: 'running',
      });
      expect(running).toHaveLength(2);
    } finally {
      await other.destroy();
    }
  });

  it('per-tenant limit 2 holds with 3 pools claiming batches at the same moment (40 rounds)', async () => {
    const conn = knex.client.config.connection;
    const pools = Array.from({ length: 3 }, () =>
      knexFactory({ client: 'pg', connection: conn, pool: { min: 1, max: 2 } }),
    );
    try {
      const stores = pools.map(p => new ExportStore(p));
      const account = randomUUID();
      for (let round = 0; round < 40; round++) {
        await knex('export_jobs').delete();
        for (let i = 0; i < 6; i++)
          await store.create(newExportJob({ accountId: account }));
        const claimed = await Promise.all(
          stores.map(s => s.claimBatch({ ...claimOpts(30_000, 2), count: 3 })),
        );
        const running = await knex('export_jobs')
          .where({ account_id: account, status: 'running' })
          .count({ n: '*' });
        expect(Number(running[0].n)).toBe(claimed.flat().length);
        expect(claimed.flat().length).toBeLessThanOrEqual(2);
      }
    } finally {
      await Promise.all(pools.map(p => p.destroy()));
    }
  });

  it('queuing a job notifies export_jobs_queued in its transaction (created, and put back after a failed attempt)', async () => {
    const listener = await (knex.client as any).acquireRawConnection();
    const heard: string[] = [];
    listener.on('notification', (m: { channel: string }) =>
      heard.push(m.channel),
    );
    try {
      await listener.query('LISTEN export_jobs_queued');
      const { row } = await store.create(newExportJob());
      await waitForCount(() => heard.length, 1);
      const claimed = (await store.claim(claimOpts()))!;
      expect(claimed.id).toBe(row.id);
      await store.fail(row.id, claimed.lease_token!, {
        type: 'query_failed',
        message: 'x',
        retryable: true,
      });
      await waitForCount(() => heard.length, 2);
      await knex.transaction(async tx => {
        await new ExportStore(tx).create(newExportJob());
        await new Promise(r => setTimeout(r, 200));
        expect(heard).toHaveLength(2); // not before the commit
      });
      await waitForCount(() => heard.length, 3);
      expect(heard.every(c => c === 'export_jobs_queued')).toBe(true);
    } finally {
      await (knex.client as any).destroyRawConnection(listener);
    }
  });

  it("re-claims a job whose worker stopped heartbeating; the dead worker's token completes nothing", async () => {
    const { row } = await store.create(newExportJob());
    const dead = (await store.claim(claimOpts(200)))!;
    expect(await store.heartbeat(row.id, dead.lease_token!, 200)).toBe(true);
    await new Promise(r => setTimeout(r, 400));
    expect(await store.claim(claimOpts(30_000))).toBeUndefined(); // until the lease check runs
    expect(await store.requeueExpiredLeases()).toBe(1);
    const again = (await store.claim(claimOpts(30_000)))!;
    expect(again.id).toBe(row.id);
    expect(again.attempts).toBe(2);
    expect(again.lease_token).not.toBe(dead.lease_token);
    expect(await store.heartbeat(row.id, dead.lease_token!, 200)).toBe(false);
    const commits: string[] = [];
    const result = { rowsWritten: 5, bytesWritten: 50, storageKey: 'us/x.csv' };
    expect(
      await store.complete(
        row.id,
        dead.lease_token!,
        result,
        1000,
        async () => {
          commits.push('dead');
        },
      ),
    ).toBe(false);
    expect(
      await store.complete(
        row.id,
        again.lease_token!,
        result,
        1000,
        async () => {
          commits.push('live');
        },
      ),
    ).toBe(true);
    expect(
      await store.complete(
        row.id,
        again.lease_token!,
        result,
        1000,
        async () => {
          commits.push('twice');
        },
      ),
    ).toBe(false);
    expect(commits).toEqual(['live']);
    const final = (await store.get(row.id))!;
    expect(final.status).toBe('succeeded');
    expect(final.completions).toBe(1);
  });

  it('a failing file commit leaves the job running (not succeeded)', async () => {
    const { row } = await store.create(newExportJob());
    const claimed = (await store.claim(claimOpts()))!;
    await expect(
      store.complete(
        row.id,
        claimed.lease_token!,
        { rowsWritten: 1, bytesWritten: 1, storageKey: 'k' },
        1000,
        async () => {
          throw new Error('disk full');
        },
      ),
    ).rejects.toThrow('disk full');
    expect((await store.get(row.id))!.status).toBe('running');
  });

  it('completes the jobs finishing together in one transaction: renames under the row lock, each job its own outcome', async () => {
    const jobs = [];
    for (let i = 0; i < 4; i++)
      jobs.push((await store.create(newExportJob())).row);
    const hooked = (
      await store.create(
        newExportJob({
          delivery: { type: 'webhook', url: 'http://hooks.example/x' },
        }),
      )
    ).row;
    const claimed = await store.claimBatch({ ...claimOpts(), count: 5 });
    expect(claimed).toHaveLength(5);
    const byId = new Map(claimed.map(c => [c.id, c]));
    const [ok, lost, brokenDisk, ok2] = jobs.map(j => byId.get(j.id)!);
    await knex('export_jobs')
      .where({ id: lost.id })
      .update({ lease_token: randomUUID() }); // re-claimed by someone else
    const renamed: string[] = [];
    const statusDuringRename = new Map<string, string>();
    const completeJob = (job: typeof ok, commitFile?: () => Promise<void>) =>
      store.complete(
        job.id,
        job.lease_token!,
        { rowsWritten: 3, bytesWritten: 30, storageKey: `us/${job.id}.csv` },
        60_000,
        commitFile ??
          (async () => {
            // Another connection still sees the job running while its file is renamed.
            statusDuringRename.set(
              job.id,
              (await knex('export_jobs').where({ id: job.id }).first()).status,
            );
            renamed.push(job.id);
          }),
      );
    const outcomes = await Promise.allSettled([
      completeJob(ok),
      completeJob(lost),
      completeJob(brokenDisk, async () => {
        throw new Error('disk full');
      }),
      completeJob(ok2),
      completeJob(byId.get(hooked.id)!),
    ]);

    expect(
      outcomes.map(o => (o.status === 'fulfilled' ? o.value : 'rejected')),
    ).toEqual([true, false, 'rejected', true, true]);
    expect(renamed.sort()).toEqual([ok.id, ok2.id, hooked.id].sort());
    expect([...statusDuringRename.values()]).toEqual([
      'running',
      'running',
      'running',
    ]);
    const rows = new Map(
      (await knex('export_jobs').select()).map(r => [r.id, r]),
    );
    for (const id of [ok.id, ok2.id, hooked.id]) {
      expect(rows.get(id)).toMatchObject({
        status: 'succeeded',
        completions: 1,
        storage_key: `us/${id}.csv`,
        lease_token: null,
      });
      expect(Number(rows.get(id).rows_written)).toBe(3);
    }
    expect(rows.get(lost.id).status).toBe('running');
    expect(rows.get(brokenDisk.id)).toMatchObject({
      status: 'running',
      lease_token: brokenDisk.lease_token,
    });
    const outbox = await knex('export_webhook_outbox').where({
      job_id: hooked.id,
    });
    expect(outbox).toHaveLength(1);
    expect(outbox[0].url).toBe('http://hooks.example/x');
  });

  it.each([
    ['its file renamed under the row lock', { commitFile: async () => {} }],
    ['its file already under its attempt key: one statement', {}],
  ])(
    "a completion can claim the worker's next job in its transaction, within the per-tenant limit; a failed claim loses no completion (%s)",
    async (_path, mode) => {
      const account = randomUUID();
      for (let i = 0; i < 3; i++)
        await store.create(newExportJob({ accountId: account }));
      const [a, b] = await store.claimBatch({
        ...claimOpts(30_000, 2),
        count: 3,
      });
      expect(b).toBeDefined();
      expect(await store.claim(claimOpts(30_000, 2))).toBeUndefined(); // account full
      const completion = (job: typeof a) => ({
        id: job.id,
        leaseToken: job.lease_token!,
        result: {
          rowsWritten: 1,
          bytesWritten: 1,
          storageKey: `us/${job.id}.csv`,
        },
        retentionMs: 60_000,
        ...mode,
      });

      const first = await store.completeAndClaim(
        completion(a),
        claimOpts(30_000, 2),
      );
      expect(first.completed).toBe(true);
      // a's slot of the account was freed in the same transaction: the third job is claimable.
      expect(first.next).toMatchObject({
        account_id: account,
        status: 'running',
      });
      expect((await store.get(a.id))!.status).toBe('succeeded');
      expect(
        await knex('export_jobs').where({
          account_id: account,
          status: 'running',
        }),
      ).toHaveLength(2);

      const waiting = await store.create(newExportJob());
      const lost = await store.completeAndClaim(
        { ...completion(b), leaseToken: randomUUID() },
        claimOpts(30_000, 2),
      );
      expect(lost).toEqual({ completed: false });
      // No next job was claimed for a completion that did not complete.
      expect((await store.get(waiting.row.id))!.status).toBe('queued');

      const badClaim = await store.completeAndClaim(completion(b), {
        ...claimOpts(30_000, 2),
        perTenantLimit: 1e12, // not an integer for the claim function: the claim fails
      });
      expect(badClaim).toEqual({ completed: true });
      expect((await store.get(b.id))!.status).toBe('succeeded');
    },
  );

  it('a webhook job completed without the flag is refused by the one statement and completed with its outbox row', async () => {
    const { row } = await store.create(
      newExportJob({
        delivery: { type: 'webhook', url: 'http://hooks.example/y' },
      }),
    );
    const claimed = (await store.claim(claimOpts()))!;
    const outcome = await store.completeAndClaim(
      {
        id: row.id,
        leaseToken: claimed.lease_token!,
        result: {
          rowsWritten: 1,
          bytesWritten: 1,
          storageKey: `us/${row.id}.${claimed.lease_token}.csv`,
        },
        retentionMs: 60_000,
      },
      claimOpts(),
    );
    expect(outcome).toEqual({ completed: true });
    expect((await store.get(row.id))!).toMatchObject({
      status: 'succeeded',
      completions: 1,
    });
    expect(
      await knex('export_webhook_outbox').where({ job_id: row.id }),
    ).toHaveLength(1);
  });

  it('completions in one statement: each job its own outcome, next jobs only for completed ones that asked', async () => {
    const accounts = [randomUUID(), randomUUID(), randomUUID()];
    for (const accountId of accounts)
      await store.create(newExportJob({ accountId }));
    const [x, y, z] = await store.claimBatch({ ...claimOpts(), count: 3 });
    for (let i = 0; i < 2; i++) await store.create(newExportJob());
    const done = (job: DbExportJobRow, token = job.lease_token!) => ({
      id: job.id,
      leaseToken: token,
      result: {
        rowsWritten: 2,
        bytesWritten: 20,
        storageKey: `us/${job.id}.${job.lease_token}.csv`,
      },
      retentionMs: 60_000,
    });
    const [ok, lost, quiet] = await Promise.all([
      store.completeAndClaim(done(x), claimOpts()),
      store.completeAndClaim(done(y, randomUUID()), claimOpts()),
      store.completeAndClaim(done(z)),
    ]);
    expect(ok.completed).toBe(true);
    expect(ok.next).toMatchObject({ status: 'running', lease_owner: 'w' });
    expect(lost).toEqual({ completed: false });
    expect(quiet).toEqual({ completed: true });
    expect((await store.get(x.id))!).toMatchObject({
      status: 'succeeded',
      storage_key: `us/${x.id}.${x.lease_token}.csv`,
      lease_token: null,
    });
    expect((await store.get(y.id))!.status).toBe('running');
    // One next job claimed (for x), the other still queued.
    expect(await knex('export_jobs').where({ status: 'queued' })).toHaveLength(
      1,
    );
  });

  it('retries with backoff up to max attempts, then fails; non-retryable fails at once', async () => {
    const { row } = await store.create(newExportJob({ maxAttempts: 2 }));
    const first = (await store.claim(claimOpts()))!;
    expect(
      await store.fail(row.id, first.lease_token!, {
        type: 'query_failed',
        message: 'x',
        retryable: true,
      }),
    ).toBe('queued');
    const queued = (await store.get(row.id))!;
    expect(queued.run_after.getTime()).toBeGreaterThan(
      Date.now() + retryDelayMs(1) - 1500,
    );
    expect(await store.claim(claimOpts())).toBeUndefined(); // backing off
    await knex('export_jobs').update({ run_after: new Date(Date.now() - 1) });
    const second = (await store.claim(claimOpts()))!;
    expect(
      await store.fail(row.id, second.lease_token!, {
        type: 'query_failed',
        message: 'y',
        retryable: true,
      }),
    ).toBe('failed');
    const failed = (await store.get(row.id))!;
    expect(failed).toMatchObject({
      status: 'failed',
      error_type: 'query_failed',
      attempts: 2,
    });

    const other = await store.create(newExportJob());
    const c = (await store.claim(claimOpts()))!;
    expect(
      await store.fail(other.row.id, c.lease_token!, {
        type: 'permission_revoked',
        message: 'gone',
        retryable: false,
      }),
    ).toBe('failed');
  });

  it('cancel takes the lease away from a running worker', async () => {
    const { row } = await store.create(newExportJob());
    const claimed = (await store.claim(claimOpts()))!;
    expect((await store.cancel(row.id))!.status).toBe('cancelled');
    expect(await store.heartbeat(row.id, claimed.lease_token!, 1000)).toBe(
      false,
    );
    expect(
      await store.complete(
        row.id,
        claimed.lease_token!,
        { rowsWritten: 1, bytesWritten: 1, storageKey: 'k' },
        1000,
        async () => {},
      ),
    ).toBe(false);
    expect(await store.cancel(row.id)).toBeUndefined();
    expect((await store.retry(row.id))!.status).toBe('queued');
  });

  it('jobs get the configured attempts unless the request sets its own', async () => {
    const configured = new ExportStore(knex, { jobAttempts: 5 });
    expect((await configured.create(newExportJob())).row.max_attempts).toBe(5);
    expect(
      (await configured.create(newExportJob({ maxAttempts: 2 }))).row
        .max_attempts,
    ).toBe(2);
    expect((await store.create(newExportJob())).row.max_attempts).toBe(3);
  });

  it('the same idempotency key from the same caller gives the same job', async () => {
    const a = await store.create(newExportJob({ idempotencyKey: 'k' }));
    const b = await store.create(newExportJob({ idempotencyKey: 'k' }));
    const c = await store.create(
      newExportJob({ idempotencyKey: 'k', requestedBy: 'user:default/b' }),
    );
    expect(b).toEqual({ row: a.row, created: false });
    expect(c.created).toBe(true);
    const d = await store.create(newExportJob());
    const e = await store.create(newExportJob());
    expect(d.row.id).not.toBe(e.row.id);
  });

  it('four claimers on separate pools complete 200 jobs exactly once each', async () => {
    const accounts = Array.from({ length: 20 }, () => randomUUID());
    for (let i = 0; i < 200; i++) {
      await store.create(newExportJob({ accountId: accounts[i % 20] }));
    }
    const conn = knex.client.config.connection;
    const pools = Array.from({ length: 4 }, () =>
      knexFactory({ client: 'pg', connection: conn, pool: { min: 1, max: 3 } }),
    );
    try {
      const claimedBy = new Map<string, number>();
      await Promise.all(
        pools.map(async (pool, w) => {
          const s = new ExportStore(pool);
          for (;;) {
            const claimed = await s.claim({
              workerId: `w${w}`,
              leaseMs: 30_000,
              perTenantLimit: 2,
            });
            if (!claimed) {
              const left = await s.queueStats();
              if (left.queued === 0) return;
              continue;
            }
            claimedBy.set(claimed.id, (claimedBy.get(claimed.id) ?? 0) + 1);
            await s.complete(
              claimed.id,
              claimed.lease_token!,
              { rowsWritten: 1, bytesWritten: 1, storageKey: 'k' },
              1000,
              async () => {},
            );
          }
        }),
      );
      expect(claimedBy.size).toBe(200);
      expect([...claimedBy.values()].every(n => n === 1)).toBe(true);
      const rows = await knex('export_jobs').select('status', 'completions');
      expect(
        rows.every(r => r.status === 'succeeded' && r.completions === 1),
      ).toBe(true);
    } finally {
      await Promise.all(pools.map(p => p.destroy()));
    }
  });

  it('completeAndClaim as production calls it (no commitFile): 4 pools x 3 slots, 400 jobs of 8 accounts, per-tenant limit 2 holds and each job completes once', async () => {
    const accounts = Array.from({ length: 8 }, () => randomUUID());
    for (let i = 0; i < 400; i++) {
      await store.create(
        newExportJob({
          accountId: accounts[i % 8],
          plan: i % 3 === 0 ? 'enterprise' : 'mid_market',
        }),
      );
    }
    const conn = knex.client.config.connection;
    const pools = Array.from({ length: 4 }, () =>
      knexFactory({ client: 'pg', connection: conn, pool: { min: 2, max: 4 } }),
    );
    let maxRunning = 0;
    let stop = false;
    const monitor = (async () => {
      while (!stop) {
        const r = await knex.raw(
          `SELECT coalesce(max(n), 0) AS m FROM (SELECT count(*) AS n FROM export_jobs
            WHERE status = 'running' GROUP BY account_id) per_account`,
        );
        maxRunning = Math.max(maxRunning, Number(r.rows[0].m));
      }
    })();
    const claims = new Map<string, number>();
    const claimed = (job: DbExportJobRow | undefined) => {
      if (job) claims.set(job.id, (claims.get(job.id) ?? 0) + 1);
      return job;
    };
    try {
      await Promise.all(
        pools.flatMap((pool, w) => {
          const s = new ExportStore(pool);
          const options = { ...claimOpts(30_000, 2), workerId: `w${w}` };
          return [0, 1, 2].map(async () => {
            let job: DbExportJobRow | undefined;
            for (;;) {
              // The dispatcher's claim: try-locks, then waiting for the locks when that found none.
              job ??= claimed(
                (await s.claimBatch({ ...options, count: 1 }))[0],
              );
              if (!job) {
                if ((await s.queueStats()).queued === 0) return;
                await new Promise(r => setTimeout(r, 2));
                continue;
              }
              const { completed, next } = await s.completeAndClaim(
                {
                  id: job.id,
                  leaseToken: job.lease_token!,
                  result: { rowsWritten: 1, bytesWritten: 1, storageKey: 'k' },
                  retentionMs: 1000,
                },
                options,
              );
              expect(completed).toBe(true);
              job = claimed(next);
            }
          });
        }),
      );
    } finally {
      stop = true;
      await monitor;
      await Promise.all(pools.map(p => p.destroy()));
    }
    expect(maxRunning).toBeGreaterThan(0);
    expect(maxRunning).toBeLessThanOrEqual(2);
    const rows = await knex('export_jobs').select('status', 'completions');
    expect(rows).toHaveLength(400);
    expect(
      rows.every(r => r.status === 'succeeded' && r.completions === 1),
    ).toBe(true);
    expect(claims.size).toBe(400);
    expect([...claims.values()].every(n => n === 1)).toBe(true);
  });
});

describe('ExportStore group commit connection handling', () => {
  it('destroys a connection whose ROLLBACK failed instead of returning it to the pool', async () => {
    const conn = {
      query: jest.fn(async () => {
        throw new Error('connection reset');
      }),
      escapeLiteral: (v: string) => `'${v.replace(/'/g, "''")}'`,
      end: jest.fn(async () => {}),
      __knex__disposed: undefined as unknown,
    };
    const released: unknown[] = [];
    const db = {
      client: {
        acquireConnection: async () => conn,
        releaseConnection: async (c: unknown) => {
          released.push(c);
        },
      },
    } as unknown as Knex;
    const store = new ExportStore(db);
    await expect(
      store.complete(
        randomUUID(),
        randomUUID(),
        { rowsWritten: 1, bytesWritten: 1, storageKey: 'k' },
        1000,
        async () => {},
      ),
    ).rejects.toThrow('connection reset');
    expect(conn.query).toHaveBeenLastCalledWith('ROLLBACK');
    expect(conn.end).toHaveBeenCalledTimes(1);
    expect(conn.__knex__disposed).toBeInstanceOf(Error);
    expect(released).toEqual([conn]); // tarn frees the slot; validate() refuses it
  });
});
