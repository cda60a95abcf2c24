import request from 'supertest';
import fc from 'fast-check';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { seedProductData } from '@internal/dev-database';
import {
  connectionOfKnex,
  demoEventsDatasetConfig,
} from '@internal/plugin-filters-node/testUtils';
import { Knex } from 'knex';
import { requestTelemetryServiceRef } from '@internal/plugin-platform-node';
import {
  recordingEvents,
  RecordedEvent,
} from '@internal/plugin-platform-node/testUtils';
import { filtersPlugin } from './plugin';

jest.setTimeout(120_000);

const SRE = 'user:default/sre-alice';
const ANALYST = 'user:default/analyst-bob';

describe('filters backend plugin (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let db: { knex: Knex };
  let server: any;
  let accounts: string[];
  const events: RecordedEvent[] = [];
  let telemetryCalls = 0;
  const checks: { user?: string; permission: string; resourceRef?: string }[] =
    [];

  beforeAll(async () => {
    const knex = await databases.init('POSTGRES_18');
    await seedProductData(knex, { eventRows: 3000 });
    db = { knex };
    accounts = (
      await db
        .knex('events')
        .select('account_id')
        .count('* as n')
        .groupBy('account_id')
        .orderBy('n', 'desc')
    ).map(r => String(r.account_id));
    const connection = JSON.parse(JSON.stringify(connectionOfKnex(db.knex)));
    // The portal's policy, reduced to what these tests need: SRE may do everything; the
    // analyst may act for the largest account only and may not read PII.
    const permissions = createServiceFactory({
      service: coreServices.permissions,
      deps: {},
      factory: () => ({
        async authorize(requests: any[], options: any) {
          const p = options.credentials.principal;
          const user = p.type === 'user' ? p.userEntityRef : undefined;
          return requests.map(r => {
            checks.push({
              user,
              permission: r.permission.name,
              resourceRef: r.resourceRef,
            });
            if (p.type === 'service' || user === SRE)
              return { result: AuthorizeResult.ALLOW };
            if (r.permission.name === 'filters.account.act')
              return {
                result:
                  r.resourceRef === accounts[0]
                    ? AuthorizeResult.ALLOW
                    : AuthorizeResult.DENY,
              };
            if (r.permission.name === 'filters.data-class.read')
              return { result: AuthorizeResult.DENY };
            return { result: AuthorizeResult.ALLOW };
          });
        },
        // filters.account.act for lists: SRE and services all accounts, the analyst the
        // largest account (ACCOUNT_IN), anyone else none.
        async authorizeConditional(requests: any[], options: any) {
          const p = options.credentials.principal;
          const user = p.type === 'user' ? p.userEntityRef : undefined;
          return requests.map(() => {
            if (p.type === 'service' || user === SRE)
              return { result: AuthorizeResult.ALLOW };
            if (user === ANALYST)
              return {
                result: AuthorizeResult.CONDITIONAL,
                pluginId: 'filters',
                resourceType: 'filters-account',
                conditions: {
                  anyOf: [
                    {
                      rule: 'ACCOUNT_IN',
                      resourceType: 'filters-account',
                      params: { accountIds: [accounts[0]] },
                    },
                  ],
                },
              };
            return { result: AuthorizeResult.DENY };
          });
        },
      }),
    });
    const backend = await startTestBackend({
      features: [
        filtersPlugin,
        permissions,
        mockServices.rootConfig.factory({
          data: {
            platform: {
              productDatabase: { connection },
              datasets: {
                events: demoEventsDatasetConfig(),
                strict: demoEventsDatasetConfig({ costThreshold: 5 }),
              },
            },
          },
        }),
        recordingEvents(events),
        createServiceFactory({
          service: requestTelemetryServiceRef,
          deps: {},
          factory: () => ({
            middleware: () => (_req: any, _res: any, next: any) => {
              telemetryCalls++;
              next();
            },
          }),
        }),
      ],
    });
    server = backend.server;
  });

  const as = (user: string) => ({
    Authorization: mockCredentials.user.header(user),
  });

  it('requires authentication', async () => {
    const res = await request(server)
      .get('/api/filters/v1/datasets')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
    const bad = await request(server)
      .post('/api/filters/v1/query')
      .set('Authorization', 'Bearer not-a-token')
      .send({});
    expect(bad.status).toBe(401);
  });

  it('lists datasets without storage details, through the telemetry middleware', async () => {
    const before = telemetryCalls;
    const res = await request(server)
      .get('/api/filters/v1/datasets')
      .set(as(ANALYST));
    expect(res.status).toBe(200);
    expect(res.body.datasets.map((d: any) => d.id)).toEqual([
      'events',
      'strict',
    ]);
    expect(
      res.body.datasets[0].fields.find((f: any) => f.name === 'email'),
    ).toMatchObject({ dataClass: 'pii' });
    expect(JSON.stringify(res.body)).not.toMatch(
      /password|"table"|tenantColumn/,
    );
    expect(telemetryCalls).toBe(before + 1);
    const schema = await request(server)
      .get('/api/filters/v1/schema')
      .set(as(ANALYST));
    expect(schema.body.$ref).toBe('#/definitions/group');
  });

  it('queries an authorized account: rows of that account only, PII omitted for the analyst', async () => {
    const res = await request(server)
      .post('/api/filters/v1/query')
      .set(as(ANALYST))
      .send({
        dataset: 'events',
        accountId: accounts[0],
        limit: 1000,
        filter: {
          combinator: 'and',
          rules: [{ field: 'event_type', operator: 'eq', value: 'query.run' }],
        },
      });
    expect(res.status).toBe(200);
    expect(res.body.omittedFields).toEqual(['email']);
    const ids = res.body.rows.map((r: any) => r.id);
    const owners = await db
      .knex('events')
      .whereIn('id', ids)
      .distinct('account_id');
    expect(owners.map(o => String(o.account_id))).toEqual([accounts[0]]);
    expect(res.body.stats).toMatchObject({
      servedBy: 'primary',
      rowsReturned: ids.length,
    });
    expect(
      events.some(
        e =>
          e.name === 'filter.applied' &&
          e.identity.user_id === ANALYST &&
          e.identity.account_id === accounts[0],
      ),
    ).toBe(true);
    expect(checks).toContainEqual({
      user: ANALYST,
      permission: 'filters.account.act',
      resourceRef: accounts[0],
    });
  });

  it('refuses an account the caller may not act for (403 naming accountId), whatever the body says', async () => {
    const res = await request(server)
      .post('/api/filters/v1/count')
      .set(as(ANALYST))
      .send({ dataset: 'events', accountId: accounts[1] });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /^accountId: you are not authorized to act for account/,
    );
    const sre = await request(server)
      .post('/api/filters/v1/count')
      .set(as(SRE))
      .send({ dataset: 'events', accountId: accounts[1] });
    expect(sre.status).toBe(200);
    const expected = await db
      .knex('events')
      .where('account_id', accounts[1])
      .count('* as n');
    expect(sre.body.count).toBe(Number(expected[0].n));
  });

  it('refuses PII filters for the analyst and allows them for SRE', async () => {
    const body = {
      dataset: 'events',
      accountId: accounts[0],
      filter: {
        combinator: 'and',
        rules: [{ field: 'email', operator: 'contains', value: '@' }],
      },
    };
    const denied = await request(server)
      .post('/api/filters/v1/count')
      .set(as(ANALYST))
      .send(body);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/filter.rules\[0\].field/);
    const allowed = await request(server)
      .post('/api/filters/v1/count')
      .set(as(SRE))
      .send(body);
    expect(allowed.status).toBe(200);
  });

  it('invalid filters give 400 with every path; unknown body keys too', async () => {
    const res = await request(server)
      .post('/api/filters/v1/query')
      .set(as(SRE))
      .send({
        dataset: 'events',
        accountId: accounts[0],
        filter: {
          combinator: 'and',
          rules: [
            { field: 'amount', operator: 'eq', value: 'x' },
            { field: 'nope', operator: 'eq', value: 1 },
          ],
        },
      });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i: any) => i.path)).toEqual([
      'filter.rules[0].value',
      'filter.rules[1].field',
    ]);
    const extra = await request(server)
      .post('/api/filters/v1/query')
      .set(as(SRE))
      .send({ dataset: 'events', accountId: accounts[0], account_id: 'x' });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/account_id/);
    expect(extra.body.error.details.issues).toEqual([
      { path: 'account_id', message: 'is not a known property' },
    ]);
    // Checked against the OpenAPI document before the engine sees it: still a path per issue.
    const shape = await request(server)
      .post('/api/filters/v1/count')
      .set(as(SRE))
      .send({
        dataset: 'events',
        accountId: accounts[0],
        filter: {
          combinator: 'and',
          rules: [
            { field: 'amount', operator: 'approx', value: 1 },
            { combinator: 'xor', rules: [] },
          ],
        },
      });
    expect(shape.status).toBe(400);
    expect(shape.body.error.details.issues.map((i: any) => i.path)).toEqual([
      'filter.rules[0].operator',
      'filter.rules[1].combinator',
    ]);
    const badAccount = await request(server)
      .post('/api/filters/v1/query')
      .set(as(SRE))
      .send({ dataset: 'events', accountId: "' OR 1=1" });
    expect(badAccount.status).toBe(400);
    expect(badAccount.body.error.message).toMatch(
      /^Invalid request: accountId: must be a UUID/,
    );
    expect(badAccount.body.error.details.issues).toEqual([
      { path: 'accountId', message: 'must be a UUID' },
    ]);
  });

  it('the cost gate answers 422 with estimated cost, threshold and indexed fields, and emits filter.rejected', async () => {
    const res = await request(server)
      .post('/api/filters/v1/count')
      .set(as(SRE))
      .send({ dataset: 'strict', accountId: accounts[0] });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toMatchObject({
      reason: 'cost',
      costThreshold: 5,
      suggestedFields: ['occurred_at', 'event_type', 'user_id'],
    });
    expect(res.body.error.details.estimatedCost).toBeGreaterThan(5);
    expect(
      events.some(
        e => e.name === 'filter.rejected' && e.properties.threshold === 5,
      ),
    ).toBe(true);
    const explain = await request(server)
      .post('/api/filters/v1/explain')
      .set(as(SRE))
      .send({ dataset: 'strict', accountId: accounts[0], kind: 'count' });
    expect(explain.status).toBe(200);
    expect(explain.body).toMatchObject({ wouldRun: false, costThreshold: 5 });
  });

  it('searches accounts by name within what the caller may act for, paged', async () => {
    const [first] = await db
      .knex('accounts')
      .where('id', accounts[0])
      .select('name', 'plan', 'region');
    const word = String(first.name).split(' ')[0];
    const sre = await request(server)
      .get('/api/filters/v1/accounts')
      .query({ q: word.toLowerCase(), limit: '2' })
      .set(as(SRE));
    expect(sre.status).toBe(200);
    const expected = await db
      .knex('accounts')
      .where('name', 'ilike', `%${word}%`)
      .orderBy([{ column: 'name' }, { column: 'id' }])
      .select('id', 'name', 'plan', 'region');
    expect(sre.body.accounts).toEqual(expected.slice(0, 2));
    expect(sre.body.nextOffset).toBe(expected.length > 2 ? 2 : null);

    // The analyst may act for accounts[0] only: the same condition, applied in the SQL.
    const analyst = await request(server)
      .get('/api/filters/v1/accounts')
      .query({ q: word })
      .set(as(ANALYST));
    expect(analyst.status).toBe(200);
    expect(analyst.body).toEqual({
      accounts: [{ id: accounts[0], ...first }],
      nextOffset: null,
    });
    const other = await request(server)
      .get('/api/filters/v1/accounts')
      .query({ q: accounts[1] })
      .set(as(ANALYST));
    expect(other.body.accounts).toEqual([]);
    const byId = await request(server)
      .get('/api/filters/v1/accounts')
      .query({ q: accounts[1].toUpperCase() })
      .set(as(SRE));
    expect(byId.body.accounts.map((a: any) => a.id)).toEqual([accounts[1]]);
    // A form-encoded space (`+`) is a space.
    const plus = await request(server)
      .get(
        `/api/filters/v1/accounts?q=${encodeURIComponent(first.name).replace(
          /%20/g,
          '+',
        )}`,
      )
      .set(as(SRE));
    expect(plus.status).toBe(200);
    expect(plus.body.accounts.map((a: any) => a.id)).toContain(accounts[0]);
    // LIKE wildcards in q are literal.
    const wildcard = await request(server)
      .get('/api/filters/v1/accounts')
      .query({ q: '%' })
      .set(as(SRE));
    expect(wildcard.body.accounts).toEqual([]);
  });

  it('refuses account searches with a long q or a bad page size, naming the parameter', async () => {
    const long = await request(server)
      .get('/api/filters/v1/accounts')
      .query({ q: 'x'.repeat(101) })
      .set(as(SRE));
    expect(long.status).toBe(400);
    expect(long.body.error.details.issues[0].path).toBe('q');
    const limit = await request(server)
      .get('/api/filters/v1/accounts')
      .query({ limit: '500' })
      .set(as(SRE));
    expect(limit.status).toBe(400);
    expect(limit.body.error.details.issues[0].path).toBe('limit');
    const unknown = await request(server)
      .get('/api/filters/v1/accounts')
      .query({ account: 'x' })
      .set(as(SRE));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/account/);
  });

  it('applies the portal policy conditions (ACCOUNT_IN, not DATA_CLASS_IN) through the permission integration endpoint', async () => {
    const items = [
      {
        id: '1',
        resourceRef: accounts[0],
        resourceType: 'filters-account',
        conditions: {
          rule: 'ACCOUNT_IN',
          resourceType: 'filters-account',
          params: { accountIds: [accounts[0]] },
        },
      },
      {
        id: '2',
        resourceRef: accounts[1],
        resourceType: 'filters-account',
        conditions: {
          rule: 'ACCOUNT_IN',
          resourceType: 'filters-account',
          params: { accountIds: [accounts[0]] },
        },
      },
      {
        id: '3',
        resourceRef: 'pii',
        resourceType: 'filters-data-class',
        conditions: {
          not: {
            rule: 'DATA_CLASS_IN',
            resourceType: 'filters-data-class',
            params: { classes: ['pii'] },
          },
        },
      },
      {
        id: '4',
        resourceRef: 'public',
        resourceType: 'filters-data-class',
        conditions: {
          not: {
            rule: 'DATA_CLASS_IN',
            resourceType: 'filters-data-class',
            params: { classes: ['pii'] },
          },
        },
      },
    ];
    const res = await request(server)
      .post('/api/filters/.well-known/backstage/permissions/apply-conditions')
      .set('Authorization', mockCredentials.service.header())
      .send({ items });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => [i.id, i.result])).toEqual([
      ['1', 'ALLOW'],
      ['2', 'DENY'],
      ['3', 'DENY'],
      ['4', 'ALLOW'],
    ]);
    const metadata = await request(server)
      .get('/api/filters/.well-known/backstage/permissions/metadata')
      .set('Authorization', mockCredentials.service.header());
    expect(metadata.body.permissions.map((p: any) => p.name).sort()).toEqual([
      'filters.account.act',
      'filters.data-class.read',
      'filters.dataset.read',
    ]);
    expect(metadata.body.rules.map((r: any) => r.name).sort()).toEqual([
      'ACCOUNT_IN',
      'DATA_CLASS_IN',
    ]);
  });

  it('random hostile bodies never produce a 5xx', async () => {
    const bodies = fc.sample(
      fc.oneof(
        fc.anything(),
        fc.record(
          {
            dataset: fc.oneof(fc.constant('events'), fc.string()),
            accountId: fc.oneof(fc.constant('ACCOUNT'), fc.uuid(), fc.string()),
            filter: fc.oneof(
              fc.anything(),
              fc.record({
                combinator: fc.constantFrom('and', 'or', 'xor'),
                rules: fc.array(
                  fc.record({
                    field: fc.constantFrom(
                      'amount',
                      'country',
                      'occurred_at',
                      "x'; --",
                    ),
                    operator: fc.constantFrom(
                      'eq',
                      'in',
                      'between',
                      'in_last',
                      'contains',
                    ),
                    value: fc.anything(),
                  }),
                  { maxLength: 5 },
                ),
              }),
            ),
            limit: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.anything()),
            cursor: fc.oneof(fc.string(), fc.anything()),
          },
          { requiredKeys: [] },
        ),
      ),
      { numRuns: 300, seed: 3 },
    );
    for (const body of bodies) {
      const fixed =
        body &&
        typeof body === 'object' &&
        (body as any).accountId === 'ACCOUNT'
          ? { ...(body as any), accountId: accounts[0] }
          : body;
      const res = await request(server)
        .post('/api/filters/v1/query')
        .set(as(SRE))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(fixed ?? null));
      if (res.status >= 500)
        throw new Error(
          `5xx for ${JSON.stringify(fixed)}: ${JSON.stringify(res.body)}`,
        );
      expect(
        res.status === 200 || (res.status >= 400 && res.status < 500),
      ).toBe(true);
    }
  });
});
