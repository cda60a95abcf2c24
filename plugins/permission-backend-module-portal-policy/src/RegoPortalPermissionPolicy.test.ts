import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catalogPermissions } from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  createPermission,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { adoptionPermissions } from '@internal/plugin-adoption-common';
import { authzPermissions } from '@internal/plugin-authz-common';
import { capacityPermissions } from '@internal/plugin-capacity-common';
import { exportsPermissions } from '@internal/plugin-exports-common';
import { filtersPermissions } from '@internal/plugin-filters-common';
import {
  platformPermissions,
  PORTAL_PLUGIN_IDS,
} from '@internal/plugin-platform-common';
import { sloPermissions } from '@internal/plugin-slo-common';
import { ActivePortalPolicy, PortalPolicy } from '@internal/plugin-authz-node';
import { PortalPermissionPolicy } from './PortalPermissionPolicy';
import {
  PortalDecisionRecord,
  RegoPortalPermissionPolicy,
} from './RegoPortalPermissionPolicy';
import { PortalPolicyLookups } from './lookups';
import { ADMIN_GROUPS } from './roles';

// the exhaustive comparison takes ~3 s alone; a machine shared with other jobs can pass 5 s
jest.setTimeout(60_000);

let rego: PortalPolicy;
beforeAll(async () => {
  rego = await PortalPolicy.load({ pluginIds: PORTAL_PLUGIN_IDS });
});

// Every permission the portal defines, Backstage's catalog ones and some of other plugins.
const permissions: Permission[] = [
  ...platformPermissions,
  ...filtersPermissions,
  ...exportsPermissions,
  ...authzPermissions,
  ...sloPermissions,
  ...capacityPermissions,
  ...adoptionPermissions,
  ...catalogPermissions,
  createPermission({ name: 'scaffolder.action.execute', attributes: {} }),
  createPermission({
    name: 'kubernetes.proxy',
    attributes: { action: 'create' },
  }),
  createPermission({
    name: 'platformx.thing.delete',
    attributes: { action: 'delete' },
  }),
];

const ACCOUNTS = [
  '0cc175b9-c0f1-b6a8-31c3-99e269772661',
  '92eb5ffe-e6a4-4f1a-a4e8-7f0ab2ba5c3f',
];
const groupSets = [
  [],
  ['group:default/dashboards'],
  [ADMIN_GROUPS[0]],
  [ADMIN_GROUPS[1].toUpperCase(), 'group:default/risk'],
  ['group:default/risk', 'group:default/pilot'],
];
const accessOptions: ('all' | string[])[] = [
  'all',
  [],
  [ACCOUNTS[0]],
  ACCOUNTS,
];
const classOptions = [[], ['pii'], ['pii', 'financial'], ['public', 'pii']];

/** Every combination: permission × groups × account access × data classes, plus no user. */
function* requests() {
  for (const permission of permissions) {
    yield { permission, user: undefined, deps: undefined };
    for (const groups of groupSets) {
      for (const access of accessOptions) {
        for (const classes of classOptions) {
          const deps: PortalPolicyLookups = {
            ownershipRefs: async () => ['user:default/someone', ...groups],
            accountAccess: async () =>
              access === 'all' ? 'all' : new Set(access),
            dataClasses: async () => new Set(classes),
          };
          const user = {
            credentials: { principal: 'someone' },
          } as unknown as PolicyQueryUser;
          yield { permission, user, deps };
        }
      }
    }
  }
}

const noLookups: PortalPolicyLookups = {
  ownershipRefs: async () => [],
  accountAccess: async () => new Set(),
  dataClasses: async () => new Set(),
};

describe('RegoPortalPermissionPolicy', () => {
  it('decides exactly as the TypeScript policy on every generated request', async () => {
    let compared = 0;
    const differences: string[] = [];
    const seen = new Set<string>();
    for (const { permission, user, deps } of requests()) {
      const lookups = deps ?? noLookups;
      const expected: PolicyDecision = await new PortalPermissionPolicy(
        lookups,
      ).handle({ permission }, user);
      const actual = await new RegoPortalPermissionPolicy({
        ...lookups,
        policy: rego,
      }).handle({ permission }, user);
      compared++;
      seen.add(expected.result);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        differences.push(
          `${permission.name} ${JSON.stringify(actual)} != ${JSON.stringify(
            expected,
          )}`,
        );
      }
    }
    expect(differences.slice(0, 5)).toEqual([]);
    expect(compared).toBe(permissions.length * (1 + 5 * 4 * 4));
    expect([...seen].sort()).toEqual([
      AuthorizeResult.ALLOW,
      AuthorizeResult.CONDITIONAL,
      AuthorizeResult.DENY,
    ]);
  });

  it('denies when a lookup fails, and reports the error and the decision', async () => {
    const records: PortalDecisionRecord[] = [];
    const errors: Error[] = [];
    const policy = new RegoPortalPermissionPolicy({
      ...noLookups,
      ownershipRefs: async () => {
        throw new Error('catalog down');
      },
      policy: rego,
      onDecision: record => {
        records.push(record);
      },
      onError: error => errors.push(error),
    });
    const user = { credentials: {} } as unknown as PolicyQueryUser;
    const decision = await policy.handle(
      { permission: catalogPermissions[0] },
      user,
    );
    expect(decision).toEqual({ result: AuthorizeResult.DENY });
    expect(errors.map(e => e.message)).toEqual(['catalog down']);
    expect(records[0].answer).toEqual({
      result: 'DENY',
      reason: 'policy_error',
    });
  });

  it.each([
    [
      'an answer that is no decision',
      'decision := {"result": "MAYBE", "reason": "x"}',
    ],
    [
      'a rule conflict at evaluation',
      'decision := {"result": "ALLOW", "reason": "a"}\ndecision := {"result": "DENY", "reason": "b"}',
    ],
    [
      'an unknown condition',
      'decision := {"result": "CONDITIONAL", "reason": "c", "pluginId": "filters", "resourceType": "filters-account", "conditions": {"rule": "ANY", "resourceType": "filters-account", "params": {}}}',
    ],
  ])('fails closed on %s', async (_, rule) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-policy-'));
    fs.writeFileSync(
      path.join(dir, 'portal.rego'),
      `package portal.authz\n\nimport rego.v1\n\n${rule}\n`,
    );
    const errors: Error[] = [];
    const broken = await PortalPolicy.load({
      pluginIds: PORTAL_PLUGIN_IDS,
      directory: dir,
      onError: error => errors.push(error),
    });
    const policy = new RegoPortalPermissionPolicy({
      ...noLookups,
      policy: broken,
    });
    const user = { credentials: {} } as unknown as PolicyQueryUser;
    expect(
      await policy.handle({ permission: catalogPermissions[0] }, user),
    ).toEqual({ result: AuthorizeResult.DENY });
    fs.rmSync(dir, { recursive: true });
  });

  it('decides with the portal revision in force, recording which one; none in force denies', async () => {
    const active = new ActivePortalPolicy({ waitMs: 20 });
    const records: PortalDecisionRecord[] = [];
    const policy = new RegoPortalPermissionPolicy({
      ...noLookups,
      policy: active,
      onDecision: record => {
        records.push(record);
      },
    });
    const user = { credentials: {} } as unknown as PolicyQueryUser;
    const ask = () =>
      policy.handle({ permission: catalogPermissions[0] }, user);
    // nothing activated yet (the authz backend has not loaded its stored revision)
    expect(await ask()).toEqual({ result: AuthorizeResult.DENY });
    expect(records[0].answer.reason).toBe('policy_error');
    expect(records[0].policyRevision).toBeUndefined();
    active.activate(rego);
    const fixed = new RegoPortalPermissionPolicy({
      ...noLookups,
      policy: rego,
    });
    expect(await ask()).toEqual(
      await fixed.handle({ permission: catalogPermissions[0] }, user),
    );
    expect(records[1].policyRevision).toBe(rego.revision);
    expect(records[1].answer.reason).not.toBe('policy_error');
    active.fail(new Error('stored revision did not load'));
    expect(await ask()).toEqual({ result: AuthorizeResult.DENY });
    expect(records.at(-1)!.answer.reason).toBe('policy_error');
  });
});
