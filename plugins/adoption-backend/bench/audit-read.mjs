// The cost of adoption's audit-store read: the SQL of the platform backend's
// AuditActivityReader over ROWS (default 1M) audit records spread over 30 days, cold (the whole
// window, as on the first call or after the day cache expires) and warm (only the partial first
// and last day, as the day-cached reader reads them), against a same-run floor (count(*) over
// the window). Seven interleaved rounds, medians. Needs PORTAL_TEST_POSTGRES_URL; creates and
// drops its own database.
//   scripts/with-node.sh node plugins/adoption-backend/bench/audit-read.mjs
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(`${repo}plugins/platform-backend/package.json`);
const knexFactory = require('knex');

const base = process.env.PORTAL_TEST_POSTGRES_URL;
const N = Number(process.env.ROWS ?? 1_000_000);
const admin = knexFactory({ client: 'pg', connection: base });
await admin.raw('DROP DATABASE IF EXISTS adoption_audit_bench');
await admin.raw('CREATE DATABASE adoption_audit_bench');
await admin.destroy();
const url = new URL(base);
url.pathname = '/adoption_audit_bench';
const knex = knexFactory({ client: 'pg', connection: url.toString() });
await knex.migrate.latest({
  directory: `${repo}plugins/platform-backend/migrations`,
});
const t0 = Date.now();
await knex.raw(`
  INSERT INTO platform_audit_log (seq, id, recorded_at, occurred_at, actor, action, resource, outcome, severity, plugin, meta, prev_hash, hash)
  SELECT g, gen_random_uuid(), now(), now() - (g % 2592000) * interval '1 second',
         'user:default/u' || (g % 500), (ARRAY['filters.filters-query','filters.filters-count','exports.export-create','authz.policy-change'])[1 + g % 4],
         '/api/x', CASE WHEN g % 20 = 0 THEN 'failed' ELSE 'succeeded' END, 'medium',
         (ARRAY['filters','filters','exports','authz'])[1 + g % 4], '{}'::jsonb, 'p', 'h'
    FROM generate_series(1, ${N}) g`);
await knex.raw('ANALYZE platform_audit_log');
console.log(`seeded ${N} rows in ${Date.now() - t0} ms`);
const to = new Date();
const from = new Date(to.getTime() - 30 * 86400000);
const sqlReader = `SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
       plugin, action, outcome, actor, count(*)::bigint AS count, max(occurred_at) AS last_at
  FROM platform_audit_log WHERE occurred_at >= :from AND occurred_at < :to
   AND (:all OR plugin = ANY(:plugins)) GROUP BY 1, 2, 3, 4, 5`;
const sqlFloor = `SELECT count(*) FROM platform_audit_log WHERE occurred_at >= :from AND occurred_at < :to`;
const args = { from, to, all: false, plugins: ['exports', 'filters', 'authz'] };
const time = async sql => {
  const s = process.hrtime.bigint();
  const r = await knex.raw(sql, args);
  return [Number(process.hrtime.bigint() - s) / 1e6, r.rows.length];
};
const med = a => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
// Warm call of the day-cached reader: only the partial first and last day are read.
const DAY = 86400000;
const headEnd = new Date(Math.floor(from.getTime() / DAY) * DAY + DAY);
const tailStart = new Date(Math.floor(to.getTime() / DAY) * DAY);
const timeWarm = async () => {
  const s = process.hrtime.bigint();
  await Promise.all([
    knex.raw(sqlReader, { ...args, from, to: headEnd }),
    knex.raw(sqlReader, { ...args, from: tailStart, to }),
  ]);
  return Number(process.hrtime.bigint() - s) / 1e6;
};
const reader = [];
const floor = [];
const warm = [];
let groups = 0;
for (let i = 0; i < 7; i++) {
  // interleaved, same run
  const [f] = await time(sqlFloor);
  floor.push(f);
  const [r, n] = await time(sqlReader);
  reader.push(r);
  groups = n;
  warm.push(await timeWarm());
}
console.log(
  JSON.stringify({
    rows: N,
    groups,
    coldMs: reader.map(Math.round),
    warmMs: warm.map(Math.round),
    floorMs: floor.map(Math.round),
    coldMedianMs: Math.round(med(reader)),
    warmMedianMs: Math.round(med(warm)),
    floorMedianMs: Math.round(med(floor)),
    coldOverFloor: +(med(reader) / med(floor)).toFixed(2),
    warmOverCold: +(med(warm) / med(reader)).toFixed(3),
  }),
);
await knex.destroy();
const admin2 = knexFactory({ client: 'pg', connection: base });
await admin2.raw('DROP DATABASE adoption_audit_bench');
await admin2.destroy();
