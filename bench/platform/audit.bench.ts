/**
 * Audit store append throughput: group commit vs one transaction per record, in one run.
 * Run: see bench/platform/README.md. Prints medians, the ratio and a JSON report.
 *
 * Both sides use the production AuditStore (hash chain, head-row lock, multi-row insert);
 * the baseline is the same store with maxBatch = 1, i.e. one transaction per record.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { createBenchDatabase } from '@internal/dev-database';
import {
  AuditStore,
  canonicalAuditRecord,
} from '../../plugins/platform-backend/src/service/AuditStore';
import { chainHash } from '../../plugins/platform-backend/src/service/canonical';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GROUP_RECORDS = Number(process.env.BENCH_GROUP_RECORDS ?? 20_000);
const BASELINE_RECORDS = Number(process.env.BENCH_BASELINE_RECORDS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const record = (i: number) => ({
  actor: `user:default/user-${i % 50}`,
  action: i % 3 ? 'exports.export-create' : 'authz.permission-check',
  resource: `dashboard:${i % 400}`,
  outcome: 'succeeded' as const,
  severity: 'low' as const,
  plugin: 'bench',
  meta: { i, format: 'csv', rows: i * 7 },
});

/**
 * CPU cost of chaining alone, per record: the plain sha256 chain (before issue 8) against the
 * HMAC-SHA256 chain the store writes now, over the same canonical records.
 */
function hashCostMicros(store: AuditStore, n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({
    ...record(i),
    seq: String(i + 1),
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    recorded_at: new Date(),
    occurred_at: new Date(),
    key_id: store.keyring.currentKeyId,
  }));
  const time = (fn: (prev: string, canonical: string) => string) => {
    let prev = '0'.repeat(64);
    const started = performance.now();
    for (const row of rows) prev = fn(prev, canonicalAuditRecord(row));
    return ((performance.now() - started) * 1000) / n;
  };
  const sha = time(chainHash);
  const hmac = time((prev, c) =>
    store.keyring.mac(store.keyring.currentKeyId, prev, c),
  );
  return { sha256: sha, hmacSha256: hmac };
}

/** `total` appends from `concurrency` concurrent callers, each awaiting its commit. */
async function appendAll(
  store: AuditStore,
  total: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        await store.append(record(i));
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function main() {
  const db = await createBenchDatabase();
  await db.knex.migrate.latest({
    directory: resolvePackagePath(
      '@internal/plugin-platform-backend',
      'migrations',
    ),
  });
  const group: number[] = [];
  const baseline: number[] = [];
  try {
    // Warm-up: connections, JIT.
    await appendAll(new AuditStore(db.knex), 2000, CONCURRENCY);
    for (let round = 0; round < ROUNDS; round++) {
      // Interleave the two sides so drift on a shared machine hits both.
      baseline.push(
        await appendAll(
          new AuditStore(db.knex, { maxBatch: 1 }),
          BASELINE_RECORDS,
          CONCURRENCY,
        ),
      );
      group.push(
        await appendAll(new AuditStore(db.knex), GROUP_RECORDS, CONCURRENCY),
      );
      process.stderr.write(
        `round ${round + 1}/${ROUNDS}: one-txn-per-record ${baseline[
          round
        ].toFixed(0)}/s, group commit ${group[round].toFixed(0)}/s\n`,
      );
    }
    const verifyStarted = performance.now();
    const verify = await new AuditStore(db.knex).verify();
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    const hashCost = [1, 2, 3].map(() =>
      hashCostMicros(new AuditStore(db.knex), 20_000),
    );
    const report = {
      benchmark: 'platform audit store append',
      at: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        node: process.version,
      },
      rounds: ROUNDS,
      concurrency: CONCURRENCY,
      records: { groupCommit: GROUP_RECORDS, baseline: BASELINE_RECORDS },
      recordsPerSecond: {
        groupCommitMedian: Math.round(median(group)),
        baselineMedian: Math.round(median(baseline)),
        groupCommit: group.map(Math.round),
        baseline: baseline.map(Math.round),
      },
      ratio: Number((median(group) / median(baseline)).toFixed(1)),
      chainingMicrosPerRecord: {
        note: 'canonical JSON + hash per record, CPU only, 3 runs of 20,000',
        sha256Median: Number(median(hashCost.map(h => h.sha256)).toFixed(2)),
        hmacSha256Median: Number(
          median(hashCost.map(h => h.hmacSha256)).toFixed(2),
        ),
      },
      goal: '>= 10,000 records/s with group commit',
      goalMet: median(group) >= 10_000,
      chainAfterRun: {
        valid: verify.valid,
        checked: verify.checked,
        keyIds: verify.keyIds,
        verifySeconds: Number(verifySeconds.toFixed(2)),
        verifyRecordsPerSecond: Math.round(verify.checked / verifySeconds),
      },
    };
    console.log(JSON.stringify(report, null, 2));
    console.log('');
    console.log('| mode | records/round | median records/s |');
    console.log('| --- | ---: | ---: |');
    console.log(
      `| one transaction per record (baseline) | ${BASELINE_RECORDS} | ${report.recordsPerSecond.baselineMedian} |`,
    );
    console.log(
      `| group commit | ${GROUP_RECORDS} | ${report.recordsPerSecond.groupCommitMedian} |`,
    );
    console.log(
      `\nratio group commit / baseline: ${report.ratio}x; goal met: ${report.goalMet}`,
    );
  } finally {
    await db.destroy();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
