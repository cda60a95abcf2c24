import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Knex } from 'knex';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  DatabaseDecisionLatencyReader,
  DECISION_LATENCY_TABLE,
} from '@internal/plugin-authz-node';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import {
  MINUTE_MS,
  parseSloDefinition,
  SloDefinition,
} from '@internal/plugin-slo-common';
import { loadSloFiles } from './loadSloFiles';
import { SloService } from './SloService';
import { SloStore } from './SloStore';
import { SliSources } from './sources';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
const T0 = Date.UTC(2026, 10, 1); // 2026-11-01T00:00Z
const NOW = new Date(T0 + 10 * MINUTE_MS);

function checks(
  id: string,
  thresholdMs: number,
  segment?: 'cached' | 'uncached',
): SloDefinition {
  const result = parseSloDefinition(
    {
      id,
      name: id,
      journey: 'Permission check latency',
      service: 'permission-service',
      owner: 'group:default/platform-services',
      objective: 0.99,
      window: 'rolling-30d',
      sli: {
        source: 'permission-checks',
        kind: 'latency',
        thresholdMs,
        ...(segment ? { segment } : {}),
      },
      alerting: { preset: 'spec', runbook: 'permission-service-outage' },
    },
    LATENCY_BUCKETS_MS,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.definition;
}

/** The writer's rule (the authz migration's contract): a decision counts at the first bound >= its latency. */
function histogramOf(latenciesMs: number[]): number[] {
  const buckets = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const ms of latenciesMs) {
    const index = LATENCY_BUCKETS_MS.findIndex(bound => ms <= bound);
    buckets[index < 0 ? LATENCY_BUCKETS_MS.length : index] += 1;
  }
  return buckets;
}

/** Deterministic latencies, mostly fast with a long tail (LCG, no Math.random). */
function latencies(seed: number, n: number, scaleMs: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    const u = x / 2_147_483_648;
    return Math.round(scaleMs * (u < 0.9 ? u : u * u * 40) * 1000) / 1000;
  });
}

describe('permission-checks SLIs from the decision latency histograms (real Postgres)', () => {
  let knex: Knex;
  let reader: DatabaseDecisionLatencyReader;

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-slo-backend',
        'migrations',
      ),
    });
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-authz-backend',
        'migrations',
      ),
      tableName: 'authz_test_migrations',
    });
    reader = new DatabaseDecisionLatencyReader(knex);
  });

  beforeEach(async () => {
    await knex(DECISION_LATENCY_TABLE).delete();
    for (const table of ['slo_minutes', 'slo_ingest_cursors']) {
      await knex(table).delete();
    }
  });

  async function record(minute: number, cacheHit: boolean, ms: number[]) {
    await knex(DECISION_LATENCY_TABLE).insert({
      minute: new Date(T0 + minute * MINUTE_MS),
      cache_hit: cacheHit,
      decisions: ms.length,
      buckets: histogramOf(ms),
    });
  }

  function service(definitions: SloDefinition[]) {
    return new SloService({
      store: new SloStore(knex),
      sources: new SliSources({ decisionLatency: reader }),
      fileDefinitions: definitions,
      logger: mockServices.logger.mock(),
      initialLookbackDays: 1,
      portalBaseUrl: 'http://portal.test',
      events: { emit: async () => ({ accepted: true, eventId: 'e' }) },
      now: () => NOW,
    });
  }

  it('counts by hand: a cached decision is good at most 5 ms (the bound itself included), misses and the whole', async () => {
    // Minute 0: six cache hits, four of them at most 5 ms; three misses, two at most 50 ms.
    await record(0, true, [0.4, 0.9, 3, 5, 5.01, 12]);
    await record(0, false, [20, 50, 51]);
    // Minute 1: one slow hit.
    await record(1, true, [7]);
    const cached = checks('checks-cached', 5, 'cached');
    const uncached = checks('checks-uncached', 50, 'uncached');
    const all = checks('checks-all', 50);
    const slos = service([cached, uncached, all]);
    await slos.tick();

    const c = await slos.summary(cached.id, NOW);
    expect([c.good, c.total]).toEqual([4, 7]);
    expect(c.dataStatus).toMatchObject({
      ok: true,
      message:
        "measured from the permission service's decision latency histograms (cached decisions, per minute)",
    });
    const u = await slos.summary(uncached.id, NOW);
    expect([u.good, u.total]).toEqual([2, 3]);
    // Without a segment, hits and misses of a minute add up: 50 ms keeps all but 51 ms.
    const a = await slos.summary(all.id, NOW);
    expect([a.good, a.total]).toEqual([9, 10]);
  });

  it('golden: the histogram latency SLI equals a direct count of the decisions', async () => {
    const cachedMs: number[] = [];
    const uncachedMs: number[] = [];
    for (let minute = 0; minute < 8; minute++) {
      const hits = latencies(1 + minute, 400, 2);
      const misses = latencies(101 + minute, 150, 30);
      cachedMs.push(...hits);
      uncachedMs.push(...misses);
      await record(minute, true, hits);
      await record(minute, false, misses);
    }
    const definitions = [
      checks('golden-cached-5', 5, 'cached'),
      checks('golden-cached-1', 1, 'cached'),
      checks('golden-uncached-50', 50, 'uncached'),
      checks('golden-uncached-25', 25, 'uncached'),
    ];
    const slos = service(definitions);
    await slos.tick();

    const direct = (ms: number[], threshold: number) =>
      ms.filter(l => l <= threshold).length;
    const expected = {
      'golden-cached-5': [direct(cachedMs, 5), cachedMs.length],
      'golden-cached-1': [direct(cachedMs, 1), cachedMs.length],
      'golden-uncached-50': [direct(uncachedMs, 50), uncachedMs.length],
      'golden-uncached-25': [direct(uncachedMs, 25), uncachedMs.length],
    };
    for (const [id, [good, total]] of Object.entries(expected)) {
      const s = await slos.summary(id, NOW);
      expect({ id, good: s.good, total: s.total }).toEqual({ id, good, total });
      expect(s.sli).toBeCloseTo(good / total, 12);
    }
    // The series is not degenerate: some decisions miss each threshold.
    expect(direct(cachedMs, 5)).toBeLessThan(cachedMs.length);
    expect(direct(uncachedMs, 50)).toBeLessThan(uncachedMs.length);
  });

  it('drops minutes an earlier definition of the id ingested from another source, keeping backfill', async () => {
    const store = new SloStore(knex);
    const id = 'permission-check-uncached';
    // What the HTTP-route definition of this id ingested, and a backfilled point.
    await store.upsertPoints(
      id,
      [{ minuteMs: T0, good: 1, total: 100, resolutionMinutes: 1 }],
      'requests',
    );
    await store.upsertPoints(
      id,
      [
        {
          minuteMs: T0 - 60 * MINUTE_MS,
          good: 10,
          total: 10,
          resolutionMinutes: 1,
        },
      ],
      'backfill',
    );
    await store.setCursor(id, NOW);
    await record(0, false, [10, 20]);

    const slos = service([checks(id, 50, 'uncached')]);
    await slos.tick();
    const s = await slos.summary(id, NOW);
    // 2 measured decisions at minute 0 (not the 100 HTTP requests) plus the 10 backfilled.
    expect([s.good, s.total]).toEqual([12, 12]);
  });

  it('rejects a threshold that is not a decision latency bound, naming file, path and rule', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slos-'));
    await fs.writeFile(
      path.join(dir, 'checks.yaml'),
      'id: checks-seven\nname: C\njourney: J\nservice: s\nowner: group:default/sre\nobjective: 0.99\nwindow: rolling-30d\nsli: { source: permission-checks, kind: latency, thresholdMs: 7, segment: cached }\nalerting: { preset: spec, runbook: x }',
    );
    await expect(
      loadSloFiles(dir, { 'permission-checks': LATENCY_BUCKETS_MS }),
    ).rejects.toThrow(
      'checks.yaml: sli.thresholdMs: must be one of the decision latency histogram bounds (1, 5, 10, 25, 50, 100, 200, 500, 1000, 2000, 4000, 5000, 10000 ms)',
    );
    await fs.writeFile(
      path.join(dir, 'checks.yaml'),
      'id: checks-seven\nname: C\njourney: J\nservice: s\nowner: group:default/sre\nobjective: 0.99\nwindow: rolling-30d\nsli: { source: permission-checks, kind: latency, thresholdMs: 5, segment: warm }\nalerting: { preset: spec, runbook: x }',
    );
    await expect(loadSloFiles(dir, LATENCY_BUCKETS_MS)).rejects.toThrow(
      /checks\.yaml: sli\.segment: Invalid enum value\. Expected 'cached' \| 'uncached'/,
    );
  });
});
