import { mockServices } from '@backstage/backend-test-utils';
import { ActivePortalPolicy, PortalPolicy } from '@internal/plugin-authz-node';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import { RunTimeAccessCheck } from '../ExportRunner';
import { eventsDataset } from './__testUtils__/eventsDataset';
import { OrgCatalog, orgConfig } from './__testUtils__/orgCatalog';
import { accountActRevokingPortalPolicy } from './__testUtils__/revokingPortalPolicy';
import {
  PortalUserPolicy,
  regoPortalUserPolicy,
  typescriptPortalUserPolicy,
} from './portalUserPolicy';
import { ExportJobAccess } from './requiredPermissions';
import { createRunTimeAccessCheck } from './runTimeAccessCheck';

const ACCOUNT = '0cc175b9-c0f1-b6a8-31c3-99e269772661';
const OTHER = '92eb5ffe-e6a4-4f1a-a4e8-7f0ab2ba5c3f';

const job = (overrides: Partial<ExportJobAccess> = {}): ExportJobAccess => ({
  id: 'job-1',
  dataset: 'events',
  fields: null,
  filter: null,
  account_id: ACCOUNT,
  readable_data_classes: ['public', 'pii'],
  requested_by: 'user:default/anna',
  ...overrides,
});

const engine = { getDataset: () => eventsDataset };

let rego: PortalPolicy;
beforeAll(async () => {
  // A generous evaluation limit: the test machine is shared and slow answers fail closed.
  rego = await PortalPolicy.load({
    pluginIds: PORTAL_PLUGIN_IDS,
    maxEvaluationMs: 5_000,
  });
});

// The Rego policy decides in the backend; the TypeScript one is its oracle and must agree.
describe.each([
  ['rego', () => regoPortalUserPolicy(rego)],
  ['typescript', () => typescriptPortalUserPolicy],
] as [string, () => PortalUserPolicy][])(
  'run-time access check (%s portal policy)',
  (_kind, policy) => {
    let catalog: OrgCatalog;
    let auditor: ReturnType<typeof mockServices.auditor.mock>;
    let check: RunTimeAccessCheck;
    beforeEach(() => {
      catalog = new OrgCatalog()
        .team('payments', { accountAccess: ACCOUNT, dataClasses: 'pii' })
        .team('dashboards', { accountAccess: OTHER })
        .user('anna', ['payments']);
      auditor = mockServices.auditor.mock();
      check = createRunTimeAccessCheck({
        config: orgConfig(),
        catalog: catalog.service,
        auth: mockServices.auth(),
        policy: policy(),
        engine,
        auditor,
      });
    });

    it('lets the job run while the team still has the account and the data classes', async () => {
      await expect(check(job() as any)).resolves.toBeUndefined();
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'export-access-rechecked',
          meta: expect.objectContaining({ exportId: 'job-1' }),
        }),
      );
    });

    it('names the account when the team lost it', async () => {
      catalog.team('payments', { accountAccess: OTHER, dataClasses: 'pii' });
      await expect(check(job() as any)).resolves.toBe(
        `user:default/anna may no longer act for account ${ACCOUNT} (filters.account.act)`,
      );
    });

    it('names the data class when the PII grant was taken away', async () => {
      catalog.team('payments', { accountAccess: ACCOUNT });
      await expect(check(job() as any)).resolves.toBe(
        'user:default/anna may no longer read data class pii (filters.data-class.read)',
      );
      // A job that reads public fields only is not affected.
      await expect(
        check(job({ readable_data_classes: ['public'] }) as any),
      ).resolves.toBeUndefined();
    });

    it('stops a job for a lost data class only when its fields or filter read it', async () => {
      catalog.team('payments', { accountAccess: ACCOUNT });
      const publicFields = { fields: ['id', 'event_type', 'country'] };
      await expect(check(job(publicFields) as any)).resolves.toBeUndefined();
      await expect(
        check(
          job({
            ...publicFields,
            filter: {
              combinator: 'and',
              rules: [{ field: 'email', operator: 'eq', value: 'a@b.c' }],
            },
          }) as any,
        ),
      ).resolves.toMatch(/read data class pii/);
      await expect(
        check(job({ fields: ['id', 'email'] }) as any),
      ).resolves.toMatch(/read data class pii/);
    });

    it('revokes when the user moved to a team without the account', async () => {
      catalog.user('anna', ['dashboards']);
      await expect(check(job() as any)).resolves.toMatch(
        /act for account .* read data class pii/,
      );
    });

    it('keeps team grants from outside the organisation locations out', async () => {
      catalog.user('anna', ['payments'], { foreign: true });
      await expect(check(job() as any)).resolves.toBe(
        "user:default/anna is no longer a user of the organisation's catalog",
      );
      catalog.remove('user:default/anna');
      await expect(check(job() as any)).resolves.toMatch(/no longer a user/);
    });

    it('lets platform admins act for every account but still needs the PII grant', async () => {
      catalog.team('sre', { accountAccess: '*' }).user('anna', ['sre']);
      await expect(
        check(job({ readable_data_classes: ['public'] }) as any),
      ).resolves.toBeUndefined();
      await expect(check(job() as any)).resolves.toMatch(/data class pii/);
    });

    it('throws (never allows) when the catalog cannot be read, and audits the failure', async () => {
      catalog.unreachable = true;
      await expect(check(job() as any)).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
      });
      const event = await auditor.createEvent.mock.results[0].value;
      expect(event.fail).toHaveBeenCalled();
      expect(event.success).not.toHaveBeenCalled();
      // Teams unreadable after the user was read: the policy cannot decide, which is no deny.
      catalog.unreachable = 'groups';
      await expect(check(job() as any)).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
      });
    });
  },
);

describe('run-time access check with the portal policy in force (rego)', () => {
  it('decides with the revision active at each check; none in force throws', async () => {
    const active = new ActivePortalPolicy({ waitMs: 20 });
    const catalog = new OrgCatalog()
      .team('payments', { accountAccess: ACCOUNT, dataClasses: 'pii' })
      .user('anna', ['payments']);
    const check = createRunTimeAccessCheck({
      config: orgConfig(),
      catalog: catalog.service,
      auth: mockServices.auth(),
      policy: regoPortalUserPolicy(active),
      engine,
    });
    // No revision active yet: fail closed with a retryable error, never an allow.
    await expect(check(job() as any)).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
    });
    active.activate(rego);
    await expect(check(job() as any)).resolves.toBeUndefined();
    // An admin activates a stricter revision after the request: the same job is revoked.
    active.activate(
      await accountActRevokingPortalPolicy({ maxEvaluationMs: 5_000 }),
    );
    await expect(check(job() as any)).resolves.toBe(
      `user:default/anna may no longer act for account ${ACCOUNT} (filters.account.act)`,
    );
    active.fail(new Error('stored revision did not load'));
    await expect(check(job() as any)).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
    });
  });
});

describe('run-time access check of service principals', () => {
  const check = (externalAccess: object[], extra: object = {}) =>
    createRunTimeAccessCheck({
      config: orgConfig({ backend: { auth: { externalAccess } }, ...extra }),
      catalog: new OrgCatalog().service,
      auth: mockServices.auth(),
      policy: () => {
        throw new Error('services are not decided by the policy');
      },
    });
  const token = (accessRestrictions?: object[]) => ({
    type: 'static',
    options: { token: 'x'.repeat(24), subject: 'reports' },
    ...(accessRestrictions ? { accessRestrictions } : {}),
  });
  const serviceJob = (classes = ['public']) =>
    job({
      requested_by: 'service:reports',
      readable_data_classes: classes,
    }) as any;

  it('allows while the token is configured without restrictions; PII only for listed subjects', async () => {
    await expect(check([token()])(serviceJob())).resolves.toBeUndefined();
    await expect(check([token()])(serviceJob(['public', 'pii']))).resolves.toBe(
      'service:reports may no longer read data class pii (filters.data-class.read)',
    );
    await expect(
      check([token()], { filters: { piiServiceSubjects: ['reports'] } })(
        serviceJob(['public', 'pii']),
      ),
    ).resolves.toBeUndefined();
  });

  it('revokes when the token was removed or no longer lists the exports plugin', async () => {
    await expect(check([])(serviceJob())).resolves.toMatch(
      /no longer has an external access entry/,
    );
    await expect(
      check([token([{ plugin: 'catalog' }])])(serviceJob()),
    ).resolves.toMatch(/may no longer call the exports plugin/);
  });

  it('takes the jwks entry with the longest matching subject prefix, a prefix-less one last', async () => {
    const jwks = (subjectPrefix: string | undefined, plugin: string) => ({
      type: 'jwks',
      options: {
        url: 'https://issuer.example/jwks.json',
        ...(subjectPrefix ? { subjectPrefix } : {}),
      },
      accessRestrictions: [{ plugin }],
    });
    const external = (subject: string) =>
      job({
        requested_by: `service:external:${subject}`,
        readable_data_classes: ['public'],
      }) as any;
    // The prefix-less entry comes first and does not allow exports; it must not decide for
    // tokens the prefixed entries issued.
    const entries = [
      jwks(undefined, 'catalog'),
      jwks('partner', 'catalog'),
      jwks('partner:eu', 'exports'),
    ];
    await expect(
      check(entries)(external('partner:eu:bot')),
    ).resolves.toBeUndefined();
    await expect(check(entries)(external('partner:bot'))).resolves.toMatch(
      /may no longer call the exports plugin/,
    );
    await expect(check(entries)(external('other'))).resolves.toMatch(
      /may no longer call the exports plugin/,
    );
    await expect(
      check([jwks(undefined, 'exports'), jwks('partner', 'catalog')])(
        external('other'),
      ),
    ).resolves.toBeUndefined();
    await expect(
      check([jwks(undefined, 'exports'), jwks('partner', 'catalog')])(
        external('partner:bot'),
      ),
    ).resolves.toMatch(/may no longer call the exports plugin/);
  });

  it('applies the permission list of the exports restriction', async () => {
    const restricted = token([
      {
        plugin: 'exports',
        permission: ['exports.export.create', 'filters.dataset.read'],
      },
    ]);
    await expect(check([restricted])(serviceJob())).resolves.toBe(
      `service:reports may no longer act for account ${ACCOUNT} (filters.account.act), read data class public (filters.data-class.read)`,
    );
    const readOnly = token([
      { plugin: 'exports', permissionAttribute: { action: 'read' } },
    ]);
    await expect(check([readOnly])(serviceJob())).resolves.toBe(
      'service:reports may no longer create exports (exports.export.create)',
    );
  });

  it('lets other backend plugins run their jobs (Backstage does not restrict them)', async () => {
    await expect(
      check([])(
        job({
          requested_by: 'service:plugin:slo',
          readable_data_classes: ['public'],
        }) as any,
      ),
    ).resolves.toBeUndefined();
  });
});
