#!/usr/bin/env node
// Traffic simulator: real requests through the platform services of a running portal, as
// several catalog users of several teams, so the SLO pages show measured SLIs within minutes.
//
//   npm run simulate -- [--base http://localhost:7007] [--duration 120] [--rate 5]
//                       [--heavy-share 0.2] [--invalid-share 0.05] [--users a,b,c]
//
// Each tick picks a user and one of: a filter query (POST /api/filters/v1/query; "heavy"
// ones ask for 500 rows over a wide range, the rest 20 rows), a count, an SLO list read, a
// permission check, or a page load (the app's index page and the catalog list it calls, timed
// here and reported through the RUM beacon POST /api/platform/v1/rum with the measured
// duration). Invalid filter queries (a 4xx the SLOs do not count as errors) are mixed in at
// --invalid-share. A permission check (POST /api/authz/v1/check, the user as portal-user
// subject on one of a few dashboards) is asked twice in a row, as a page rendering several
// widgets would: the first may evaluate the policy, the repeat is answered from the decision
// cache, so both permission-check SLOs (cached and uncached) get measured decisions.
// Not simulated: export jobs (the e2e test starts a real one).
//
// Users sign in through the development sign-in (dev-user provider, development only).
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://localhost:7007' },
    duration: { type: 'string', default: '120' },
    rate: { type: 'string', default: '5' },
    'heavy-share': { type: 'string', default: '0.2' },
    'invalid-share': { type: 'string', default: '0.05' },
    users: {
      type: 'string',
      // Engineers of several teams (catalog/org-users.yaml).
      default:
        'maya.cohen,priya.raman,tomasz.kowalski,amara.okafor,diego.fernandez,yuki.tanaka',
    },
    quiet: { type: 'boolean', default: false },
  },
});

const base = args.base.replace(/\/$/, '');
const durationMs = Number(args.duration) * 1000;
const rate = Number(args.rate);
const heavyShare = Number(args['heavy-share']);
const invalidShare = Number(args['invalid-share']);
for (const [name, v] of [
  ['duration', durationMs],
  ['rate', rate],
  ['heavy-share', heavyShare],
  ['invalid-share', invalidShare],
]) {
  if (!Number.isFinite(v) || v < 0) {
    console.error(`--${name}: must be a number >= 0`);
    process.exit(2);
  }
}

/** The demo data's deterministic id of the n-th account (packages/dev-database). */
function demoAccountId(n) {
  const hex = createHash('md5').update(`account-${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(
    12,
    16,
  )}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function signIn(name) {
  const res = await fetch(`${base}/api/auth/dev-user/refresh`, {
    headers: { 'x-portal-dev-user': name },
  });
  if (!res.ok)
    throw new Error(`dev-user sign-in as ${name}: HTTP ${res.status}`);
  return (await res.json()).backstageIdentity.token;
}

const stats = new Map();
function count(kind, status) {
  const key = `${kind} ${status}`;
  stats.set(key, (stats.get(key) ?? 0) + 1);
}

async function send(token, method, path, body) {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function call(kind, token, method, path, body) {
  const res = await send(token, method, path, body);
  await res.arrayBuffer();
  count(kind, res.status);
  return res.status;
}

/** Few distinct resources, so repeated checks find their decision in the cache. */
const CHECKED_DASHBOARDS = ['simulated-1', 'simulated-2', 'simulated-3'];

async function permissionCheck(user) {
  const body = {
    subject: { type: 'portal-user', id: `user:default/${user.name}` },
    action: 'dashboards.read',
    resource: {
      type: 'dashboard',
      id: CHECKED_DASHBOARDS[
        Math.floor(Math.random() * CHECKED_DASHBOARDS.length)
      ],
    },
  };
  for (let i = 0; i < 2; i++) {
    const res = await send(user.token, 'POST', '/api/authz/v1/check', body);
    const decision = res.ok ? await res.json() : (await res.arrayBuffer(), {});
    const answered = !res.ok
      ? ''
      : decision.cacheHit
      ? ' (cached)'
      : ' (evaluated)';
    count(`permission check${answered}`, res.status);
  }
}

function filterQuery(heavy, invalid) {
  const body = {
    dataset: 'events',
    accountId: demoAccountId(1 + Math.floor(Math.random() * 5)),
    filter: {
      combinator: 'and',
      rules: [
        invalid
          ? { field: 'no_such_field', operator: 'eq', value: 1 }
          : {
              field: 'occurred_at',
              operator: 'in_last',
              value: { amount: heavy ? 365 : 7, unit: 'days' },
            },
      ],
    },
    limit: heavy ? 500 : 20,
  };
  return body;
}

async function pageLoad(token) {
  const started = performance.now();
  const index = await fetch(`${base}/`);
  await index.arrayBuffer();
  await call(
    'catalog list',
    token,
    'GET',
    '/api/catalog/entities?filter=kind=component&limit=50',
  );
  const durationMs = Math.round(performance.now() - started);
  await call('rum beacon', token, 'POST', '/api/platform/v1/rum', {
    route: '/catalog',
    kind: 'page-load',
    durationMs,
  });
}

async function tick(user) {
  const { token } = user;
  const r = Math.random();
  if (r < 0.4) {
    const invalid = Math.random() < invalidShare;
    const heavy = !invalid && Math.random() < heavyShare;
    await call(
      invalid
        ? 'filter query (invalid)'
        : heavy
        ? 'filter query (heavy)'
        : 'filter query',
      token,
      'POST',
      '/api/filters/v1/query',
      filterQuery(heavy, invalid),
    );
  } else if (r < 0.52) {
    const body = filterQuery(false, false);
    await call('filter count', token, 'POST', '/api/filters/v1/count', body);
  } else if (r < 0.62) {
    await call('slo list', token, 'GET', '/api/slo/v1/slos');
  } else if (r < 0.82) {
    await permissionCheck(user);
  } else {
    await pageLoad(token);
  }
}

async function main() {
  const names = args.users
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  const users = await Promise.all(
    names.map(async name => ({ name, token: await signIn(name) })),
  );
  console.log(
    `simulating ${rate} req/s for ${
      durationMs / 1000
    } s against ${base} as ${names.join(', ')}`,
  );
  const end = Date.now() + durationMs;
  const inFlight = new Set();
  let i = 0;
  while (Date.now() < end) {
    const user = users[i++ % users.length];
    const p = tick(user).catch(error =>
      count('network error', error.code ?? error.message),
    );
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
    await new Promise(r => setTimeout(r, 1000 / Math.max(rate, 0.001)));
  }
  await Promise.all(inFlight);
  const rows = [...stats.entries()].sort();
  for (const [key, n] of rows) console.log(`${String(n).padStart(6)}  ${key}`);
  console.log(
    'Request telemetry is flushed to the rollups every minute; the SLO scheduler then ingests it.',
  );
}

main().catch(error => {
  console.error(error.message);
  process.exit(1);
});
