import request from 'supertest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import express from 'express';
import Router from 'express-promise-router';
import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import orgTrustModule from '@internal/plugin-catalog-backend-module-org-trust';
import {
  hubWithMemorySink,
  passthroughRequestTelemetry,
  recordingEvents,
  waitFor,
} from '@internal/plugin-platform-node/testUtils';
import {
  defaultPolicyRoot,
  PORTAL_ENTRYPOINT,
  PortalPolicyInput,
  portalPolicyServiceRef,
  readPolicyDirectory,
} from '@internal/plugin-authz-node';
import { Knex } from 'knex';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { authzPlugin } from './plugin';
import { ACTIVATION_PREFIX, AUTHZ_CHANNEL } from './service/RevisionStore';

jest.setTimeout(180_000);

const ANA = 'user:default/ana';
const SAM = 'user:default/sam';
const OUTSIDER = 'user:default/outsider';
/** In `sre`, an admin group of policies/portal: the portal policy grants sam authz.policy.manage. */
const ADMIN = SAM;

// The organisation's location: two teams with grants, two users.
const ORG_YAML = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: dashboards
  annotations:
    platform.portal/account-access: 'b2, a1'
    platform.portal/data-classes: finance
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: sre
  annotations:
    platform.portal/data-classes: pii
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ana }
spec:
  profile: { displayName: Ana Lima }
  memberOf: [dashboards, self-made-admins]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: sam }
spec:
  profile: { displayName: Sam Ortiz }
  memberOf: [sre]
`;

// A location someone registered: its Group and User are refused (org-trust module), so
// ana's claimed membership of `self-made-admins` grants nothing.
const REGISTERED_YAML = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: self-made-admins
  annotations:
    platform.portal/account-access: '*'
    platform.portal/data-classes: pii
spec: { type: team, children: [], members: [ana] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: mallory }
spec: { memberOf: [dashboards] }
`;

// What the permission backend's portal-policy module asks of the portal policy in force.
const LOCATION_CREATE: PortalPolicyInput = {
  permission: { name: 'catalog.location.create', attributes: {} },
  user: {
    ownershipRefs: [ANA, 'group:default/dashboards'],
    accountAccess: ['a1'],
    dataClasses: [],
  },
};

/** Another plugin of the process reading the portal policy in force, as the permission module does. */
const portalProbe = createBackendPlugin({
  pluginId: 'portalprobe',
  register(env) {
    env.registerInit({
      deps: {
        portalPolicy: portalPolicyServiceRef,
        httpRouter: coreServices.httpRouter,
      },
      async init({ portalPolicy, httpRouter }) {
        const router = Router();
        router.get('/decide', async (_req, res) => {
          try {
            const policy = await portalPolicy.current();
            res.json({
              revision: policy.revision,
              ...policy.decide(LOCATION_CREATE),
            });
          } catch {
            res.json({ result: 'DENY', reason: 'policy_error' });
          }
        });
        // records a decision the way the permission module's recorder does
        router.post('/record', express.json(), async (req, res) => {
          await portalPolicy.record(req.body);
          res.json({ recorded: true });
        });
        httpRouter.addAuthPolicy({ path: '/decide', allow: 'unauthenticated' });
        httpRouter.addAuthPolicy({ path: '/record', allow: 'unauthenticated' });
        httpRouter.use(router);
      },
    });
  },
});

// What the permission module's catalog lookups find for the users of ORG_YAML.
const PORTAL_USERS: Record<string, PortalPolicyInput['user']> = {
  [ANA]: {
    ownershipRefs: [ANA, 'group:default/dashboards'],
    accountAccess: ['a1', 'b2'],
    dataClasses: ['finance'],
  },
  [SAM]: {
    ownershipRefs: [SAM, 'group:default/sre'],
    accountAccess: [],
    dataClasses: ['pii'],
  },
};

/**
 * The permission service for this test: `authz.policy.manage` is decided by the portal policy
 * in force in the process (as the permission backend's portal-policy module does), so a
 * revision that locked the admins out would really lock them out; OUTSIDER is denied
 * everything; the rest (catalog reads, authz.policy.read) is allowed. The permission module's
 * own tests cover the module itself.
 */
const permissionsFromPortalPolicy = createServiceFactory({
  service: coreServices.permissions,
  deps: { portalPolicy: portalPolicyServiceRef },
  factory: ({ portalPolicy }) => {
    const decideOne = async (
      permission: { name: string; attributes: { action?: string } },
      userRef: string | undefined,
    ) => {
      if (userRef === OUTSIDER) return AuthorizeResult.DENY;
      if (permission.name !== 'authz.policy.manage') {
        return AuthorizeResult.ALLOW;
      }
      try {
        const answer = (await portalPolicy.current()).decide({
          permission: {
            name: permission.name,
            attributes: { action: permission.attributes.action },
          },
          user: (userRef && PORTAL_USERS[userRef]) || null,
        });
        return answer.result === 'ALLOW'
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY;
      } catch {
        return AuthorizeResult.DENY;
      }
    };
    const decide = async (requests: any[], options: any) =>
      Promise.all(
        requests.map(async ({ permission }) => ({
          result: await decideOne(
            permission,
            options.credentials.principal.userEntityRef,
          ),
        })),
      ) as any;
    return { authorize: decide, authorizeConditional: decide };
  },
});

/** Each plugin its own real Postgres database; both replicas share them. */
function perPluginDatabases(byPlugin: Record<string, Knex>) {
  return createServiceFactory({
    service: coreServices.database,
    deps: { plugin: coreServices.pluginMetadata },
    factory: ({ plugin }) => ({
      getClient: async () => {
        const knex = byPlugin[plugin.getId()];
        if (!knex) throw new Error(`no test database for ${plugin.getId()}`);
        return knex;
      },
    }),
  });
}

async function startPortal(dir: string, byPlugin: Record<string, Knex>) {
  const org = { type: 'file', target: path.join(dir, 'org.yaml') };
  const registered = {
    type: 'file',
    target: path.join(dir, 'registered.yaml'),
  };
  const backend = await startTestBackend({
    features: [
      authzPlugin,
      catalogPlugin,
      orgTrustModule,
      portalProbe,
      perPluginDatabases(byPlugin),
      mockServices.rootConfig.factory({
        data: {
          catalog: {
            locations: [org, registered],
            orgLocations: [org],
            rules: [{ allow: ['User', 'Group', 'Location'] }],
            processingInterval: { seconds: 1 },
          },
        },
      }),
      permissionsFromPortalPolicy,
      passthroughRequestTelemetry,
      recordingEvents([]),
      hubWithMemorySink(),
    ],
  });
  return backend.server;
}

const asUser = (ref: string) => ({
  Authorization: mockCredentials.user.header(ref),
});

describe('authz backend: portal users from the real catalog, portal policy revisions (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let server: any;
  let replica: any;
  let authzDb: Knex;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authz-portal-'));
    fs.writeFileSync(path.join(dir, 'org.yaml'), ORG_YAML);
    fs.writeFileSync(path.join(dir, 'registered.yaml'), REGISTERED_YAML);
    authzDb = await databases.init('POSTGRES_18');
    const byPlugin = {
      authz: authzDb,
      catalog: await databases.init('POSTGRES_18'),
    };
    server = await startPortal(dir, byPlugin);
    replica = await startPortal(dir, byPlugin);
    // Wait in the catalog itself until both teams and both users are stitched with their
    // memberOf relations: the org directory caches each entity (60 s) as first read.
    await waitFor(async () => {
      const res = await request(server)
        .get('/api/catalog/entities?filter=kind=user&filter=kind=group')
        .set(asUser(ANA));
      const byName = new Map<string, any>(
        (res.body ?? []).map((e: any) => [e.metadata.name, e]),
      );
      const memberOf = (name: string) =>
        (byName.get(name)?.relations ?? [])
          .filter((r: any) => r.type === 'memberOf')
          .map((r: any) => r.targetRef);
      return byName.has('dashboards') &&
        byName.has('sre') &&
        memberOf('ana').includes('group:default/dashboards') &&
        memberOf('sam').includes('group:default/sre')
        ? true
        : undefined;
    }, 60_000);
  });

  /** Stores a portal revision as the admin. */
  const storePortalRevision = (
    modules: Record<string, string>,
    data: Record<string, unknown>,
  ) =>
    request(server)
      .post('/api/authz/v1/revisions')
      .set(asUser(ADMIN))
      .send({ policy: 'portal', modules, data });

  const probe = async (backend: any) =>
    (await request(backend).get('/api/portalprobe/decide')).body;

  it('lists the organisation users with their org-trusted teams and grants', async () => {
    const res = await request(server)
      .get('/api/authz/v1/portal-users')
      .set(asUser(ANA));
    expect(res.status).toBe(200);
    expect(res.body.users).toEqual([
      {
        ref: ANA,
        displayName: 'Ana Lima',
        teams: ['group:default/dashboards'],
        accountAccess: ['a1', 'b2'],
        dataClasses: ['finance'],
      },
      {
        ref: SAM,
        displayName: 'Sam Ortiz',
        teams: ['group:default/sre'],
        accountAccess: [],
        dataClasses: ['pii'],
      },
    ]);
    const filtered = await request(server)
      .get('/api/authz/v1/portal-users?q=ortiz')
      .set(asUser(ANA));
    expect(filtered.body.users.map((u: any) => u.ref)).toEqual([SAM]);
    const denied = await request(server)
      .get('/api/authz/v1/portal-users')
      .set(asUser(OUTSIDER));
    expect(denied.status).toBe(403);
  });

  it('a portal user checking itself is decided with its catalog teams; naming another user is a 403', async () => {
    const teams = await request(server)
      .post('/api/authz/v1/revisions')
      .set(asUser(ADMIN))
      .send({
        modules: {
          'authz.rego': `package product.authz
import rego.v1
default decision := {"allowed": false, "reason": "not_a_portal_user"}
decision := {"allowed": "group:default/dashboards" in input.subject.teams, "reason": concat(",", array.concat(input.subject.teams, input.subject.dataClasses))} if input.subject.type == "portal-user"`,
        },
      });
    expect(teams.status).toBe(201);
    const act = await request(server)
      .post(`/api/authz/v1/revisions/${teams.body.id}/activate`)
      .set(asUser(ADMIN))
      .send({ policy: 'product' });
    expect(act.status).toBe(200);
    const check = (as: string, id: string) =>
      request(server)
        .post('/api/authz/v1/check')
        .set(asUser(as))
        .send({
          subject: { type: 'portal-user', id },
          action: 'dashboard.read',
          resource: { type: 'dashboard', id: 'd-1' },
        });
    const ana = await check(ANA, ANA);
    expect(ana.status).toBe(200);
    expect(ana.body).toMatchObject({
      allowed: true,
      reason: 'group:default/dashboards,finance',
    });
    const sam = await check(SAM, SAM);
    expect(sam.body).toMatchObject({
      allowed: false,
      reason: 'group:default/sre,pii',
    });
    const other = await check(ANA, SAM);
    expect(other.status).toBe(403);
    expect(other.body.error.message).toMatch(/body\.subject\.id/);
    // logged with the subject as asked (replay resolves today's teams again)
    const logged = await authzDb('authz_decisions')
      .where({ decision_id: ana.body.decisionId })
      .first();
    expect(logged).toMatchObject({ subject: `portal-user:${ANA}` });
  });

  it('seeds policies/portal as the first portal revision, in force on every replica', async () => {
    const list = await request(server)
      .get('/api/authz/v1/revisions?policy=portal')
      .set(asUser(ANA));
    expect(list.status).toBe(200);
    expect(list.body.revisions).toEqual([
      expect.objectContaining({
        entrypoint: PORTAL_ENTRYPOINT,
        author: 'system:repository',
        active: true,
      }),
    ]);
    const seeded = list.body.revisions[0];
    const repo = readPolicyDirectory(path.join(defaultPolicyRoot(), 'portal'), {
      entrypoint: PORTAL_ENTRYPOINT,
    });
    const stored = await request(server)
      .get(`/api/authz/v1/revisions/${seeded.id}`)
      .set(asUser(ANA));
    expect(stored.body).toMatchObject({
      policy: 'portal',
      modules: repo.modules,
      data: repo.data,
    });
    for (const backend of [server, replica]) {
      expect(await probe(backend)).toEqual({
        revision: seeded.sha256,
        result: 'DENY',
        reason: 'catalog_admin_only',
      });
    }
    // the product list does not show it
    const product = await request(server)
      .get('/api/authz/v1/revisions')
      .set(asUser(ANA));
    expect(product.body.revisions.map((r: any) => r.id)).not.toContain(
      seeded.id,
    );
  });

  it('activating a portal revision reaches the other replica within 1 s; rollback restores', async () => {
    const repo = readPolicyDirectory(path.join(defaultPolicyRoot(), 'portal'));
    const candidate = await storePortalRevision(
      {
        ...repo.modules,
        'portal.rego': repo.modules['portal.rego'].replace(
          '{"result": "DENY", "reason": "catalog_admin_only"}',
          '{"result": "DENY", "reason": "catalog_frozen"}',
        ),
      },
      repo.data as Record<string, unknown>,
    );
    expect(candidate.status).toBe(201);
    // a portal revision is not a product one
    const wrong = await request(server)
      .post(`/api/authz/v1/revisions/${candidate.body.id}/activate`)
      .set(asUser(ADMIN))
      .send({ policy: 'product' });
    expect(wrong.status).toBe(409);
    expect((await probe(replica)).reason).toBe('catalog_admin_only');

    const activated = Date.now();
    const act = await request(server)
      .post(`/api/authz/v1/revisions/${candidate.body.id}/activate`)
      .set(asUser(ADMIN))
      .send({ reason: 'freeze catalog registrations' });
    expect(act.status).toBe(200);
    expect(await probe(server)).toMatchObject({ reason: 'catalog_frozen' });
    let seen: any;
    while (Date.now() - activated < 1000) {
      seen = await probe(replica);
      if (seen.reason === 'catalog_frozen') break;
      await new Promise(r => setTimeout(r, 10));
    }
    expect(seen).toEqual({
      revision: candidate.body.sha256,
      result: 'DENY',
      reason: 'catalog_frozen',
    });
    expect(Date.now() - activated).toBeLessThan(1000);
    // the product policy is untouched
    const product = await authzDb('authz_policy_activations')
      .where({ policy: 'product' })
      .orderBy('id', 'desc')
      .first();
    expect(String(product.revision_id)).not.toBe(candidate.body.id);

    const back = await request(server)
      .post('/api/authz/v1/revisions/rollback')
      .set(asUser(ADMIN))
      .send({ policy: 'portal' });
    expect(back.status).toBe(200);
    const restored = Date.now();
    while (Date.now() - restored < 1000) {
      seen = await probe(replica);
      if (seen.reason === 'catalog_admin_only') break;
      await new Promise(r => setTimeout(r, 10));
    }
    expect(seen.reason).toBe('catalog_admin_only');
    expect(Date.now() - restored).toBeLessThan(1000);
  });

  /** A broken portal revision (its wasm is not a module), stored without the API. */
  const storeBrokenRevision = async (sha: string) => {
    const [row] = await authzDb('authz_policy_revisions')
      .insert({
        policy: 'portal',
        sha256: sha.repeat(64),
        modules: JSON.stringify({ 'portal.rego': 'package portal.authz' }),
        data: JSON.stringify({}),
        entrypoint: PORTAL_ENTRYPOINT,
        wasm: Buffer.from('not a wasm module'),
        author: 'test',
      })
      .returning('id');
    return String(row.id);
  };

  /** Activates a portal revision behind the API's back (as a replica without the vetting would). */
  const activateInDb = async (id: string) => {
    await authzDb('authz_policy_activations').insert({
      revision_id: id,
      activated_by: 'test',
      reason: 'test',
      policy: 'portal',
    });
    await authzDb.raw('SELECT pg_notify(?, ?)', [
      AUTHZ_CHANNEL,
      `${ACTIVATION_PREFIX.portal}${id}`,
    ]);
  };

  const activePortalId = async () =>
    String(
      (
        await authzDb('authz_policy_activations')
          .where({ policy: 'portal' })
          .orderBy('id', 'desc')
          .first()
      ).revision_id,
    );

  const portalActivations = async () =>
    Number(
      (
        await authzDb('authz_policy_activations')
          .where({ policy: 'portal' })
          .count({ n: '*' })
      )[0].n,
    );

  it('refuses (409) to activate a portal revision that does not load; nothing changes', async () => {
    const before = await probe(replica);
    const activations = await portalActivations();
    const broken = await storeBrokenRevision('b');
    const act = await request(server)
      .post(`/api/authz/v1/revisions/${broken}/activate`)
      .set(asUser(ADMIN))
      .send({ policy: 'portal' });
    expect(act.status).toBe(409);
    expect(act.body.error.message).toMatch(
      new RegExp(`^revision ${broken} does not load: `),
    );
    expect(await portalActivations()).toBe(activations);
    for (const backend of [server, replica]) {
      expect(await probe(backend)).toEqual(before);
    }
  });

  it('refuses a portal revision or rollback that would deny authz.policy.manage to the acting admin; the admin keeps control', async () => {
    const seeded = await probe(server);
    const repo = readPolicyDirectory(path.join(defaultPolicyRoot(), 'portal'));
    const data = repo.data as { portal_config: { admin_groups: string[] } };
    const withAdmins = (adminGroups: string[], marker: string) =>
      storePortalRevision(
        {
          ...repo.modules,
          'portal.rego': `${repo.modules['portal.rego']}\n# ${marker}\n`,
        },
        { portal_config: { ...data.portal_config, admin_groups: adminGroups } },
      );
    // sre (sam's team) is no longer an admin group: sam would lose authz.policy.manage
    const locking = await withAdmins(
      ['group:default/platform-services'],
      'locking',
    );
    expect(locking.status).toBe(201);
    const refused = await request(server)
      .post(`/api/authz/v1/revisions/${locking.body.id}/activate`)
      .set(asUser(ADMIN))
      .send({ policy: 'portal' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      `revision ${locking.body.id} would deny authz.policy.manage to ${ADMIN}: portal_mutation_admin_only`,
    );
    for (const backend of [server, replica]) {
      expect(await probe(backend)).toEqual(seeded);
    }

    // a rollback to a locking revision (activated before, without the vetting) is refused too
    const seededId = await activePortalId();
    await activateInDb(locking.body.id);
    await activateInDb(seededId);
    for (const backend of [server, replica]) {
      await waitFor(async () =>
        (await probe(backend)).revision === seeded.revision ? true : undefined,
      );
    }
    const rollback = await request(server)
      .post('/api/authz/v1/revisions/rollback')
      .set(asUser(ADMIN))
      .send({ policy: 'portal' });
    expect(rollback.status).toBe(409);
    expect(rollback.body.error.message).toMatch(
      `would deny authz.policy.manage to ${ADMIN}`,
    );

    // the admin keeps control: a revision that still makes them an admin activates
    const keeping = await withAdmins(
      [...data.portal_config.admin_groups, 'group:default/dashboards'],
      'keeping',
    );
    const act = await request(server)
      .post(`/api/authz/v1/revisions/${keeping.body.id}/activate`)
      .set(asUser(ADMIN))
      .send({ policy: 'portal' });
    expect(act.status).toBe(200);
    expect((await probe(server)).revision).toBe(keeping.body.sha256);
    // ana, now in an admin group, passes the permission check (the decisions really come from
    // the revision in force) but may not roll back to a revision that takes it from her
    const anaBack = await request(server)
      .post('/api/authz/v1/revisions/rollback')
      .set(asUser(ANA))
      .send({ policy: 'portal' });
    expect(anaBack.status).toBe(409);
    expect(anaBack.body.error.message).toMatch(
      `would deny authz.policy.manage to ${ANA}: portal_mutation_admin_only`,
    );
    const back = await request(server)
      .post('/api/authz/v1/revisions/rollback')
      .set(asUser(ADMIN))
      .send({ policy: 'portal' });
    expect(back.status).toBe(200);
    expect((await probe(server)).revision).toBe(seeded.revision);
    // under the seeded revision again, ana may not
    const denied = await request(server)
      .post(`/api/authz/v1/revisions/${keeping.body.id}/activate`)
      .set(asUser(ANA))
      .send({ policy: 'portal' });
    expect(denied.status).toBe(403);
  });

  it('fails closed: a portal revision in force that does not load denies everything, authz.policy.manage included', async () => {
    const before = await probe(replica);
    const previous = await activePortalId();
    // the API refuses it (above); only a write behind its back gets it in force
    await activateInDb(await storeBrokenRevision('c'));
    for (const backend of [server, replica]) {
      await waitFor(async () =>
        (await probe(backend)).reason === 'policy_error' ? true : undefined,
      );
    }
    const back = await request(server)
      .post('/api/authz/v1/revisions/rollback')
      .set(asUser(ADMIN))
      .send({ policy: 'portal' });
    expect(back.status).toBe(403);
    // recovery then needs the database, as docs/authz.md says
    await activateInDb(previous);
    for (const backend of [server, replica]) {
      await waitFor(async () =>
        (await probe(backend)).revision === before.revision ? true : undefined,
      );
    }
  });

  it('refuses a portal revision that does not compile, naming module, line and column', async () => {
    const res = await request(server)
      .post('/api/authz/v1/revisions')
      .set(asUser(ADMIN))
      .send({
        policy: 'portal',
        modules: { 'portal.rego': 'package portal.authz\ndecision := {' },
      });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0]).toMatchObject({
      path: 'body.modules.portal.rego',
      message: expect.stringMatching(/^2:\d+: /),
    });
  });

  it("replays the recorded portal decisions against a candidate portal policy, users from today's catalog", async () => {
    const revision = (await probe(server)).revision;
    const recorded = [
      {
        userRef: ANA,
        permission: { name: 'catalog.location.create', action: 'create' },
        result: 'DENY',
        reason: 'catalog_admin_only',
        policyRevision: revision,
      },
      {
        userRef: SAM,
        permission: { name: 'catalog.location.create', action: 'create' },
        result: 'ALLOW',
        reason: 'platform_admin',
        policyRevision: revision,
      },
      {
        permission: { name: 'platform.audit.read', action: 'read' },
        result: 'DENY',
        reason: 'no_user',
        policyRevision: revision,
      },
    ];
    for (const decision of recorded) {
      const res = await request(replica)
        .post('/api/portalprobe/record')
        .send(decision);
      expect(res.status).toBe(200);
    }
    expect(await authzDb('authz_portal_decisions').count()).toEqual([
      { count: '3' },
    ]);
    const repo = readPolicyDirectory(path.join(defaultPolicyRoot(), 'portal'));
    const data = repo.data as {
      portal_config: { catalog_admin_permissions: string[] };
    };
    const replay = (modules: Record<string, string>, candidateData: object) =>
      request(server)
        .post('/api/authz/v1/replay')
        .set(asUser(ANA))
        .send({ policy: 'portal', modules, data: candidateData, limit: 3 });
    // the repository policy decides today as it did then
    const same = await replay(repo.modules, repo.data as object);
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ replayed: 3, flipped: 0, flips: [] });
    // a candidate that lets everyone register catalog locations flips ana's denial only
    const open = await replay(repo.modules, {
      portal_config: {
        ...data.portal_config,
        catalog_admin_permissions:
          data.portal_config.catalog_admin_permissions.filter(
            p => p !== 'catalog.location.create',
          ),
      },
    });
    expect(open.status).toBe(200);
    expect(open.body).toMatchObject({ replayed: 3, flipped: 1 });
    expect(open.body.flips).toEqual([
      expect.objectContaining({
        subject: `portal-user:${ANA}`,
        action: 'catalog.location.create',
        team: 'group:default/dashboards',
        before: {
          allowed: false,
          reason: 'catalog_admin_only',
          result: 'DENY',
        },
        after: { allowed: true, reason: 'default_allow', result: 'ALLOW' },
      }),
    ]);
    expect(open.body.blastRadius).toContainEqual({
      team: 'group:default/dashboards',
      action: 'catalog.location.create',
      replayed: 1,
      flipped: 1,
      nowAllowed: 1,
      nowDenied: 0,
    });
  });

  it('the playground evaluates a portal policy candidate with the portal plugin ids, as the permission backend does', async () => {
    const repo = readPolicyDirectory(path.join(defaultPolicyRoot(), 'portal'));
    const res = await request(server)
      .post('/api/authz/v1/evaluate')
      .set(asUser(ANA))
      .send({
        modules: repo.modules,
        data: repo.data,
        entrypoint: PORTAL_ENTRYPOINT,
        input: {
          permission: {
            name: 'authz.policy.manage',
            attributes: { action: 'update' },
          },
          user: LOCATION_CREATE.user,
        },
      });
    expect(res.status).toBe(200);
    // without the plugin ids every answer would be missing_plugin_ids
    expect(res.body.result).toEqual({
      result: 'DENY',
      reason: 'portal_mutation_admin_only',
    });
  });
});
