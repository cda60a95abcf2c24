import express from 'express';
import Router from 'express-promise-router';
import request from 'supertest';
import { Registry } from 'prom-client';
import { Knex } from 'knex';
import {
  requestTelemetryMiddleware,
  TelemetryAggregator,
} from '@internal/plugin-platform-node';
import { normalizeRoute, TelemetryStore } from './TelemetryStore';
import { platformTestDatabases } from '../__testUtils__/platformTestDatabase';

jest.setTimeout(60_000);

const databases = platformTestDatabases();

describe('TelemetryStore (real Postgres)', () => {
  let db: { knex: Knex };
  beforeAll(async () => {
    db = { knex: await databases.init() };
  });

  it('per-minute rollups equal the raw request counts', async () => {
    const store = new TelemetryStore(db.knex);
    let clock = new Date('2026-03-01T10:00:05Z');
    const raw: { minute: string; route: string; status: number }[] = [];
    const aggregator = new TelemetryAggregator({
      metrics: new Registry(),
      sink: async () => ({
        ingestEvents: async () => {},
        appendAudit: async () => {},
        ingestRollups: r => store.ingestRollups(r),
      }),
      now: () => clock,
    });
    const router = Router();
    router.use(
      requestTelemetryMiddleware({
        service: 'filters',
        aggregator,
        now: () => clock,
      }),
    );
    router.get('/v1/items/:id', async (req, res) => {
      const status = Number(req.query.status ?? 200);
      raw.push({
        minute: clock.toISOString().slice(0, 16),
        route: '/api/filters/v1/items/:id',
        status,
      });
      res.status(status).json({});
    });
    const app = express().use('/api/filters', router);

    // Three minutes of traffic with a mix of statuses; flush after each minute ends.
    const statuses = [200, 200, 404, 500, 201, 200, 503];
    for (let minute = 0; minute < 3; minute++) {
      for (let i = 0; i < 5 + minute * 3; i++) {
        clock = new Date(Date.UTC(2026, 2, 1, 10, minute, i));
        await request(app).get(
          `/api/filters/v1/items/${i}?status=${
            statuses[(i + minute) % statuses.length]
          }`,
        );
      }
      await new Promise(r => setTimeout(r, 10));
      clock = new Date(Date.UTC(2026, 2, 1, 10, minute + 1, 0, 500));
      await aggregator.flush();
    }
    // A second replica flushing into the same minute adds up.
    await store.ingestRollups([
      {
        minute: '2026-03-01T10:00:00.000Z',
        service: 'filters',
        method: 'GET',
        route: '/api/filters/v1/items/:id',
        status_class: '2xx',
        team: 'unknown',
        user_ref: 'unknown',
        count: 2,
        errors: 0,
        duration_sum_ms: 3,
        buckets: [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      },
    ]);
    raw.push({
      minute: '2026-03-01T10:00',
      route: '/api/filters/v1/items/:id',
      status: 200,
    });
    raw.push({
      minute: '2026-03-01T10:00',
      route: '/api/filters/v1/items/:id',
      status: 200,
    });

    const rows = await db.knex('platform_request_rollups').select('*');
    const expected = new Map<string, { count: number; errors: number }>();
    for (const r of raw) {
      const key = `${r.minute} ${Math.floor(r.status / 100)}xx`;
      const e = expected.get(key) ?? { count: 0, errors: 0 };
      e.count++;
      if (r.status >= 500) e.errors++;
      expected.set(key, e);
    }
    const actual = new Map<string, { count: number; errors: number }>();
    for (const row of rows) {
      const key = `${new Date(row.minute).toISOString().slice(0, 16)} ${
        row.status_class
      }`;
      actual.set(key, { count: Number(row.count), errors: Number(row.errors) });
      const bucketTotal = row.buckets
        .map(Number)
        .reduce((a: number, b: number) => a + b, 0);
      expect(bucketTotal).toBe(Number(row.count));
    }
    expect(actual).toEqual(expected);
    expect([...actual.values()].reduce((a, b) => a + b.count, 0)).toBe(
      raw.length,
    );

    const [summary] = await store.summary({
      from: new Date('2026-03-01T10:00:00Z'),
      to: new Date('2026-03-01T11:00:00Z'),
    });
    const errors = raw.filter(r => r.status >= 500).length;
    expect(summary).toMatchObject({
      service: 'filters',
      requests: raw.length,
      errors,
    });
    expect(summary.error_rate).toBeCloseTo(errors / raw.length, 10);
    expect(summary.p95_ms).toBeGreaterThan(0);
  });

  it('stores RUM timings under a route template and summarises them', async () => {
    const store = new TelemetryStore(db.knex);
    const at = new Date();
    for (const ms of [400, 800, 1200, 3000]) {
      await store.recordRum({
        route: '/catalog/default/component/export-service/api',
        kind: 'page-load',
        durationMs: ms,
        occurredAt: at,
      });
    }
    const [row] = await store.rumSummary({
      from: new Date(at.getTime() - 1000),
      to: new Date(at.getTime() + 1000),
    });
    expect(row).toMatchObject({
      route: '/catalog/:namespace/:kind/:name/api',
      samples: 4,
      p50_ms: 1000,
    });
  });

  it('normalises paths so ids do not become routes', () => {
    expect(normalizeRoute('/platform/health?x=1')).toBe('/platform/health');
    expect(
      normalizeRoute('/exports/3f1c2a9e-6b1d-4c55-9a0e-1b2c3d4e5f60'),
    ).toBe('/exports/:id');
    expect(normalizeRoute('/a/b/c/d/e/f')).toBe('/a/b/c/d');
    expect(normalizeRoute('/')).toBe('/');
  });
});
