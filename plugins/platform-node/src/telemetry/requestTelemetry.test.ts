import express from 'express';
import Router from 'express-promise-router';
import request from 'supertest';
import { Registry } from 'prom-client';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { bucketIndex, TelemetryAggregator } from './TelemetryAggregator';
import {
  requestTelemetryMiddleware,
  routeTemplate,
} from './requestTelemetryMiddleware';
import { PlatformSink, RequestRollup } from '../types';

function app(aggregator: TelemetryAggregator) {
  const router = Router();
  router.use(
    requestTelemetryMiddleware({
      service: 'exports',
      aggregator,
      identify: async req =>
        req.headers['x-user']
          ? {
              userRef: String(req.headers['x-user']),
              team: 'group:default/team-a',
            }
          : undefined,
    }),
  );
  router.get('/v1/exports/:id', async (req, res) => {
    if (req.params.id === 'boom') throw new Error('boom');
    res.json({ id: req.params.id });
  });
  router.post('/v1/exports', async (_req, res) => {
    res.status(201).json({});
  });
  const root = express();
  root.use('/api/exports', router);
  root.use(
    (
      err: Error,
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res.status(500).json({ error: err.message });
    },
  );
  return root;
}

const settle = () => new Promise(resolve => setTimeout(resolve, 20));

describe('request telemetry', () => {
  it('puts a duration in the first bucket whose bound holds it', () => {
    expect(bucketIndex(0.3)).toBe(0);
    expect(bucketIndex(1)).toBe(0);
    expect(bucketIndex(1.01)).toBe(1);
    expect(bucketIndex(10_000)).toBe(LATENCY_BUCKETS_MS.length - 1);
    expect(bucketIndex(10_001)).toBe(LATENCY_BUCKETS_MS.length);
  });

  it('counts requests per route template, status class and caller, and 5xx as errors', async () => {
    const written: RequestRollup[] = [];
    const sink: PlatformSink = {
      ingestEvents: async () => {},
      appendAudit: async () => {},
      ingestRollups: async r => {
        written.push(...r);
      },
    };
    const metrics = new Registry();
    const aggregator = new TelemetryAggregator({
      metrics,
      sink: async () => sink,
    });
    const server = app(aggregator);
    await request(server)
      .get('/api/exports/v1/exports/1')
      .set('x-user', 'user:default/ana');
    await request(server)
      .get('/api/exports/v1/exports/2')
      .set('x-user', 'user:default/ana');
    await request(server).get('/api/exports/v1/exports/boom');
    await request(server).post('/api/exports/v1/exports');
    await request(server).get('/api/exports/nowhere');
    await settle();

    expect(await aggregator.flush({ all: true })).toBe(4); // series: /1 and /2 share one
    const byKey = Object.fromEntries(
      written.map(r => [
        `${r.method} ${r.route} ${r.status_class} ${r.user_ref}`,
        r,
      ]),
    );
    expect(Object.keys(byKey).sort()).toEqual(
      [
        'GET (unmatched) 4xx unknown',
        'GET /api/exports/v1/exports/:id 2xx user:default/ana',
        'GET /api/exports/v1/exports/:id 5xx unknown',
        'POST /api/exports/v1/exports 2xx unknown',
      ].sort(),
    );
    const ok = byKey['GET /api/exports/v1/exports/:id 2xx user:default/ana'];
    expect(ok).toMatchObject({
      count: 2,
      errors: 0,
      team: 'group:default/team-a',
      service: 'exports',
    });
    expect(ok.buckets.reduce((a, b) => a + b, 0)).toBe(2);
    expect(byKey['GET /api/exports/v1/exports/:id 5xx unknown']).toMatchObject({
      count: 1,
      errors: 1,
    });

    const exposition = await metrics.metrics();
    expect(exposition).toContain(
      'http_server_request_duration_seconds_count{service="exports",method="GET",route="/api/exports/v1/exports/:id",status_class="2xx"} 2',
    );
    expect(exposition).toContain(
      'http_server_errors_total{service="exports",method="GET",route="/api/exports/v1/exports/:id"} 1',
    );
    expect(exposition).toContain('le="0.001"');
    expect(exposition).toContain('le="10"');
  });

  it('keeps minutes whose flush failed and adds them to the next flush', async () => {
    let fail = true;
    const written: RequestRollup[] = [];
    const aggregator = new TelemetryAggregator({
      metrics: new Registry(),
      sink: async () => ({
        ingestEvents: async () => {},
        appendAudit: async () => {},
        ingestRollups: async r => {
          if (fail) throw new Error('db down');
          written.push(...r);
        },
      }),
    });
    const at = new Date('2026-01-01T10:00:30Z');
    const sample = {
      service: 's',
      method: 'GET',
      route: '/x',
      status: 200,
      durationMs: 3,
      at,
    };
    aggregator.record(sample);
    await expect(aggregator.flush({ all: true })).rejects.toThrow('db down');
    aggregator.record(sample);
    fail = false;
    await aggregator.flush({ all: true });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      count: 2,
      minute: '2026-01-01T10:00:00.000Z',
    });
  });

  it('flushes only finished minutes unless asked for all', async () => {
    const written: RequestRollup[] = [];
    let now = new Date('2026-01-01T10:00:59Z');
    const aggregator = new TelemetryAggregator({
      metrics: new Registry(),
      now: () => now,
      sink: async () => ({
        ingestEvents: async () => {},
        appendAudit: async () => {},
        ingestRollups: async r => {
          written.push(...r);
        },
      }),
    });
    aggregator.record({
      service: 's',
      method: 'GET',
      route: '/x',
      status: 200,
      durationMs: 3,
      at: now,
    });
    expect(await aggregator.flush()).toBe(0);
    now = new Date('2026-01-01T10:01:00Z');
    expect(await aggregator.flush()).toBe(1);
  });

  it('reads the route template of an unmatched request as (unmatched)', () => {
    expect(routeTemplate({ baseUrl: '/api/x' } as any)).toBe('(unmatched)');
    expect(
      routeTemplate({ baseUrl: '/api/x', route: { path: '/v1/:id' } } as any),
    ).toBe('/api/x/v1/:id');
  });
});
