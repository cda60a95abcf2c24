import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { RegoCompileError } from '@internal/rego-wasm';
import { CheckRequest } from '@internal/plugin-authz-common';
import { AuthzEvaluator, DecisionRecord } from './AuthzEvaluator';
import { CompiledPolicy, PolicySource } from './policy/CompiledPolicy';
import { readPolicyDirectory } from './policy/policyDirectory';
import {
  ProductUserAttributes,
  ProductUserSource,
} from './subjects/ProductUserDirectory';

const ACME = '11111111-1111-4111-8111-111111111111';
const GLOBEX = '22222222-2222-4222-8222-222222222222';
const USERS: Record<string, ProductUserAttributes> = {
  'u-admin': { account: ACME, role: 'admin', plan: 'enterprise', region: 'eu' },
  'u-analyst': {
    account: ACME,
    role: 'analyst',
    plan: 'mid_market',
    region: 'us',
  },
  'u-viewer': {
    account: ACME,
    role: 'viewer',
    plan: 'enterprise',
    region: 'us',
  },
};

function fakeUsers(): ProductUserSource & { loads: string[][] } {
  const loads: string[][] = [];
  return {
    loads,
    load: async ids => {
      loads.push(ids);
      return new Map(
        ids.filter(id => USERS[id]).map(id => [id, USERS[id]] as const),
      );
    },
    invalidate: () => {},
  };
}

// eslint-disable-next-line no-restricted-syntax
const productDir = path.resolve(__dirname, '../../../policies/product');
let product: CompiledPolicy;

beforeAll(async () => {
  execFileSync(process.execPath, [
    require.resolve('@internal/rego-wasm/scripts/build-runtime.js'),
  ]);
  product = await CompiledPolicy.compile(readPolicyDirectory(productDir));
});

function check(
  subjectId: string,
  action: string,
  account: string,
  extra: Record<string, unknown> = {},
): CheckRequest {
  return {
    subject: { type: 'product-user', id: subjectId },
    action,
    resource: {
      type: 'dashboard',
      id: 'd1',
      attributes: { account, ...extra },
    },
  };
}

function evaluator(
  users: ProductUserSource = fakeUsers(),
  metrics = new Registry(),
) {
  const e = new AuthzEvaluator({ productUsers: users, metrics });
  e.activate(product);
  return e;
}

describe('AuthzEvaluator with the product policy', () => {
  it('allows and denies with the deciding rule as reason', async () => {
    const e = evaluator();
    const [read, del, foreign, pii] = await e.checkBatch([
      check('u-viewer', 'dashboard.read', ACME),
      check('u-viewer', 'dashboard.delete', ACME),
      check('u-admin', 'dashboard.read', GLOBEX),
      check('u-analyst', 'events.query', ACME, { data_classes: ['pii'] }),
    ]);
    expect([read.allowed, read.reason]).toEqual([true, 'role_grants_action']);
    expect([del.allowed, del.reason]).toEqual([false, 'role_lacks_action']);
    expect([foreign.allowed, foreign.reason]).toEqual([
      false,
      'tenant_isolation',
    ]);
    expect([pii.allowed, pii.reason]).toEqual([false, 'pii_requires_pii_read']);
    expect(read.policyRevision).toBe(product.sha256);
    expect(read.decisionId).not.toBe(del.decisionId);
  });

  it('denies unknown product users (no account to match)', async () => {
    const d = await evaluator().check(check('nobody', 'dashboard.read', ACME));
    expect([d.allowed, d.reason]).toEqual([false, 'tenant_isolation']);
  });

  it('uses attributes a trusted caller passed instead of loading the user', async () => {
    const users = fakeUsers();
    const d = await evaluator(users).check({
      subject: {
        type: 'product-user',
        id: 'not-in-db',
        attributes: { account: GLOBEX, role: 'admin', plan: 'enterprise' },
      },
      action: 'audit.read',
      resource: { type: 'audit', id: 'a', attributes: { account: GLOBEX } },
    });
    expect(d.allowed).toBe(true);
    expect(users.loads).toEqual([]);
  });

  it('answers a repeated check from the cache and loads subjects once per batch', async () => {
    const users = fakeUsers();
    const e = evaluator(users);
    const first = await e.checkBatch([
      check('u-admin', 'dashboard.read', ACME),
      check('u-viewer', 'dashboard.read', ACME),
    ]);
    const again = await e.check(check('u-admin', 'dashboard.read', ACME));
    expect(first.map(d => d.cacheHit)).toEqual([false, false]);
    expect(again).toMatchObject({ allowed: true, cacheHit: true });
    expect(users.loads).toEqual([['u-admin', 'u-viewer']]);
    expect(e.cacheHitRate).toBeCloseTo(1 / 3);
  });

  it('times each decision: a miss includes the subject load it waited for, a hit does not; the SDK recorder gets it', async () => {
    const users = fakeUsers();
    const slow: ProductUserSource = {
      load: async ids => {
        await new Promise(resolve => setTimeout(resolve, 40));
        return users.load(ids);
      },
      invalidate: () => {},
    };
    const e = evaluator(slow);
    const cachedCheck = check('u-admin', 'dashboard.read', ACME);
    await e.check(cachedCheck);
    const recorded: DecisionRecord[] = [];
    e.setSdkRecorder(async records => {
      recorded.push(...records);
    });
    const decisions = await e.checkBatchAs('plugin:test', [
      cachedCheck,
      check('u-viewer', 'dashboard.read', ACME),
    ]);
    expect(decisions.map(d => d.cacheHit)).toEqual([true, false]);
    const [hit, miss] = recorded.map(r => r.latencyUs);
    expect(miss).toBeGreaterThanOrEqual(39_000); // the 40 ms subject load (timer granularity)
    expect(hit).toBeGreaterThanOrEqual(0);
    expect(hit).toBeLessThan(miss);
    expect(recorded.map(r => r.decision)).toEqual(decisions);
    // the latency stays internal: never in the answered decision
    decisions.forEach(d => expect(d).not.toHaveProperty('latencyUs'));
  });

  it('activating another revision drops cached decisions', async () => {
    const e = evaluator();
    await e.check(check('u-viewer', 'dashboard.read', ACME));
    const source = readPolicyDirectory(productDir);
    const denyAll: PolicySource = {
      ...source,
      modules: {
        ...source.modules,
        'authz.rego': source.modules['authz.rego'].replace(
          '{"allowed": true, "reason": "role_grants_action"}',
          '{"allowed": false, "reason": "frozen"}',
        ),
      },
    };
    const next = await CompiledPolicy.compile(denyAll);
    e.activate(next);
    const d = await e.check(check('u-viewer', 'dashboard.read', ACME));
    expect(d).toMatchObject({
      allowed: false,
      reason: 'frozen',
      cacheHit: false,
      policyRevision: next.sha256,
    });
    expect(next.sha256).not.toBe(product.sha256);
  });

  it('tenant mismatch denies for every action and role (property)', async () => {
    const e = evaluator();
    const { data } = readPolicyDirectory(productDir) as {
      data: {
        product: {
          entitlements: { roles: Record<string, { actions: string[] }> };
        };
      };
    };
    const actions = Object.values(data.product.entitlements.roles).flatMap(
      r => r.actions,
    );
    await expect(
      fc.assert(
        fc.asyncProperty(
          fc.constantFrom('u-admin', 'u-analyst', 'u-viewer'),
          fc.oneof(fc.constantFrom(...actions), fc.constant('anything.else')),
          fc.uuid(),
          fc.boolean(),
          async (user, action, account, pii) => {
            fc.pre(account !== ACME);
            const d = await e.check(
              check(
                user,
                action,
                account,
                pii ? { data_classes: ['pii'] } : {},
              ),
            );
            return !d.allowed && d.reason === 'tenant_isolation';
          },
        ),
        { numRuns: 200 },
      ),
    ).resolves.toBeUndefined();
  });
});

describe('fail closed', () => {
  it('counts every decision by outcome and cache in authz_decisions_total, single checks and batches', async () => {
    const metrics = new Registry();
    const e = evaluator(fakeUsers(), metrics);
    const read = check('u-viewer', 'dashboard.read', ACME);
    const del = check('u-viewer', 'dashboard.delete', ACME);
    await e.checkBatch([read, del]); // two misses
    await e.check(read); // a hit through the single-check fast path
    await e.checkBatch([read, del, del]); // three hits
    const second = new AuthzEvaluator({ productUsers: fakeUsers(), metrics });
    second.activate(product);
    await second.check(read); // another evaluator (own cache, a miss), same series
    const text = await metrics.metrics();
    expect(text).toContain(
      'authz_decisions_total{allowed="true",cache="miss"} 2',
    );
    expect(text).toContain(
      'authz_decisions_total{allowed="true",cache="hit"} 2',
    );
    expect(text).toContain(
      'authz_decisions_total{allowed="false",cache="miss"} 1',
    );
    expect(text).toContain(
      'authz_decisions_total{allowed="false",cache="hit"} 2',
    );
    // counted once: a second collection adds nothing
    expect(await metrics.metrics()).toContain(
      'authz_decisions_total{allowed="true",cache="hit"} 2',
    );
  });

  it('denies with policy_error when no policy is active, and counts it', async () => {
    const metrics = new Registry();
    const e = new AuthzEvaluator({ productUsers: fakeUsers(), metrics });
    const d = await e.check(check('u-admin', 'dashboard.read', ACME));
    expect([d.allowed, d.reason]).toEqual([false, 'policy_error']);
    const text = await metrics.metrics();
    expect(text).toContain(
      'authz_policy_errors_total{kind="no_active_policy"} 1',
    );
  });

  it('denies with policy_error on an evaluation error and never caches it', async () => {
    const conflict = await CompiledPolicy.compile({
      modules: {
        'p.rego': `package broken
import rego.v1
decision := {"allowed": true, "reason": "a"} if input.action
decision := {"allowed": false, "reason": "b"} if input.action`,
      },
      data: {},
      entrypoint: 'broken/decision',
    });
    const metrics = new Registry();
    const e = new AuthzEvaluator({ productUsers: fakeUsers(), metrics });
    e.activate(conflict);
    const first = await e.check(check('u-admin', 'dashboard.read', ACME));
    const second = await e.check(check('u-admin', 'dashboard.read', ACME));
    expect([first.allowed, first.reason, second.cacheHit]).toEqual([
      false,
      'policy_error',
      false,
    ]);
    expect(await metrics.metrics()).toContain(
      'authz_policy_errors_total{kind="evaluation"} 2',
    );
  });

  it('denies with policy_error when the decision rule is undefined or malformed', async () => {
    const odd = await CompiledPolicy.compile({
      modules: {
        'p.rego': `package odd
import rego.v1
decision := "yes" if input.action == "dashboard.read"`,
      },
      data: {},
      entrypoint: 'odd/decision',
    });
    const e = new AuthzEvaluator({
      productUsers: fakeUsers(),
      metrics: new Registry(),
    });
    e.activate(odd);
    const [malformed, undef] = await e.checkBatch([
      check('u-admin', 'dashboard.read', ACME),
      check('u-admin', 'dashboard.delete', ACME),
    ]);
    expect(malformed.reason).toBe('policy_error');
    expect(undef.reason).toBe('policy_error');
  });

  it('refuses at compile time a policy using a builtin the compiler lacks, naming it', async () => {
    await expect(
      CompiledPolicy.compile({
        modules: {
          'p.rego': `package net
import rego.v1
decision := {"allowed": true, "reason": r} if r := http.send({"method": "get", "url": "http://x"}).body`,
        },
        data: {},
        entrypoint: 'net/decision',
      }),
    ).rejects.toThrow(RegoCompileError);
    await expect(
      CompiledPolicy.compile({
        modules: {
          'p.rego': `package net
import rego.v1
decision := {"allowed": true, "reason": r} if r := http.send({"method": "get", "url": "http://x"}).body`,
        },
        data: {},
        entrypoint: 'net/decision',
      }),
    ).rejects.toThrow(/http\.send/);
  });
});

describe('portal-user subjects', () => {
  const TEAMS_POLICY: PolicySource = {
    modules: {
      'teams.rego': `package teams
import rego.v1
default decision := {"allowed": false, "reason": "not_in_sre"}
decision := {"allowed": true, "reason": concat(",", input.subject.dataClasses)} if {
  "group:default/sre" in input.subject.teams
  input.subject.id == "user:default/priya"
  input.subject.type == "portal-user"
}`,
    },
    data: {},
    entrypoint: 'teams/decision',
  };

  it('get their catalog attributes from the portal-user source, one load per batch', async () => {
    const loads: string[][] = [];
    const e = evaluator();
    e.setPortalUsers({
      load: async refs => {
        loads.push(refs);
        return new Map(
          refs
            .filter(ref => ref === 'user:default/priya')
            .map(ref => [
              ref,
              {
                teams: ['group:default/sre'],
                accountAccess: [],
                dataClasses: ['pii'],
              },
            ]),
        );
      },
      invalidate: () => {},
    });
    e.activate(await CompiledPolicy.compile(TEAMS_POLICY));
    const portal = (id: string): CheckRequest => ({
      subject: { type: 'portal-user', id },
      action: 'catalog.read',
      resource: { type: 'catalog', id: 'c' },
    });
    const [priya, nobody, productUser] = await e.checkBatch([
      portal('user:default/priya'),
      portal('user:default/nobody'),
      check('u-admin', 'dashboard.read', ACME),
    ]);
    expect([priya.allowed, priya.reason]).toEqual([true, 'pii']);
    expect([nobody.allowed, nobody.reason]).toEqual([false, 'not_in_sre']);
    expect(productUser.allowed).toBe(false);
    expect(loads).toEqual([['user:default/priya', 'user:default/nobody']]);
  });

  it('a user the catalog cannot resolve denies only its own checks with policy_error, uncached', async () => {
    const metrics = new Registry();
    const e = evaluator(fakeUsers(), metrics);
    let catalogDown = true;
    const loads: string[][] = [];
    e.setPortalUsers({
      load: async refs => {
        loads.push(refs);
        if (catalogDown && refs.includes('user:default/broken')) {
          throw new Error('catalog answered 503');
        }
        return new Map(
          refs.map(ref => [
            ref,
            {
              teams: ['group:default/sre'],
              accountAccess: [],
              dataClasses: [],
            },
          ]),
        );
      },
      invalidate: () => {},
    });
    e.activate(await CompiledPolicy.compile(TEAMS_POLICY));
    const portal = (id: string): CheckRequest => ({
      subject: { type: 'portal-user', id },
      action: 'catalog.read',
      resource: { type: 'catalog', id: 'c' },
    });
    const recorded: DecisionRecord[] = [];
    e.setSdkRecorder(async records => {
      recorded.push(...records);
    });
    const [priya, broken, again] = await e.checkBatchAs('plugin:test', [
      portal('user:default/priya'),
      portal('user:default/broken'),
      portal('user:default/broken'),
    ]);
    expect([priya.allowed, priya.reason]).toEqual([true, '']);
    expect([broken.allowed, broken.reason]).toEqual([false, 'policy_error']);
    expect([again.allowed, again.reason]).toEqual([false, 'policy_error']);
    // the batch load failed, then each user was loaded alone
    expect(loads).toEqual([
      ['user:default/priya', 'user:default/broken'],
      ['user:default/priya'],
      ['user:default/broken'],
    ]);
    // every decision is still handed to the decision log
    expect(recorded.map(r => r.decision.reason)).toEqual([
      '',
      'policy_error',
      'policy_error',
    ]);
    const errors = await metrics.getSingleMetricAsString(
      'authz_policy_errors_total',
    );
    expect(errors).toMatch(/kind="subject_load"} 2/);
    // a denial for an outage is never cached: once the catalog answers, the policy decides
    catalogDown = false;
    const recovered = await e.check(portal('user:default/broken'));
    expect([recovered.reason, recovered.cacheHit]).toEqual([
      'not_in_sre',
      false,
    ]);
  });

  it('a product database outage denies the product-user checks with policy_error instead of throwing', async () => {
    const e = evaluator({
      load: async () => {
        throw new Error('connection refused');
      },
      invalidate: () => {},
    });
    const [loaded, trusted] = await e.checkBatch([
      check('u-admin', 'dashboard.read', ACME),
      {
        subject: {
          type: 'product-user',
          id: 'u-x',
          attributes: { account: ACME, role: 'admin', plan: 'enterprise' },
        },
        action: 'dashboard.read',
        resource: {
          type: 'dashboard',
          id: 'd1',
          attributes: { account: ACME },
        },
      },
    ]);
    expect([loaded.allowed, loaded.reason]).toEqual([false, 'policy_error']);
    expect(trusted.allowed).toBe(true);
    // replay against a candidate fails closed the same way
    const [replayed] = await e.decideWith(product, [
      check('u-admin', 'dashboard.read', ACME),
    ]);
    expect(replayed).toEqual({ allowed: false, reason: 'policy_error' });
  });

  it('carry only type and id without a portal-user source', async () => {
    const e = evaluator();
    e.activate(await CompiledPolicy.compile(TEAMS_POLICY));
    const d = await e.check({
      subject: { type: 'portal-user', id: 'user:default/priya' },
      action: 'catalog.read',
      resource: { type: 'catalog', id: 'c' },
    });
    expect([d.allowed, d.reason]).toEqual([false, 'not_in_sre']);
  });
});
