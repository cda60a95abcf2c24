import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { PortalPermissionPolicy } from './PortalPermissionPolicy';

const ACCOUNT = '0cc175b9-c0f1-b6a8-31c3-99e269772661';
const refsByUser: Record<string, string[]> = {
  admin: ['user:default/priya.raman', 'group:default/platform-services'],
  engineer: ['user:default/maya.cohen', 'group:default/dashboards'],
  restricted: ['user:default/anna.berg', 'group:default/collaboration'],
  listed: ['user:default/someone', 'group:default/pilot'],
};
const accessByGroup: Record<string, 'all' | Set<string>> = {
  'group:default/dashboards': 'all',
  'group:default/collaboration': new Set(),
  'group:default/pilot': new Set([ACCOUNT]),
};

const policy = new PortalPermissionPolicy({
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
});
const as = (name: string) =>
  ({ credentials: { principal: name } } as unknown as PolicyQueryUser);

const replay = createPermission({
  name: 'platform.dead-letter.replay',
  attributes: { action: 'update' },
});
const auditRead = createPermission({
  name: 'platform.audit.read',
  attributes: { action: 'read' },
});
const rumReport = createPermission({
  name: 'platform.rum.report',
  attributes: { action: 'create' },
});
const eventsRead = createPermission({
  name: 'platform.events.read',
  attributes: { action: 'read' },
});
const dataClass = createPermission({
  name: 'filters.data-class.read',
  attributes: { action: 'read' },
  resourceType: 'filters-data-class',
});
const actFor = createPermission({
  name: 'filters.account.act',
  attributes: { action: 'read' },
  resourceType: 'filters-account',
});

describe('PortalPermissionPolicy', () => {
  it('lets platform admins do everything', async () => {
    for (const permission of [replay, auditRead, eventsRead]) {
      expect((await policy.handle({ permission }, as('admin'))).result).toBe(
        AuthorizeResult.ALLOW,
      );
    }
    expect(
      (await policy.handle({ permission: dataClass }, as('admin'))).result,
    ).toBe(AuthorizeResult.ALLOW);
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

  it('answers data-class reads of other engineers with a condition excluding PII', async () => {
    expect(
      await policy.handle({ permission: dataClass }, as('engineer')),
    ).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'filters',
      resourceType: 'filters-data-class',
      conditions: {
        not: {
          rule: 'DATA_CLASS_IN',
          resourceType: 'filters-data-class',
          params: { classes: ['pii'] },
        },
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
