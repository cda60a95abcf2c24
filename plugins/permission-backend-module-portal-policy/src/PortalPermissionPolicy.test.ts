import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogEntityRefreshPermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { PortalPolicy } from '@internal/plugin-authz-node';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import {
  filtersAccountActPermission,
  filtersDataClassReadPermission,
} from '@internal/plugin-filters-common';
import {
  platformAuditReadPermission,
  platformDeadLetterReplayPermission,
  platformEventsReadPermission,
  platformRumReportPermission,
} from '@internal/plugin-platform-common';
import {
  exportsAdminPermission,
  exportsCreatePermission,
  exportsReadPermission,
} from '@internal/plugin-exports-common';
import { PortalPermissionPolicy } from './PortalPermissionPolicy';
import { RegoPortalPermissionPolicy } from './RegoPortalPermissionPolicy';
import { PortalPolicyLookups } from './lookups';

const ACCOUNT = '0cc175b9-c0f1-b6a8-31c3-99e269772661';
const refsByUser: Record<string, string[]> = {
  admin: ['user:default/priya.raman', 'group:default/platform-services'],
  engineer: ['user:default/maya.cohen', 'group:default/dashboards'],
  restricted: ['user:default/anna.berg', 'group:default/collaboration'],
  listed: ['user:default/someone', 'group:default/pilot'],
  sre: ['user:default/grace.liu', 'group:default/sre'],
  analyst: ['user:default/ana.lyst', 'group:default/risk'],
};
const accessByGroup: Record<string, 'all' | Set<string>> = {
  'group:default/dashboards': 'all',
  'group:default/collaboration': new Set(),
  'group:default/pilot': new Set([ACCOUNT]),
};
const classesByGroup: Record<string, string[]> = {
  'group:default/platform-services': ['pii'],
  'group:default/sre': ['pii'],
  'group:default/risk': ['pii', 'financial'],
};

const lookups: PortalPolicyLookups = {
  ownershipRefs: async user =>
    refsByUser[user.credentials.principal as unknown as string],
  accountAccess: async groups => {
    const granted = new Set<string>();
    for (const group of groups) {
      const access = accessByGroup[group] ?? new Set();
      if (access === 'all') return 'all';
      access.forEach(id => granted.add(id));
    }
    return granted;
  },
  dataClasses: async groups =>
    new Set(groups.flatMap(group => classesByGroup[group] ?? [])),
};
const as = (name: string) =>
  ({ credentials: { principal: name } } as unknown as PolicyQueryUser);

const replay = platformDeadLetterReplayPermission;
const auditRead = platformAuditReadPermission;
const rumReport = platformRumReportPermission;
const eventsRead = platformEventsReadPermission;
const dataClass = filtersDataClassReadPermission;
const actFor = filtersAccountActPermission;

// The same cases, unchanged, for the TypeScript original and the Rego policy the backend runs.
let rego: PortalPolicy;
beforeAll(async () => {
  rego = await PortalPolicy.load({ pluginIds: PORTAL_PLUGIN_IDS });
});
const implementations: [
  string,
  (deps: PortalPolicyLookups) => PermissionPolicy,
][] = [
  [
    'PortalPermissionPolicy (TypeScript)',
    deps => new PortalPermissionPolicy(deps),
  ],
  [
    'RegoPortalPermissionPolicy (policies/portal)',
    deps => new RegoPortalPermissionPolicy({ ...deps, policy: rego }),
  ],
];

describe.each(implementations)('%s', (_, make) => {
  let policy: PermissionPolicy;
  beforeAll(() => {
    policy = make(lookups);
  });

  it('lets platform admins do everything', async () => {
    for (const permission of [replay, auditRead, eventsRead, actFor]) {
      expect((await policy.handle({ permission }, as('admin'))).result).toBe(
        AuthorizeResult.ALLOW,
      );
    }
  });

  const readableClasses = async (who: string) => {
    const decision = await policy.handle({ permission: dataClass }, as(who));
    expect(decision).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'filters',
      resourceType: 'filters-data-class',
      conditions: { rule: 'DATA_CLASS_IN', resourceType: 'filters-data-class' },
    });
    return (
      decision as unknown as { conditions: { params: { classes: string[] } } }
    ).conditions.params.classes;
  };

  it('grants data classes beyond public by team annotation, admin or not', async () => {
    expect(await readableClasses('admin')).toEqual(['pii', 'public']);
    expect(await readableClasses('sre')).toEqual(['pii', 'public']);
    expect(await readableClasses('analyst')).toEqual([
      'financial',
      'pii',
      'public',
    ]);
    expect(await readableClasses('engineer')).toEqual(['public']);
  });

  it('gives an admin whose team holds no data class only public fields', async () => {
    const adminWithoutPii = make({
      ownershipRefs: async () => refsByUser.admin,
      accountAccess: async () => 'all',
      dataClasses: async () => new Set(),
    });
    expect(
      await adminWithoutPii.handle({ permission: dataClass }, as('admin')),
    ).toMatchObject({ conditions: { params: { classes: ['public'] } } });
    expect(
      (await adminWithoutPii.handle({ permission: replay }, as('admin')))
        .result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('lets only platform admins register or remove catalog locations and entities', async () => {
    for (const permission of [
      catalogLocationCreatePermission,
      catalogLocationDeletePermission,
      catalogEntityDeletePermission,
    ]) {
      expect((await policy.handle({ permission }, as('admin'))).result).toBe(
        AuthorizeResult.ALLOW,
      );
      for (const who of ['engineer', 'restricted', 'listed']) {
        expect((await policy.handle({ permission }, as(who))).result).toBe(
          AuthorizeResult.DENY,
        );
      }
      expect((await policy.handle({ permission })).result).toBe(
        AuthorizeResult.DENY,
      );
    }
    for (const permission of [
      catalogEntityReadPermission,
      catalogEntityRefreshPermission,
    ]) {
      expect((await policy.handle({ permission }, as('engineer'))).result).toBe(
        AuthorizeResult.ALLOW,
      );
    }
  });

  it('keeps mutations and audit reads of portal plugins from other engineers', async () => {
    expect(
      (await policy.handle({ permission: replay }, as('engineer'))).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (await policy.handle({ permission: auditRead }, as('engineer'))).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (await policy.handle({ permission: eventsRead }, as('engineer'))).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('lets every engineer report their own page-load timings', async () => {
    expect(
      (await policy.handle({ permission: rumReport }, as('engineer'))).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('lets every engineer create and read exports (the account is checked by filters.account.act) but keeps the exports admin view to admins', async () => {
    for (const permission of [exportsCreatePermission, exportsReadPermission]) {
      expect((await policy.handle({ permission }, as('engineer'))).result).toBe(
        AuthorizeResult.ALLOW,
      );
    }
    expect(
      (
        await policy.handle(
          { permission: exportsAdminPermission },
          as('engineer'),
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (await policy.handle({ permission: exportsAdminPermission }, as('admin')))
        .result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (await policy.handle({ permission: exportsCreatePermission })).result,
    ).toBe(AuthorizeResult.DENY);
  });

  it('answers data-class reads of other engineers with a condition allowing only public', async () => {
    expect(
      await policy.handle({ permission: dataClass }, as('engineer')),
    ).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'filters',
      resourceType: 'filters-data-class',
      conditions: {
        rule: 'DATA_CLASS_IN',
        resourceType: 'filters-data-class',
        params: { classes: ['public'] },
      },
    });
  });

  it('grants account access per team annotation', async () => {
    const granted = await policy.handle({ permission: actFor }, as('engineer'));
    const refused = await policy.handle(
      { permission: actFor },
      as('restricted'),
    );
    const listed = await policy.handle({ permission: actFor }, as('listed'));
    expect(granted.result).toBe(AuthorizeResult.ALLOW);
    expect(refused.result).toBe(AuthorizeResult.DENY);
    expect(listed).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      conditions: { rule: 'ACCOUNT_IN', params: { accountIds: [ACCOUNT] } },
    });
  });
});
