import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { TestDatabases } from '@backstage/backend-test-utils';
import { AuditStore } from '../AuditStore';
import { AuditKeyring } from './hmacKeys';
import { AuditVerifyJob } from './AuditVerifyJob';
import { AuditCheckpointer } from './AuditCheckpointer';
import { FileCheckpointSink } from './FileCheckpointSink';
import { createAppRole, migratePlatform } from './__testUtils__/appRole';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

const record = (i: number) => ({
  actor: 'user:default/someone',
  action: 'exports.export-create',
  resource: `dashboard:${i}`,
  outcome: 'succeeded' as const,
});

describe('AuditVerifyJob and AuditCheckpointer (real Postgres, app role)', () => {
  it('keeps the last result, runs pending requests, and reports a truncated tail against checkpoints', async () => {
    const admin = await databases.init('POSTGRES_18');
    await migratePlatform(admin);
    const app = await createAppRole(admin);
    try {
      const keyring = new AuditKeyring('k1', {
        k1: randomBytes(32).toString('hex'),
      });
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'audit-job-'));
      const sink = new FileCheckpointSink(path.join(dir, 'cp.ndjson'));
      const audit = new AuditStore(app.knex, { keyring });
      const checkpointer = new AuditCheckpointer(audit, sink);
      const job = new AuditVerifyJob({ knex: app.knex, audit, sink });

      expect(await job.status()).toEqual({ last: null, pending: [] });
      expect(await checkpointer.checkpoint()).toEqual({
        written: false,
        seq: '0',
      });
      for (let i = 0; i < 6; i++) await audit.append(record(i));
      expect(await checkpointer.checkpoint()).toEqual({
        written: true,
        seq: '6',
      });
      // Unchanged head: nothing new to copy.
      expect(await checkpointer.checkpoint()).toEqual({
        written: false,
        seq: '6',
      });

      const scheduled = await job.run({ incremental: true });
      expect(scheduled).toMatchObject({
        trigger: 'schedule',
        status: 'done',
        result: {
          valid: true,
          mode: 'incremental',
          fromSeq: '6',
          checked: 1,
          checkpoints: { compared: 1, sink: sink.description },
        },
      });
      expect(scheduled.finishedAt).toEqual(expect.any(String));

      const requested = await job.request('user:default/admin');
      expect(requested).toMatchObject({
        status: 'requested',
        requestedBy: 'user:default/admin',
      });
      expect(await job.hasRequests()).toBe(true);
      expect((await job.status()).pending).toEqual([
        expect.objectContaining({ id: requested.id, status: 'requested' }),
      ]);

      // The tail is cut below the checkpoint by someone who bypasses the triggers.
      await admin.transaction(async tx => {
        await tx.raw('SET LOCAL session_replication_role = replica');
        await tx('platform_audit_log').where('seq', '>', 4).delete();
        const last = await tx('platform_audit_log').where({ seq: 4 }).first();
        await tx('platform_audit_head').update({
          last_seq: 4,
          last_hash: last.hash,
        });
      });
      // Asked for incremental, but an admin's request is always a full run.
      const manual = await job.run({ incremental: true });
      expect(manual).toMatchObject({
        id: requested.id,
        trigger: 'manual',
        requestedBy: 'user:default/admin',
        status: 'done',
        result: {
          valid: false,
          mode: 'full',
          firstBroken: {
            seq: '6',
            reason: expect.stringContaining('chain ends at seq 4'),
          },
        },
      });
      expect(await job.hasRequests()).toBe(false);
      expect(await job.status()).toMatchObject({
        last: { id: requested.id, status: 'done' },
        pending: [],
      });
      // After a full run found the break, scheduled runs stay full (and keep reporting it).
      expect(await job.run({ incremental: true })).toMatchObject({
        trigger: 'schedule',
        result: { valid: false, mode: 'full' },
      });
    } finally {
      await app.drop();
    }
  });

  it('records a failed run as an error and marks runs of a dead process as interrupted', async () => {
    const admin = await databases.init('POSTGRES_18');
    await migratePlatform(admin);
    const audit = new AuditStore(admin);
    const failing = new FileCheckpointSink('/proc/definitely/not/here');
    failing.readAll = async () => {
      throw new Error('sink unreachable');
    };
    await admin('platform_audit_verify_runs').insert([
      // A full run may take hours: still running, left alone.
      {
        trigger: 'schedule',
        status: 'running',
        started_at: new Date(Date.now() - 2 * 60 * 60 * 1000),
      },
      // Past every run's timeout: its process died.
      {
        trigger: 'schedule',
        status: 'running',
        started_at: new Date(Date.now() - 5 * 60 * 60 * 1000),
      },
    ]);
    const job = new AuditVerifyJob({ knex: admin, audit, sink: failing });
    const run = await job.run();
    expect(run).toMatchObject({ status: 'error', error: 'sink unreachable' });
    const rows = await admin('platform_audit_verify_runs').orderBy('id');
    expect(rows.map(r => [r.status, r.error])).toEqual([
      ['running', null],
      ['error', 'interrupted: the process running it stopped'],
      ['error', 'sink unreachable'],
    ]);
  });
});
