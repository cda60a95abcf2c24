import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  passthroughRequestTelemetry,
  permissionsByRule,
  testScheduler,
} from '@internal/plugin-platform-node/testUtils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  platformAuditReaderServiceRef,
  platformTelemetryReaderServiceRef,
} from '@internal/plugin-platform-node';
import { adoptionPlugin } from './plugin';

/** No platform backend in this test: its reader fails the way an absent platform does. */
const absentTelemetryReader = createServiceFactory({
  service: platformTelemetryReaderServiceRef,
  deps: {},
  factory: () => {
    const absent = async (): Promise<never> => {
      throw new Error('platform backend not in this test backend');
    };
    return {
      bucketBoundsMs: [1],
      requestMinutes: absent,
      pageLoadMinutes: absent,
      requestsByTeam: absent,
    };
  },
});

const absentAuditReader = createServiceFactory({
  service: platformAuditReaderServiceRef,
  deps: {},
  factory: () => ({
    activityByTeam: async () => {
      throw new Error('platform backend not in this test backend');
    },
  }),
});

jest.setTimeout(120_000);

const ADMIN = 'user:default/sre-alice';
const ENGINEER = 'user:default/dashboards-dan';

describe('adoption backend plugin over HTTP (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let server: any;

  beforeAll(async () => {
    const knex = await databases.init('POSTGRES_18');
    const backend = await startTestBackend({
      features: [
        adoptionPlugin,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: { adoption: { shimReporters: ['legacy-reports'] } },
        }),
        catalogServiceMock.factory({
          entities: ['dashboards', 'explore'].map(name => ({
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Group',
            metadata: {
              name,
              namespace: 'default',
              annotations: { 'platform.portal/team-kind': 'feature-team' },
            },
            spec: { type: 'team', children: [] },
          })),
        }),
        permissionsByRule(
          ({ permission }, principal) =>
            principal.userEntityRef === ADMIN ||
            permission.attributes.action === 'read',
        ),
        testScheduler('never'),
        passthroughRequestTelemetry,
        absentTelemetryReader,
        absentAuditReader,
      ],
    });
    server = backend.server;
  });

  const as = (user: string) => ({
    Authorization: mockCredentials.user.header(user),
  });

  it('requires authentication', async () => {
    const res = await request(server)
      .get('/api/adoption/v1/matrix')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('serves the matrix, saying which evidence sources were unreachable', async () => {
    const res = await request(server)
      .get('/api/adoption/v1/matrix')
      .set(as(ENGINEER));
    expect(res.status).toBe(200);
    expect(res.body.teams).toEqual([
      'group:default/dashboards',
      'group:default/explore',
    ]);
    expect(res.body.cells).toHaveLength(6);
    // No platform or authz plugin in this backend: shown, not hidden.
    const telemetry = res.body.sources.find(
      (s: any) => s.name === 'platform request telemetry',
    );
    expect(telemetry).toMatchObject({
      ok: false,
      detail: expect.stringContaining('platform backend not in this test'),
    });
    expect(
      res.body.sources.find((s: any) => s.name === 'platform audit store'),
    ).toMatchObject({
      ok: false,
      detail: expect.stringContaining('platform backend not in this test'),
    });
  });

  it('records legacy calls from allow-listed services only, and validates input', async () => {
    const body = {
      calls: [
        {
          team: 'dashboards',
          capability: 'export',
          legacyPath: 'GET /dashboards/:id/export.csv',
          at: new Date().toISOString(),
          count: 3,
        },
      ],
    };
    const ok = await request(server)
      .post('/api/adoption/v1/legacy-calls')
      .set(
        'Authorization',
        mockCredentials.service.header({
          onBehalfOf: mockCredentials.service('legacy-reports'),
          targetPluginId: 'adoption',
        }),
      )
      .send(body);
    expect(ok.status).toBe(202);
    const other = await request(server)
      .post('/api/adoption/v1/legacy-calls')
      .set(
        'Authorization',
        mockCredentials.service.header({
          onBehalfOf: mockCredentials.service('somebody'),
          targetPluginId: 'adoption',
        }),
      )
      .send(body);
    expect(other.status).toBe(403);
    const engineer = await request(server)
      .post('/api/adoption/v1/legacy-calls')
      .set(as(ENGINEER))
      .send(body);
    expect(engineer.status).toBe(403);
    const bad = await request(server)
      .post('/api/adoption/v1/legacy-calls')
      .set(as(ADMIN))
      .send({ calls: [{ ...body.calls[0], capability: 'billing' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('capability');

    const m = await request(server)
      .get('/api/adoption/v1/matrix')
      .set(as(ENGINEER));
    const cell = m.body.cells.find(
      (c: any) =>
        c.team === 'group:default/dashboards' && c.capability === 'export',
    );
    expect(cell).toMatchObject({ phase: 2, evidence: { legacyCalls30d: 3 } });
  });

  it('lets admins edit risks, not engineers', async () => {
    const denied = await request(server)
      .patch('/api/adoption/v1/risks/staffing-delay')
      .set(as(ENGINEER))
      .send({ status: 'mitigating' });
    expect(denied.status).toBe(403);
    const ok = await request(server)
      .patch('/api/adoption/v1/risks/staffing-delay')
      .set(as(ADMIN))
      .send({ status: 'mitigating' });
    expect(ok.status).toBe(200);
    expect(ok.body.item.status).toBe('mitigating');
    expect(ok.body.history[0].editedBy).toBe(ADMIN);
    const bad = await request(server)
      .patch('/api/adoption/v1/risks/staffing-delay')
      .set(as(ADMIN))
      .send({ status: 'gone' });
    expect(bad.status).toBe(400);
  });

  it('serves scorecards for every feature team and 404 for others', async () => {
    const res = await request(server)
      .get('/api/adoption/v1/scorecards')
      .set(as(ENGINEER));
    expect(res.status).toBe(200);
    expect(res.body.scorecards).toHaveLength(2);
    const missing = await request(server)
      .get('/api/adoption/v1/teams/nobody/scorecard')
      .set(as(ENGINEER));
    expect(missing.status).toBe(404);
  });
});
