import request from 'supertest';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { seedProductData } from '@internal/dev-database';
import {
  ActivePortalPolicy,
  PortalPolicy,
  portalPolicyServiceRef,
} from '@internal/plugin-authz-node';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import {
  connectionOfKnex,
  demoEventsDatasetConfig,
} from '@internal/plugin-filters-node/testUtils';
import {
  recordingEvents,
  waitFor,
} from '@internal/plugin-platform-node/testUtils';
import { busiestAccountIn } from './__testUtils__/exportsTestBackend';
import { OrgCatalog } from './service/access/__testUtils__/orgCatalog';
import { accountActRevokingPortalPolicy } from './service/access/__testUtils__/revokingPortalPolicy';
import { exportsPlugin } from './plugin';

jest.setTimeout(120_000);

const ANNA = 'user:default/anna';

/**
 * The plugin as wired: with `permission.enabled` the runner re-authorizes each job from the
 * catalog through the Rego portal policy in force (portalPolicyServiceRef, here one the test
 * activates revisions on, as the authz backend does). Requests are allowed by the (mocked) permission
 * service, standing for a token issued before the team's grants changed.
 */
describe('exports plugin: run-time re-authorization (real Postgres, real policy)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  const catalog = new OrgCatalog();
  const portalPolicy = new ActivePortalPolicy({ waitMs: 1_000 });
  let repositoryPolicy: PortalPolicy;
  let server: any;
  let stop: () => Promise<void>;
  let us: string;
  let eu: string;

  beforeAll(async () => {
    const product = await databases.init('POSTGRES_18');
    const own = await databases.init('POSTGRES_18');
    await seedProductData(product, { eventRows: 2000 });
    us = await busiestAccountIn(product, 'us');
    eu = await busiestAccountIn(product, 'eu');
    catalog.team('payments', { accountAccess: us }).user('anna', ['payments']);
    repositoryPolicy = await PortalPolicy.load({
      pluginIds: PORTAL_PLUGIN_IDS,
    });
    portalPolicy.activate(repositoryPolicy);
    const backend = await startTestBackend({
      features: [
        exportsPlugin,
        mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
        mockServices.database.factory({ knex: own }),
        createServiceFactory({
          service: portalPolicyServiceRef,
          deps: {},
          factory: () => portalPolicy,
        }),
        createServiceFactory({
          service: catalogServiceRef,
          deps: {},
          factory: () => catalog.service as CatalogService,
        }),
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: {
              orgLocations: [{ type: 'file', target: '/org/catalog/org.yaml' }],
            },
            platform: {
              productDatabase: {
                connection: JSON.parse(
                  JSON.stringify(connectionOfKnex(product)),
                ),
              },
              datasets: { events: demoEventsDatasetConfig() },
            },
            exports: {
              signingSecret: 'exports-run-time-access-test',
              pollSeconds: 0.1,
              heartbeatSeconds: 0.2,
            },
          },
        }),
        recordingEvents([]),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
  });
  afterAll(async () => {
    await stop?.();
  });

  async function exportOf(accountId: string) {
    const created = await request(server)
      .post('/api/exports/v1/exports')
      .set('Authorization', mockCredentials.user.header(ANNA))
      .send({
        dataset: 'events',
        accountId,
        format: 'csv',
        fields: ['id', 'event_type'],
        delivery: { type: 'download' },
      });
    expect(created.status).toBe(202);
    return waitFor(async () => {
      const res = await request(server)
        .get(`/api/exports/v1/exports/${created.body.id}`)
        .set('Authorization', mockCredentials.user.header(ANNA));
      return ['succeeded', 'failed'].includes(res.body.status)
        ? res.body
        : undefined;
    }, 60_000);
  }

  const revokedActFor = (accountId: string) => ({
    status: 'failed',
    rowsWritten: 0,
    error: {
      type: 'permission_revoked',
      message: `user:default/anna may no longer act for account ${accountId} (filters.account.act)`,
    },
  });

  it("runs the export of an account anna's team may act for", async () => {
    const job = await exportOf(us);
    expect(job).toMatchObject({ status: 'succeeded', error: null });
    expect(job.rowsWritten).toBeGreaterThan(0);
  });

  it('re-checks with the portal revision in force when the job runs', async () => {
    // The team still has the account; an admin activated a revision denying account access.
    portalPolicy.activate(await accountActRevokingPortalPolicy());
    try {
      expect(await exportOf(us)).toMatchObject(revokedActFor(us));
    } finally {
      portalPolicy.activate(repositoryPolicy);
    }
    expect(await exportOf(us)).toMatchObject({ status: 'succeeded' });
  });

  it('fails with permission_revoked when the team does not (or no longer) have the account', async () => {
    expect(await exportOf(eu)).toMatchObject(revokedActFor(eu));
    // The grant is read again for every job: taken away now, the next export fails too.
    catalog.team('payments', { accountAccess: 'none' });
    expect(await exportOf(us)).toMatchObject({
      status: 'failed',
      error: { type: 'permission_revoked' },
    });
  });
});
