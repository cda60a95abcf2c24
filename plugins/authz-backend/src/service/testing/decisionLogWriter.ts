/*
 * Child process of DecisionLog.test.ts (kill -9): appends decisions from many concurrent
 * writers through one DecisionLog and prints each decision id once its append resolved
 * (acknowledged), until it is killed.
 */
import { randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { DecisionLog } from '../DecisionLog';

const knex = knexFactory({
  client: 'pg',
  connection: process.env.DECISION_LOG_DB!,
  pool: { min: 1, max: 4 },
});
const log = new DecisionLog(knex, { maxQueued: 500 });

async function writer(): Promise<void> {
  for (;;) {
    const ids = Array.from({ length: 5 }, () => randomUUID());
    await log.append(
      ids.map(decisionId => ({
        caller: 'service:kill-test',
        check: {
          subject: { type: 'product-user', id: 'u' },
          action: 'dashboard.read',
          resource: { type: 'dashboard', id: 'd' },
        },
        decision: {
          allowed: true,
          reason: 'role_grants_action',
          decisionId,
          policyRevision: 'r',
          cacheHit: false,
          mode: 'enforce',
        },
        policy: { allowed: true, reason: 'role_grants_action' },
      })),
    );
    process.stdout.write(`${ids.join('\n')}\n`);
  }
}

for (let i = 0; i < 40; i++) writer();
