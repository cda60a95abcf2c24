import express from 'express';
import request from 'supertest';
import {
  AuditorService,
  AuditorServiceEvent,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  FilterAccess,
  FilterEngine,
  FilterEngineBusyError,
  FilterQueryFailedError,
  readDatasets,
} from '@internal/plugin-filters-node';
import { demoEventsDatasetConfig } from '@internal/plugin-filters-node/testUtils';
import { createRouter } from './router';

// Unit tests of the HTTP layer (no database: the engine's database calls are replaced).
jest.setTimeout(30_000);
const ALLOWED = '0b5b2e76-0e34-4a0f-9a49-5e1f3c8f1a11';
const DENIED = '5d2e4a58-4b8c-41ee-be56-0242ac120002';
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

interface Recorded {
  eventId: string;
  meta?: Record<string, unknown>;
  outcome?: 'success' | 'fail';
}

function fakeAuditor(records: Recorded[]): AuditorService {
  return {
    async createEvent(options): Promise<AuditorServiceEvent> {
      const record: Recorded = {
        eventId: options.eventId,
        meta: options.meta as Record<string, unknown>,
      };
      records.push(record);
      return {
        async success() {
          record.outcome = 'success';
        },
        async fail() {
          record.outcome = 'fail';
        },
      };
    },
  };
}

async function setup(
  options: { requests?: number; refusedAuditIntervalMs?: number } = {},
) {
  const permissions = mockServices.permissions.mock({
    authorize: async requests =>
      requests.map(r => ({
        result:
          'resourceRef' in r && r.resourceRef === DENIED
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
      })),
  });
  const engine = new FilterEngine({
    datasets: readDatasets(
      new ConfigReader({
        platform: {
          productDatabase: {
            connection: {
              host: 'localhost',
              port: 1,
              user: 'x',
              password: 'x',
              database: 'x',
            },
          },
          datasets: {
            events: JSON.parse(JSON.stringify(demoEventsDatasetConfig())),
          },
        },
      }),
    ),
  });
  const audit: Recorded[] = [];
  const logger = mockServices.logger.mock();
  const app = express();
  app.use(
    await createRouter({
      engine,
      access: new FilterAccess(permissions),
      httpAuth: mockServices.httpAuth(),
      permissions,
      auditor: fakeAuditor(audit),
      logger,
      rateLimit: { requests: options.requests ?? 100, windowSeconds: 60 },
      refusedAuditIntervalMs: options.refusedAuditIntervalMs,
    }),
  );
  app.use(mockErrorHandler());
  const as = (user: string) => ({
    Authorization: mockCredentials.user.header(user),
  });
  return { app, engine, audit, logger, as };
}

describe('filters router', () => {
  it('limits requests per principal: 429 with Retry-After, other principals unaffected', async () => {
    const { app, as } = await setup({ requests: 3 });
    for (let i = 0; i < 3; i++) {
      const ok = await request(app).get('/v1/datasets').set(as(ALICE));
      expect(ok.status).toBe(200);
    }
    const limited = await request(app).get('/v1/datasets').set(as(ALICE));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.body.error.message).toMatch(/at most 3 per 60 s/);
    // Malformed bodies count too (the limit runs before validation).
    const malformed = await request(app)
      .post('/v1/count')
      .set(as(ALICE))
      .send({ nope: true });
    expect(malformed.status).toBe(429);
    const bob = await request(app).get('/v1/datasets').set(as(BOB));
    expect(bob.status).toBe(200);
  });

  it('audits malformed requests once per principal per interval, counting the suppressed ones', async () => {
    const { app, audit, as } = await setup({ refusedAuditIntervalMs: 300 });
    for (let i = 0; i < 5; i++) {
      const res = await request(app)
        .post('/v1/count')
        .set(as(ALICE))
        .send({ dataset: 'events', accountId: 'not-a-uuid' });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].path).toBe('accountId');
    }
    // An invalid filter (refused by the engine's grammar, before auditing) counts the same.
    const invalidFilter = await request(app)
      .post('/v1/count')
      .set(as(ALICE))
      .send({
        dataset: 'events',
        accountId: ALLOWED,
        filter: {
          combinator: 'and',
          rules: [{ field: 'amount', operator: 'eq', value: 'x' }],
        },
      });
    expect(invalidFilter.status).toBe(400);
    const bob = await request(app)
      .post('/v1/query')
      .set(as(BOB))
      .send({ dataset: 'nope', accountId: ALLOWED });
    expect(bob.status).toBe(404);
    expect(audit).toEqual([
      expect.objectContaining({
        eventId: 'filters-count',
        outcome: 'fail',
        meta: expect.objectContaining({
          refused: true,
          status: 400,
          suppressedSinceLast: 0,
        }),
      }),
      expect.objectContaining({
        eventId: 'filters-query',
        outcome: 'fail',
        meta: expect.objectContaining({ refused: true, status: 404 }),
      }),
    ]);
    await new Promise(r => setTimeout(r, 350));
    await request(app)
      .post('/v1/explain')
      .set(as(ALICE))
      .send({ dataset: 'events', accountId: 'x' });
    expect(audit[2]).toEqual(
      expect.objectContaining({
        eventId: 'filters-explain',
        meta: expect.objectContaining({ suppressedSinceLast: 5 }),
      }),
    );
  });

  it('audits every denial (403) and every authorized request', async () => {
    const { app, engine, audit, as } = await setup();
    jest.spyOn(engine, 'count').mockResolvedValue({
      count: 7,
      stats: {
        servedBy: 'primary',
        estimatedCost: 1,
        estimatedRows: 1,
        costFromCache: false,
        durationMs: 1,
        rowsScanned: 1,
        rowsReturned: 1,
        shapeHash: 'h',
        filterHash: 'f',
        measuredAt: new Date().toISOString(),
      },
    });
    for (let i = 0; i < 2; i++) {
      const denied = await request(app)
        .post('/v1/count')
        .set(as(ALICE))
        .send({ dataset: 'events', accountId: DENIED });
      expect(denied.status).toBe(403);
    }
    const ok = await request(app)
      .post('/v1/count')
      .set(as(ALICE))
      .send({ dataset: 'events', accountId: ALLOWED });
    expect(ok.status).toBe(200);
    expect(ok.body.count).toBe(7);
    expect(audit.map(a => [a.eventId, a.outcome, a.meta?.accountId])).toEqual([
      ['filters-count', 'fail', DENIED],
      ['filters-count', 'fail', DENIED],
      ['filters-count', 'success', ALLOWED],
    ]);
  });

  it('answers a busy database with 503 and Retry-After', async () => {
    const { app, engine, as } = await setup();
    jest
      .spyOn(engine, 'count')
      .mockRejectedValue(
        new FilterEngineBusyError('The events database is busy', 2),
      );
    const res = await request(app)
      .post('/v1/count')
      .set(as(ALICE))
      .send({ dataset: 'events', accountId: ALLOWED });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
  });

  it("passes the engine's own generic database error through with its reference id", async () => {
    const { app, engine, as } = await setup();
    jest
      .spyOn(engine, 'count')
      .mockRejectedValue(new FilterQueryFailedError('ref-123', '23505'));
    const res = await request(app)
      .post('/v1/count')
      .set(as(ALICE))
      .send({ dataset: 'events', accountId: ALLOWED });
    expect(res.status).toBe(500);
    expect(res.body.error.details.referenceId).toBe('ref-123');
    expect(res.body.error.message).toContain('ref-123');
  });

  it('never echoes database error text: generic 500 with a reference id, detail logged', async () => {
    const { app, engine, logger, as } = await setup();
    jest
      .spyOn(engine, 'query')
      .mockRejectedValue(
        Object.assign(
          new Error(
            'duplicate key value violates unique constraint "users_email_key": Key (email)=(jane@customer.example)',
          ),
          { code: '23505' },
        ),
      );
    const res = await request(app)
      .post('/v1/query')
      .set(as(ALICE))
      .send({ dataset: 'events', accountId: ALLOWED });
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toMatch(/jane|customer|users_email/);
    const referenceId = res.body.error.details.referenceId;
    expect(referenceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.error.message).toContain(referenceId);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining(referenceId),
      expect.objectContaining({ message: expect.stringMatching(/jane/) }),
    );
  });

  it('validates responses against the spec', async () => {
    const { app, engine, as } = await setup();
    // A count that is not an integer breaks the document's response schema.
    jest
      .spyOn(engine, 'count')
      .mockResolvedValue({ count: 'many' } as unknown as Awaited<
        ReturnType<FilterEngine['count']>
      >);
    const res = await request(app)
      .post('/v1/count')
      .set(as(ALICE))
      .send({ dataset: 'events', accountId: ALLOWED });
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('many');
  });
});
