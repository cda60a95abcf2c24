import { resolve } from 'node:path';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { AuthResolverContext } from '@backstage/plugin-auth-node';
import {
  OrgLocations,
  TrustedOrgDirectory,
} from '@internal/plugin-catalog-backend-module-org-trust';
import { trustedCatalogSignIn } from './trustedSignIn';

const ORG_FILE = resolve('catalog/org-users.yaml');
const user = (name: string, origin: string, memberOf: string[]): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'backstage.io/managed-by-origin-location': origin },
  },
  spec: { memberOf },
});
const group = (name: string, origin: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'backstage.io/managed-by-origin-location': origin },
  },
  spec: {},
});
const ORG = `file:${ORG_FILE}`;
const REGISTERED = 'url:https://git.example/anna/catalog-info.yaml';
const entities = [
  user('anna.berg', ORG, ['collaboration']),
  user('mallory', REGISTERED, ['platform-services']),
  group('collaboration', ORG),
  group('platform-services', ORG),
  group('shadow-team', REGISTERED),
];
const byRef = new Map(entities.map(e => [stringifyEntityRef(e), e]));

// The ownership Backstage computes from relations: a registered group listing anna as a member
// adds a memberOf relation to her organisation user entity.
const relations: Record<string, string[]> = {
  'user:default/anna.berg': [
    'user:default/anna.berg',
    'group:default/collaboration',
    'group:default/shadow-team',
  ],
  'user:default/mallory': [
    'user:default/mallory',
    'group:default/platform-services',
  ],
};

const ctx = {
  findCatalogUser: async ({ entityRef }: { entityRef: { name: string } }) => {
    const entity = byRef.get(`user:default/${entityRef.name}`);
    if (!entity) throw new NotFoundError(`no user ${entityRef.name}`);
    return { entity };
  },
  resolveOwnershipEntityRefs: async (entity: Entity) => ({
    ownershipEntityRefs: relations[stringifyEntityRef(entity)],
  }),
  issueToken: async ({ claims }: { claims: object }) => ({
    token: JSON.stringify(claims),
  }),
} as unknown as AuthResolverContext;

const signIn = trustedCatalogSignIn(
  new TrustedOrgDirectory({
    orgLocations: new OrgLocations([{ type: 'file', target: ORG_FILE }]),
    lookup: async ref => byRef.get(ref),
  }),
);
const as = (userEntityRef: string) =>
  signIn({ result: { userEntityRef }, profile: {} }, ctx);

describe('trustedCatalogSignIn', () => {
  it('names only organisation teams in the token', async () => {
    expect(JSON.parse((await as('anna.berg')).token)).toEqual({
      sub: 'user:default/anna.berg',
      ent: ['user:default/anna.berg', 'group:default/collaboration'],
    });
  });

  it('refuses a user entity from a registered location', async () => {
    await expect(as('mallory')).rejects.toThrow(
      /user:default\/mallory is not defined by the organisation's catalog locations/,
    );
  });

  it('refuses unknown users', async () => {
    await expect(as('nobody.here')).rejects.toThrow(NotFoundError);
  });
});
