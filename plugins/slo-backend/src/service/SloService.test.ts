import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { Knex } from 'knex';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import {
  EventProducer,
  EventSchemaRegistry,
  migratePlatformNodeTables,
  PlatformHub,
} from '@internal/plugin-platform-node';
import {
  MINUTE_MS,
  parseSloDefinition,
  SloDefinition,
} from '@internal/plugin-slo-common';
import { SloStore } from './SloStore';
import { SloService } from './SloService';
import { SliSources } from './sources';
import { PagerDutyDelivery } from './PagerDutyDelivery';
import { loadSloFiles } from './loadSloFiles';
import { RunbookLibrary } from './runbooks';
import { TelemetryReader } from './telemetry';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
// The real schema registry (schemas/ of platform-node) behind a real outbox producer.
const hub = new PlatformHub(EventSchemaRegistry.fromPackage(), {
  processMetrics: false,
});

const T0 = Date.UTC(2026, 10, 1); // 2026-11-01T00:00Z

function definition(overrides: Partial<SloDefinition> = {}): SloDefinition {
  const result = parseSloDefinition({
    id: 'checkout-availability',
    name: 'Checkout availability',
    journey: 'Checkout',
    service: 'checkout',
    owner: 'group:default/sre',
    objective: 0.999,
    window: 'rolling-30d',
    sli: { source: 'series', kind: 'ratio' },
    alerting: { preset: 'spec', runbook: 'slo-budget-burn' },
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.definition;
}

/** A real HTTP receiver standing in for PagerDuty's Events v2 endpoint. */
async function startReceiver(statuses: number[]) {
  const received: Array<Record<string, any>> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      const status = statuses.shift() ?? 202;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: status === 202 ? 'success' : 'error' }));
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/v2/enqueue`;
  return { url, received, close: () => new Promise(r => server.close(r)) };
}

describe('SloService on Postgres', () => {
  let knex: Knex;
  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-slo-backend',
        'migrations',
      ),
    });
    await migratePlatformNodeTables(knex);
  });

  function service(
    definitions: SloDefinition[],
    options: {
      reader?: TelemetryReader;
      now?: () => Date;
      events?: EventProducer;
    } = {},
  ) {
    const store = new SloStore(knex);
    const events =
      options.events ??
      new EventProducer({
        knex,
        producer: 'slo',
        registry: hub.registry,
        metrics: hub.metrics,
      });
    return {
      store,
      service: new SloService({
        store,
        sources: new SliSources({ reader: options.reader }),
        fileDefinitions: definitions,
        logger: mockServices.logger.mock(),
        initialLookbackDays: 30,
        pagerduty: { routingKey: 'R0UTINGKEY' },
        portalBaseUrl: 'http://portal.test',
        now: options.now,
        events,
      }),
    };
  }

  it('fires and resolves the fast-burn alert on a one-hour spike and delivers PagerDuty trigger and resolve with one dedup key, retrying failures', async () => {
    const slo = definition();
    const { store, service: slos } = service([slo]);
    // 2 days of 1,000 good requests a minute, then 60 minutes at 2 % errors (20× burn).
    const spike = T0 + 2 * 1440 * MINUTE_MS;
    const points = [];
    for (let t = T0; t < spike + 120 * MINUTE_MS; t += MINUTE_MS) {
      const inSpike = t >= spike && t < spike + 60 * MINUTE_MS;
      points.push({
        minuteMs: t,
        good: inSpike ? 980 : 1000,
        total: 1000,
        resolutionMinutes: 1,
      });
    }
    await slos.backfill(slo.id, points);

    // The scheduler evaluates the last complete minute: tick at minute m+1 evaluates m.
    const tickAt = (minute: number) =>
      slos.tick(new Date(minute + MINUTE_MS + 1000));
    await tickAt(spike + 29 * MINUTE_MS);
    expect((await store.alertStates(slo.id)).length).toBe(0);
    await tickAt(spike + 30 * MINUTE_MS); // golden: fires at S+30
    expect(await store.alertStates(slo.id)).toEqual([
      expect.objectContaining({ alert: 'fast-burn', state: 'firing' }),
    ]);
    await tickAt(spike + 61 * MINUTE_MS); // still firing (short window 12×)
    await tickAt(spike + 62 * MINUTE_MS); // golden: resolves at S+62
    expect(await store.alertStates(slo.id)).toEqual([
      expect.objectContaining({ alert: 'fast-burn', state: 'resolved' }),
    ]);

    const { current, history } = await slos.alerts(slo.id, 10);
    expect(current).toEqual([
      expect.objectContaining({ alert: 'fast-burn', state: 'resolved' }),
    ]);
    expect(history.map(h => `${h.fromState}→${h.toState}`)).toEqual([
      'firing→resolved',
      'inactive→firing',
    ]);
    expect(history.every(h => h.delivery === 'pending')).toBe(true);

    // Deliver: the receiver answers 503 once (retried), then accepts.
    const receiver = await startReceiver([503]);
    try {
      let now = new Date(spike + 70 * MINUTE_MS);
      const delivery = new PagerDutyDelivery({
        store,
        logger: mockServices.logger.mock(),
        webhookUrl: receiver.url,
        maxAttempts: 3,
        backoffMs: 1000,
        now: () => now,
      });
      // The trigger fails; its resolve waits behind it (one dedup key goes out in order).
      expect(await delivery.deliverDue()).toEqual({ delivered: 0, failed: 0 });
      now = new Date(now.getTime() + 1000);
      expect(await delivery.deliverDue()).toEqual({ delivered: 1, failed: 0 });
      expect(await delivery.deliverDue()).toEqual({ delivered: 1, failed: 0 });
      expect(receiver.received).toHaveLength(3);
      const [failedTrigger, trigger, resolve] = receiver.received;
      expect(failedTrigger).toEqual(trigger);
      expect(trigger).toMatchObject({
        routing_key: 'R0UTINGKEY',
        event_action: 'trigger',
        dedup_key: 'platform-portal/slo/checkout-availability/fast-burn',
        payload: {
          source: 'platform-portal/slo',
          severity: 'critical',
          component: 'checkout',
          group: 'group:default/sre',
          class: 'slo-burn-rate',
          timestamp: new Date(spike + 30 * MINUTE_MS).toISOString(),
          custom_details: {
            slo_id: 'checkout-availability',
            factor: 10,
            long_window_minutes: 60,
            short_window_minutes: 5,
          },
        },
        links: [
          {
            href: 'http://portal.test/runbooks/slo-budget-burn',
            text: 'Runbook: slo-budget-burn',
          },
          {
            href: 'http://portal.test/slos/checkout-availability',
            text: 'SLO checkout-availability',
          },
        ],
      });
      // 31 spike minutes in the hour: 20 × 31 / 60 = 10.33×.
      expect(trigger.payload.custom_details.long_burn_rate).toBeCloseTo(
        (20 * 31) / 60,
        9,
      );
      expect(resolve).toEqual({
        routing_key: 'R0UTINGKEY',
        event_action: 'resolve',
        dedup_key: 'platform-portal/slo/checkout-availability/fast-burn',
      });
      const notifications = await store.notifications();
      expect(notifications.map(n => [n.status, n.attempts])).toEqual([
        ['delivered', 2],
        ['delivered', 1],
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('marks a notification failed after maxAttempts', async () => {
    const slo = definition({ id: 'always-failing-delivery' });
    const { store, service: slos } = service([slo]);
    const points = [];
    for (let t = T0; t < T0 + 120 * MINUTE_MS; t += MINUTE_MS) {
      points.push({ minuteMs: t, good: 0, total: 10, resolutionMinutes: 1 });
    }
    await slos.backfill(slo.id, points);
    await slos.tick(new Date(T0 + 100 * MINUTE_MS));
    // Both alerts fire on an all-bad series (fast and slow burn): two events, both failing.
    const receiver = await startReceiver([500, 500, 500, 500]);
    try {
      let now = new Date(T0 + 101 * MINUTE_MS);
      const delivery = new PagerDutyDelivery({
        store,
        logger: mockServices.logger.mock(),
        webhookUrl: receiver.url,
        maxAttempts: 2,
        backoffMs: 10,
        now: () => now,
      });
      await delivery.deliverDue();
      now = new Date(now.getTime() + 10);
      expect(await delivery.deliverDue()).toEqual({ delivered: 0, failed: 2 });
      const mine = (await store.alertHistory(10, slo.id)).map(h => h.delivery);
      expect(mine).toEqual(['failed', 'failed']);
    } finally {
      await receiver.close();
    }
  });

  it('moves the error-budget policy to freeze below 25 % and back, with events', async () => {
    const slo = definition({ id: 'policy-slo', window: 'rolling-1d' });
    const { service: slos } = service([slo]);
    // 1 day at 100 requests/min; 90 bad minutes spend 90 × 100 bad of 144,000 requests:
    // consumed = (9,000 / 144,000) / 0.001 = 62.5 → remaining −61.5 (overspent): freeze.
    const points = [];
    for (let t = T0; t < T0 + 1440 * MINUTE_MS; t += MINUTE_MS) {
      const bad = t < T0 + 90 * MINUTE_MS;
      points.push({
        minuteMs: t,
        good: bad ? 0 : 100,
        total: 100,
        resolutionMinutes: 1,
      });
    }
    await slos.backfill(slo.id, points);
    const summary = await slos.summary(slo.id, new Date(T0 + 1439 * MINUTE_MS));
    expect(summary.budget.consumed).toBeCloseTo(62.5, 9);
    expect(summary.policy.state).toBe('freeze');
    await slos.tick(new Date(T0 + 1440 * MINUTE_MS));
    // A day later, with good traffic only, the bad minutes left the window.
    const good = [];
    for (
      let t = T0 + 1440 * MINUTE_MS;
      t < T0 + 2 * 1440 * MINUTE_MS;
      t += MINUTE_MS
    ) {
      good.push({ minuteMs: t, good: 100, total: 100, resolutionMinutes: 1 });
    }
    await slos.backfill(slo.id, good);
    await slos.tick(new Date(T0 + 2 * 1440 * MINUTE_MS));
    const { policyEvents } = await slos.history(slo.id);
    expect(policyEvents.map(e => `${e.fromState}→${e.toState}`)).toEqual([
      'freeze→normal',
      'unknown→freeze',
    ]);
    expect(policyEvents[1].reason).toMatch(/Freeze non-critical deploys/);

    // Each stored change is in the platform outbox, schema-valid, written by the same commit.
    const outbox = await knex('platform_event_outbox')
      .where('name', 'slo.policy_changed')
      .orderBy('id');
    const emitted = outbox
      .map(row =>
        typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
      )
      .filter(e => e.properties.slo_id === slo.id);
    expect(outbox.every(row => row.violations === null)).toBe(true);
    expect(emitted.map(e => e.properties)).toEqual([
      {
        slo_id: slo.id,
        from_state: 'unknown',
        to_state: 'freeze',
        reason: policyEvents[1].reason,
        budget_remaining: expect.closeTo(-61.5, 9),
        window: 'rolling-1d',
      },
      {
        slo_id: slo.id,
        from_state: 'freeze',
        to_state: 'normal',
        reason: policyEvents[0].reason,
        budget_remaining: 1,
        window: 'rolling-1d',
      },
    ]);
    expect(emitted[0]).not.toHaveProperty('account_id');
    expect(emitted[0]).not.toHaveProperty('user_id');
    expect(emitted[0].producer).toBe('slo');
    expect(emitted[0].occurred_at).toBe(
      new Date(T0 + 1439 * MINUTE_MS).toISOString(),
    );
  });

  it('stores no policy change when its event cannot be written (one transaction)', async () => {
    const slo = definition({ id: 'policy-atomic-slo', window: 'rolling-1d' });
    const failing = new EventProducer({
      knex,
      producer: 'slo',
      registry: hub.registry,
      metrics: hub.metrics,
    });
    jest
      .spyOn(failing, 'emit')
      .mockRejectedValueOnce(new Error('outbox unavailable'));
    const { store, service: slos } = service([slo], { events: failing });
    const points = [];
    for (let t = T0; t < T0 + 60 * MINUTE_MS; t += MINUTE_MS) {
      points.push({ minuteMs: t, good: 0, total: 100, resolutionMinutes: 1 });
    }
    await slos.backfill(slo.id, points);
    expect(await slos.tick(new Date(T0 + 60 * MINUTE_MS))).toEqual(
      expect.objectContaining({ policyChanges: 0 }),
    );
    expect(await store.policyState(slo.id)).toBeUndefined();
    expect(await store.policyEvents(slo.id, 10)).toEqual([]);
    // The next evaluation retries and stores change and event together.
    await slos.tick(new Date(T0 + 60 * MINUTE_MS));
    expect(await store.policyState(slo.id)).toEqual(
      expect.objectContaining({ state: 'freeze' }),
    );
    const outbox = await knex('platform_event_outbox').where(
      'name',
      'slo.policy_changed',
    );
    expect(
      outbox.filter(row => {
        const e =
          typeof row.payload === 'string'
            ? JSON.parse(row.payload)
            : row.payload;
        return e.properties.slo_id === slo.id;
      }),
    ).toHaveLength(1);
    expect(failing.emit).toHaveBeenCalledTimes(2);
  });

  it('keeps monthly compliance history per calendar month', async () => {
    const slo = definition({ id: 'history-slo', objective: 0.99 });
    const { service: slos } = service([slo]);
    // October: 1,000 of 100,000 bad (99.0 %, exactly the objective: met, budget used 1);
    // November: 2,000 of 100,000 bad (98 %: missed, budget used 2).
    await slos.backfill(slo.id, [
      {
        minuteMs: Date.UTC(2026, 9, 10),
        good: 99_000,
        total: 100_000,
        resolutionMinutes: 1,
      },
      {
        minuteMs: Date.UTC(2026, 10, 10),
        good: 98_000,
        total: 100_000,
        resolutionMinutes: 1,
      },
    ]);
    const { months } = await slos.history(slo.id);
    expect(months).toEqual([
      {
        month: '2026-11',
        good: 98_000,
        total: 100_000,
        sli: 0.98,
        budgetUsed: expect.closeTo(2, 9),
        met: false,
      },
      {
        month: '2026-10',
        good: 99_000,
        total: 100_000,
        sli: 0.99,
        budgetUsed: expect.closeTo(1, 9),
        met: true,
      },
    ]);
  });

  it('ingests request telemetry into (good, total) minutes from histogram buckets', async () => {
    const bounds = LATENCY_BUCKETS_MS;
    const latency = definition({
      id: 'ingest-latency',
      sli: {
        source: 'requests',
        kind: 'latency',
        service: 'filters',
        thresholdMs: 500,
      },
    });
    const ratio = definition({
      id: 'ingest-ratio',
      sli: { source: 'requests', kind: 'ratio', service: 'filters' },
    });
    const buckets = new Array(bounds.length + 1).fill(0);
    buckets[bounds.indexOf(100)] = 7; // ≤ 100 ms
    buckets[bounds.indexOf(500)] = 2; // ≤ 500 ms
    buckets[bounds.indexOf(1000)] = 1; // slower than the threshold
    const queries: unknown[] = [];
    const reader: TelemetryReader = {
      bucketBoundsMs: bounds,
      async requestMinutes(q) {
        queries.push(q);
        return [
          {
            minute: new Date(T0),
            resolutionMinutes: 1,
            count: 10,
            errors: 3,
            buckets,
          },
        ];
      },
      async pageLoadMinutes() {
        return [];
      },
    };
    const { service: slos } = service([latency, ratio], {
      reader,
      now: () => new Date(T0 + 5 * MINUTE_MS),
    });
    await slos.tick();
    const l = await slos.summary(
      'ingest-latency',
      new Date(T0 + 5 * MINUTE_MS),
    );
    expect([l.good, l.total]).toEqual([9, 10]);
    const r = await slos.summary('ingest-ratio', new Date(T0 + 5 * MINUTE_MS));
    expect([r.good, r.total]).toEqual([7, 10]);
    expect(queries[0]).toMatchObject({ service: 'filters' });
    expect(l.dataStatus.ok).toBe(true);
  });

  it('says plainly when a source is not deployed, and never invents numbers', async () => {
    const slo = definition({
      id: 'cached-checks-no-reader',
      sli: {
        source: 'permission-checks',
        kind: 'latency',
        thresholdMs: 5,
        segment: 'cached',
      },
    });
    const { service: slos } = service([slo]);
    await slos.tick(new Date(T0));
    const s = await slos.summary(slo.id, new Date(T0));
    expect(s).toMatchObject({
      sli: null,
      total: 0,
      budget: { remaining: null, consumed: null },
      policy: { state: 'unknown' },
      dataStatus: {
        ok: false,
        message:
          'no data: the decision latency reader is not available in this backend',
      },
    });
  });
});

describe('repository SLO files and runbooks', () => {
  const root = path.resolve(__dirname, '../../../..');

  it('loads the spec SLOs from slos/ and every runbook they link exists', async () => {
    const slos = await loadSloFiles(
      path.join(root, 'slos'),
      LATENCY_BUCKETS_MS,
    );
    expect(slos.map(s => s.id).sort()).toEqual([
      'api-crud-p95',
      'api-crud-p99',
      'availability',
      'dashboard-load-p95',
      'dashboard-load-p99',
      'export-completion',
      'filter-query-p95',
      'permission-check-cached',
      'permission-check-http',
      'permission-check-uncached',
    ]);
    // The spec's two permission-check SLIs read the decision latency by cache outcome.
    expect(slos.find(s => s.id === 'permission-check-cached')?.sli).toEqual({
      source: 'permission-checks',
      kind: 'latency',
      thresholdMs: 5,
      segment: 'cached',
    });
    expect(slos.find(s => s.id === 'permission-check-uncached')?.sli).toEqual({
      source: 'permission-checks',
      kind: 'latency',
      thresholdMs: 50,
      segment: 'uncached',
    });
    // What an HTTP caller waits for, from request telemetry.
    expect(slos.find(s => s.id === 'permission-check-http')?.sli).toEqual({
      source: 'requests',
      kind: 'latency',
      service: 'authz',
      method: 'POST',
      route: '/api/authz/v1/check',
      thresholdMs: 50,
    });
    const runbooks = new RunbookLibrary(path.join(root, 'docs/runbooks'));
    for (const slo of slos) {
      await expect(runbooks.get(slo.alerting.runbook)).resolves.toBeTruthy();
    }
    const names = (await runbooks.list()).map(r => r.name);
    for (const p0 of [
      'db-failover',
      'permission-service-outage',
      'export-queue-backup',
      'full-disk',
    ]) {
      expect(names).toContain(p0);
    }
  });

  it('rejects invalid files naming file, document, path and rule', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slos-'));
    await fs.writeFile(
      path.join(dir, 'bad.yaml'),
      [
        'id: ok-one\nname: A\njourney: J\nservice: s\nowner: group:default/sre\nobjective: 0.99\nwindow: rolling-30d\nsli: { source: series, kind: ratio }\nalerting: { preset: spec, runbook: x }',
        'id: bad-two\nname: B\njourney: J\nservice: s\nowner: group:default/sre\nobjective: 99.9\nwindow: weekly\nsli: { source: requests, kind: latency, thresholdMs: 300 }\nalerting: { preset: spec, runbook: x }',
      ].join('\n---\n'),
    );
    await expect(loadSloFiles(dir, LATENCY_BUCKETS_MS)).rejects.toThrow(
      /bad\.yaml#2: objective: must be below 1[\s\S]*bad\.yaml#2: window: must be rolling-<1\.\.90>d or calendar-month/,
    );
    await fs.writeFile(
      path.join(dir, 'bad.yaml'),
      'id: bad-three\nname: B\njourney: J\nservice: s\nowner: group:default/sre\nobjective: 0.9\nwindow: rolling-7d\nsli: { source: requests, kind: latency, thresholdMs: 300 }\nalerting: { preset: spec, runbook: x }',
    );
    await expect(loadSloFiles(dir, LATENCY_BUCKETS_MS)).rejects.toThrow(
      /bad\.yaml: sli\.thresholdMs: must be one of the telemetry histogram bounds/,
    );
  });

  it('serves runbooks only by allow-listed names from its directory', async () => {
    const runbooks = new RunbookLibrary(path.join(root, 'docs/runbooks'));
    await expect(runbooks.get('../README')).rejects.toThrow(/name: must be/);
    await expect(runbooks.get('no-such-runbook')).rejects.toThrow(
      /No runbook named/,
    );
    const db = await runbooks.get('db-failover');
    expect(db.title).toMatch(/fail over/);
  });
});
