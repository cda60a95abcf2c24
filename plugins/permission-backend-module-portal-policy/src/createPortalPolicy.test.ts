import { resolve } from 'node:path';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { catalogLocationCreatePermission } from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  Permission,
} from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  OrgLocations,
  TrustedOrgDirectory,
} from '@internal/plugin-catalog-backend-module-org-trust';
import {
  filtersAccountActPermission,
  filtersDataClassReadPermission,
} from '@internal/plugin-filters-common';
import {
  platformAuditReadPermission,
  platformDeadLetterReplayPermission,
} from '@internal/plugin-platform-common';
import { PortalPolicy } from '@internal/plugin-authz-node';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import {
  createPortalPolicy,
  createRegoPortalPolicy,
  PortalPolicyOptions,
} from './createPortalPolicy';

let rego: PortalPolicy;
beforeAll(async () => {
  rego = await PortalPolicy.load({ pluginIds: PORTAL_PLUGIN_IDS });
});

const ORG_FILE = resolve('catalog/org-groups.yaml');
const ORG = `file:${ORG_FILE}`;
const REGISTERED = 'url:https://git.example/anna/catalog-info.yaml';

function entity(
  kind: string,
  name: string,
  origin: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'backstage.io/managed-by-origin-location': origin,
        ...annotations,
      },
    },
  };
}

const orgEntities = [
  entity('User', 'anna.berg', ORG),
  entity('User', 'priya.raman', ORG),
  entity('Group', 'collaboration', ORG, {
    'platform.portal/account-access': 'none',
  }),
  entity('Group', 'platform-services', ORG, {
    'platform.portal/data-classes': 'pii',
  }),
];
// What a registered file could add: a team granting every account and PII that lists the
// attacker as a member, and a user claiming membership of an admin team.
const registeredEntities = [
  entity('Group', 'shadow-team', REGISTERED, {
    'platform.portal/account-access': '*',
    'platform.portal/data-classes': 'pii,financial',
  }),
  entity('User', 'mallory', REGISTERED),
];

// The ownership refs sign-in put in each user's token, foreign memberships included.
const tokens: Record<string, string[]> = {
  'user:default/anna.berg': [
    'user:default/anna.berg',
    'group:default/collaboration',
    'group:default/shadow-team',
  ],
  'user:default/priya.raman': [
    'user:default/priya.raman',
    'group:default/platform-services',
  ],
  'user:default/mallory': [
    'user:default/mallory',
    'group:default/platform-services',
  ],
};

function optionsOver(entities: Entity[]): PortalPolicyOptions {
  const byRef = new Map(entities.map(e => [stringifyEntityRef(e), e]));
  return {
    directory: new TrustedOrgDirectory({
      orgLocations: new OrgLocations([{ type: 'file', target: ORG_FILE }]),
      lookup: async ref => byRef.get(ref),
    }),
    userInfo: async user => {
      const userEntityRef = (
        user.credentials.principal as { userEntityRef: string }
      ).userEntityRef;
      return { userEntityRef, ownershipEntityRefs: tokens[userEntityRef] };
    },
  };
}

const as = (userEntityRef: string) =>
  ({
    credentials: { principal: { type: 'user', userEntityRef } },
  } as unknown as PolicyQueryUser);

const permissions: Permission[] = [
  filtersAccountActPermission,
  filtersDataClassReadPermission,
  platformDeadLetterReplayPermission,
  platformAuditReadPermission,
  catalogLocationCreatePermission,
];

// The same cases for the TypeScript original and the Rego policy the backend runs.
describe.each([
  ['createPortalPolicy', (e: Entity[]) => createPortalPolicy(optionsOver(e))],
  [
    'createRegoPortalPolicy',
    (e: Entity[]) =>
      createRegoPortalPolicy({ ...optionsOver(e), policy: rego }),
  ],
])('%s', (_, policyOver) => {
  it('makes the same decisions whether or not a registered location adds groups and users', async () => {
    const trusted = policyOver(orgEntities);
    const attacked = policyOver([...orgEntities, ...registeredEntities]);
    for (const who of ['user:default/anna.berg', 'user:default/mallory']) {
      for (const permission of permissions) {
        expect(await attacked.handle({ permission }, as(who))).toEqual(
          await trusted.handle({ permission }, as(who)),
        );
      }
    }
  });

  it('keeps the attacker to what their organisation team grants', async () => {
    const attacked = policyOver([...orgEntities, ...registeredEntities]);
    const anna = as('user:default/anna.berg');
    const [account, dataClass, replay, audit, register] = await Promise.all(
      permissions.map(permission => attacked.handle({ permission }, anna)),
    );
    expect(account.result).toBe(AuthorizeResult.DENY);
    expect(dataClass).toMatchObject({
      conditions: { params: { classes: ['public'] } },
    });
    expect(replay.result).toBe(AuthorizeResult.DENY);
    expect(audit.result).toBe(AuthorizeResult.DENY);
    expect(register.result).toBe(AuthorizeResult.DENY);
    // mallory's claimed platform-services membership makes no admin.
    expect(
      (
        await attacked.handle(
          { permission: catalogLocationCreatePermission },
          as('user:default/mallory'),
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
  });

  it('still grants what organisation teams grant', async () => {
    const policy = policyOver([...orgEntities, ...registeredEntities]);
    const priya = as('user:default/priya.raman');
    expect(
      (await policy.handle({ permission: permissions[2] }, priya)).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      await policy.handle({ permission: permissions[1] }, priya),
    ).toMatchObject({ conditions: { params: { classes: ['pii', 'public'] } } });
  });
});
