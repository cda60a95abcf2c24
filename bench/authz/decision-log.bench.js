#!/usr/bin/env node
/*
 * The decision log without HTTP: how many decisions per second the group commit writes when
 * CLIENTS concurrent callers each append 100-decision batches (as /v1/check/batch does), on a
 * fresh database of the test Postgres (PORTAL_TEST_POSTGRES_URL). Series: decisions only; with
 * the events of a third denied (permission.denied for each, permission.checked for 10 %) in the
 * commit statement (the real EventProducer and schema registry); and the same with the audit
 * append of the denials awaited after each commit (a stand-in taking AUDIT_MS, default 3, per
 * append, like the platform chain's transaction; 0 to skip). Reports decisions/s and the mean
 * group size per series; ROUNDS rounds (default 3), series alternating order.
 * Run: PORTAL_TEST_POSTGRES_URL=... scripts/with-node.sh node bench/authz/decision-log.bench.js
 */
const os = require('node:os');
const { randomUUID } = require('node:crypto');
const { loadTypeScript, repo } = require('./loadTypeScript');

const { DecisionLog, DecisionTrail, EventProducer, EventSchemaRegistry } =
  loadTypeScript(`
export { DecisionLog } from '../../plugins/authz-backend/src/service/DecisionLog';
export { DecisionTrail } from '../../plugins/authz-backend/src/service/DecisionTrail';
export { EventProducer } from '../../plugins/platform-node/src/events/EventProducer';
export { EventSchemaRegistry } from '../../plugins/platform-node/src/events/EventSchemaRegistry';
`);
const knexFactory = require('knex');
const { Registry } = require('prom-client');

const CLIENTS = Number(process.env.CLIENTS ?? 8);
const BATCHES = Number(process.env.BATCHES ?? 300);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const AUDIT_MS = Number(process.env.AUDIT_MS ?? 3);
const ACCOUNT = randomUUID();

const decision = i => ({
  caller: 'service:external:authz-bench',
  check: {
    subject: { type: 'product-user', id: randomUUID() },
    action: i % 3 === 0 ? 'dashboard.delete' : 'dashboard.read',
    resource: {
      type: 'dashboard',
      id: `d-${i % 200}`,
      attributes: { account: ACCOUNT },
    },
  },
  decision: {
    allowed: i % 3 !== 0,
    reason: i % 3 === 0 ? 'role_lacks_action' : 'role_grants_action',
    decisionId: randomUUID(),
    policyRevision: 'a'.repeat(64),
    cacheHit: true,
    mode: 'enforce',
  },
  policy: { allowed: i % 3 !== 0, reason: 'role_grants_action' },
  latencyUs: 3,
});

async function series(log) {
  const commits = log.commits;
  const started = process.hrtime.bigint();
  let sent = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (sent < BATCHES) {
        sent++;
        await log.append(Array.from({ length: 100 }, (_, i) => decision(i)));
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    rate: (BATCHES * 100) / seconds,
    group: (BATCHES * 100) / (log.commits - commits),
  };
}

async function main() {
  const url = new URL(process.env.PORTAL_TEST_POSTGRES_URL ?? '');
  const database = `authz_log_bench_${process.pid}`;
  const admin = knexFactory({ client: 'pg', connection: url.toString() });
  await admin.raw(`CREATE DATABASE ${database}`);
  url.pathname = `/${database}`;
  const knex = knexFactory({
    client: 'pg',
    connection: url.toString(),
    pool: { min: 1, max: 10 },
  });
  try {
    await knex.migrate.latest({
      directory: `${repo}/plugins/authz-backend/migrations`,
    });
    await knex.migrate.latest({
      directory: `${repo}/plugins/platform-node/migrations`,
      tableName: 'platform_node_knex_migrations',
    });
    const logger = { warn: console.warn };
    const producer = new EventProducer({
      knex,
      producer: 'authz',
      registry: EventSchemaRegistry.fromPackage(),
      metrics: new Registry(),
    });
    const trail = new DecisionTrail({
      appendAudit: () => new Promise(resolve => setTimeout(resolve, AUDIT_MS)),
      events: producer,
      logger,
    });
    const logs = {
      'decisions only': new DecisionLog(knex),
      '+ events in the commit': new DecisionLog(knex, {
        events: d => trail.events(d),
      }),
      [`+ events + audit append (${AUDIT_MS} ms)`]: new DecisionLog(knex, {
        events: d => trail.events(d),
        onCommitted: d => trail.committed(d),
      }),
    };
    await series(logs['decisions only']); // warm-up
    const results = Object.fromEntries(Object.keys(logs).map(k => [k, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const names = Object.keys(logs);
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length];
        results[name].push(await series(logs[name]));
      }
    }
    const median = xs => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    console.log(
      `machine: ${os.cpus().length} vCPU, Node ${
        process.version
      }; ${new Date().toISOString()}; load ${os
        .loadavg()
        .map(l => l.toFixed(2))
        .join(
          ' ',
        )}; ${CLIENTS} clients x 100 decisions, ${BATCHES} batches per series, ${ROUNDS} rounds`,
    );
    for (const [name, runs] of Object.entries(results)) {
      console.log(
        `${name}: median ${Math.round(
          median(runs.map(r => r.rate)),
        )} decisions/s (runs ${runs
          .map(r => Math.round(r.rate))
          .join(', ')}), mean group ${Math.round(
          median(runs.map(r => r.group)),
        )} decisions per commit`,
      );
    }
  } finally {
    await knex.destroy();
    await admin.raw(`DROP DATABASE ${database}`);
    await admin.destroy();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
