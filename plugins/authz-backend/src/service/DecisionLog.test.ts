import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Knex } from 'knex';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import {
  EventProducer,
  EventSchemaRegistry,
  migratePlatformNodeTables,
  PlatformHub,
} from '@internal/plugin-platform-node';
import { DecisionLog, LoggedDecision } from './DecisionLog';
import { DecisionTrail } from './DecisionTrail';
import {
  histogramsCountedFromLog,
  storedHistograms,
} from './testing/latencyHistograms';
import { storedLatencyUs } from './decisionLog/latencyHistograms';
import { PreparedStatements } from './decisionLog/preparedStatements';

jest.setTimeout(120_000);

const decision = (allowed = true): LoggedDecision => ({
  caller: 'service:test',
  check: {
    subject: { type: 'product-user', id: 'u-1' },
    action: 'dashboard.read',
    resource: { type: 'dashboard', id: 'd-1' },
  },
  decision: {
    allowed,
    reason: allowed ? 'role_grants_action' : 'role_lacks_action',
    decisionId: randomUUID(),
    policyRevision: 'rev',
    cacheHit: false,
    mode: 'enforce',
  },
  policy: { allowed, reason: allowed ? 'role_grants_action' : 'x' },
});

describe('DecisionLog (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-authz-backend',
        'migrations',
      ),
    });
  });

  it('group commit: concurrent appends share transactions; each resolves once committed', async () => {
    const log = new DecisionLog(knex);
    const before = await log.count();
    const appends = Array.from({ length: 200 }, () =>
      log.append([decision(), decision(false)]).then(() => log.count()),
    );
    const seenAtResolve = await Promise.all(appends);
    expect((await log.count()) - before).toBe(400);
    // each append saw at least its own rows committed when it resolved
    seenAtResolve.forEach(n => expect(n - before).toBeGreaterThanOrEqual(2));
    expect(log.commits).toBeLessThan(200);
  });

  it('backpressure: appends wait for room instead of dropping; nothing is lost', async () => {
    const log = new DecisionLog(knex, { maxQueued: 10, maxBatch: 10 });
    const before = await log.count();
    let maxPending = 0;
    const appends = Array.from({ length: 100 }, async () => {
      const p = log.append([decision(), decision(), decision()]);
      maxPending = Math.max(maxPending, log.pending);
      await p;
    });
    await Promise.all(appends);
    // queue bound: never more than maxQueued (or one oversize append when the queue was empty)
    expect(maxPending).toBeLessThanOrEqual(10);
    expect((await log.count()) - before).toBe(300);
    expect(log.pending).toBe(0);
  });

  it('a failed commit rejects the appends it carried (the caller answers an error, not a decision)', async () => {
    const log = new DecisionLog(knex);
    const d = decision();
    await log.append([d]);
    await expect(log.append([{ ...d }])).rejects.toThrow(/duplicate key/);
  });

  it('every denial of a committed batch reaches the audit store before its append resolves; an audit failure fails the append', async () => {
    const audited: { decisionId: unknown; committedRows: number }[] = [];
    const log: DecisionLog = new DecisionLog(knex, {
      onCommitted: async decisions => {
        const trail = new DecisionTrail({
          appendAudit: async records => {
            const committedRows = await log.count();
            records.forEach(r =>
              audited.push({ decisionId: r.meta?.decisionId, committedRows }),
            );
          },
          events: {
            prepare: () => ({
              results: [],
              insert: () => undefined,
              written() {},
            }),
          },
          logger: mockServices.logger.mock(),
        });
        await trail.committed(decisions);
      },
    });
    const before = await log.count();
    const batches = Array.from({ length: 50 }, () => [
      decision(),
      decision(false),
    ]);
    await Promise.all(batches.map(b => log.append(b)));
    const denied = batches.map(b => b[1].decision.decisionId).sort();
    expect(audited.map(a => a.decisionId).sort()).toEqual(denied);
    // audited after the decision rows committed, never before
    audited.forEach(a => expect(a.committedRows - before).toBeGreaterThan(0));

    const failing = new DecisionLog(knex, {
      onCommitted: async () => {
        throw new Error('audit store down');
      },
    });
    await expect(failing.append([decision(false)])).rejects.toThrow(
      'audit store down',
    );
  });

  it('writes the events of a batch into the platform outbox in its commit statement: no other statement, none for a failed commit', async () => {
    await migratePlatformNodeTables(knex);
    await knex('platform_event_outbox').delete();
    const hub = new PlatformHub(EventSchemaRegistry.fromPackage(), {
      processMetrics: false,
    });
    const producer = new EventProducer({
      knex,
      producer: 'authz',
      registry: hub.registry,
      metrics: hub.metrics,
    });
    const trail = new DecisionTrail({
      appendAudit: async () => {},
      events: producer,
      logger: mockServices.logger.mock(),
      random: () => 0.99, // no permission.checked: one event per denial
    });
    const log = new DecisionLog(knex, {
      events: d => trail.events(d),
      onCommitted: d => trail.committed(d),
    });
    const onResource = (allowed: boolean): LoggedDecision => {
      const d = decision(allowed);
      return {
        ...d,
        check: {
          ...d.check,
          resource: { type: 'dashboard', id: randomUUID() },
        },
      };
    };
    const batches = Array.from({ length: 50 }, () => [
      onResource(true),
      onResource(false),
      onResource(false),
    ]);
    const run = jest.spyOn(PreparedStatements.prototype, 'run');
    const commitsBefore = log.commits;
    let statements: string[] = [];
    try {
      await Promise.all(batches.map(b => log.append(b)));
    } finally {
      statements = run.mock.calls.map(([sql]) => sql);
      run.mockRestore();
    }
    const outbox = await knex('platform_event_outbox')
      .orderBy('id')
      .select('name', 'payload', 'violations');
    expect(outbox.map(r => r.payload.properties.resource_id).sort()).toEqual(
      batches.flatMap(b => b.slice(1).map(d => d.check.resource.id)).sort(),
    );
    outbox.forEach(r => {
      expect(r.name).toBe('permission.denied.v2');
      expect(r.violations).toBe(null);
      expect(r.payload.producer).toBe('authz');
    });
    // one statement per group commit carries decisions and events alike
    expect(statements.length).toBe(log.commits - commitsBefore);
    statements.forEach(sql => {
      expect(sql).toContain('INSERT INTO authz_decisions');
      expect(sql).toContain('INSERT INTO platform_event_outbox');
    });

    const duplicate = { ...batches[0][1] };
    await expect(log.append([duplicate])).rejects.toThrow(/duplicate key/);
    expect(await knex('platform_event_outbox').count({ n: '*' })).toEqual([
      { n: String(outbox.length) },
    ]);
  });

  it("the next batch commits while the previous one's onCommitted runs; each append waits for its own", async () => {
    let openGate!: () => void;
    const gate = new Promise<void>(resolve => (openGate = resolve));
    const seen: string[] = [];
    const log = new DecisionLog(knex, {
      onCommitted: async decisions => {
        seen.push(decisions[0].decision.decisionId);
        if (seen.length === 1) await gate; // the first batch's audit append hangs
      },
    });
    const before = await log.count();
    const first = decision(false);
    let firstDone = false;
    const firstAppend = log.append([first]).then(() => (firstDone = true));
    while (seen.length === 0) await new Promise(r => setTimeout(r, 5));
    const second = decision(false);
    await log.append([second]); // committed and acknowledged past the hanging one
    expect((await log.count()) - before).toBe(2);
    expect(firstDone).toBe(false);
    openGate();
    await firstAppend;
    expect(seen).toEqual([
      first.decision.decisionId,
      second.decision.decisionId,
    ]);
  });

  it('latency: per decision and per-minute histograms by cache outcome, from concurrent logs, equal a direct count', async () => {
    const replicas = [new DecisionLog(knex), new DecisionLog(knex)];
    const bounds = LATENCY_BUCKETS_MS.map(ms => ms * 1000);
    // every bound exactly, just above it, sub-ms, fractions (stored rounded up, bucketed as
    // stored) and beyond the last bound (overflow)
    const latencies = [
      0,
      0.4,
      3,
      999.5,
      1000.2,
      ...bounds,
      ...bounds.map(b => b + 1),
      20_000_000,
      // beyond the integer column: stored as its maximum, counted in the overflow
      5_000_000_000,
    ];
    const appends = latencies.flatMap((latencyUs, i) =>
      [false, true].map(cacheHit => {
        const d = decision(i % 3 !== 0);
        d.decision.cacheHit = cacheHit;
        d.latencyUs = latencyUs;
        return replicas[i % 2].append([d, { ...decision(), latencyUs }]);
      }),
    );
    // an `off` decision carries no latency: in the log, not in the histograms
    appends.push(replicas[0].append([decision()]));
    await Promise.all(appends);

    const actual = await storedHistograms(knex);
    expect(actual).toEqual(await histogramsCountedFromLog(knex));
    // this test's own decisions: both outcomes, every bucket including the overflow
    const ours = await knex('authz_decisions')
      .whereIn('latency_us', latencies.map(storedLatencyUs))
      .count({ n: '*' })
      .first();
    expect(Number(ours?.n)).toBeGreaterThanOrEqual(latencies.length * 4);
    for (const cacheHit of [false, true]) {
      const total = [...actual.entries()]
        .filter(([k]) => k.endsWith(String(cacheHit)))
        .reduce(
          (sum, [, h]) => sum.map((n, i) => n + h.buckets[i]),
          new Array(bounds.length + 1).fill(0),
        );
      total.forEach(n => expect(n).toBeGreaterThan(0));
    }
  });

  it('kill -9 of a writing process: every acknowledged decision is in the log', async () => {
    const c = knex.client.config.connection as Knex.PgConnectionConfig;
    const url = `postgres://${c.user}:${encodeURIComponent(
      String(c.password),
    )}@${c.host}:${c.port}/${c.database}`;
    const child = spawn(
      process.execPath,
      [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        path.join(__dirname, 'testing', 'decisionLogWriter.ts'),
      ],
      {
        env: { ...process.env, DECISION_LOG_DB: url },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const acked: string[] = [];
    let buffered = '';
    const exited = new Promise<NodeJS.Signals | null>(resolve =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>(resolve => {
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        acked.push(...lines.filter(Boolean));
        if (acked.length >= 3000) resolve();
      });
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const present = new Set<string>();
    for (let i = 0; i < acked.length; i += 5000) {
      const rows: { decision_id: string }[] = await knex('authz_decisions')
        .whereIn('decision_id', acked.slice(i, i + 5000))
        .select('decision_id');
      rows.forEach(r => present.add(r.decision_id));
    }
    expect(acked.length).toBeGreaterThanOrEqual(3000);
    expect(acked.filter(id => !present.has(id))).toEqual([]);
  });
});
