// Creates (once) the benchmark product database `bench_filters_<rows>` on the Postgres server
// named by PORTAL_TEST_POSTGRES_URL (or --url), using the demo generator of packages/dev-database.
import {
  ensureProductDatabase,
  parsePostgresUrl,
} from '@internal/dev-database';

export async function seedBenchDatabase(url: string, rows: number) {
  const connection = {
    ...parsePostgresUrl(url),
    database: `bench_filters_${rows}`,
  };
  const started = Date.now();
  const status = await ensureProductDatabase({
    connection,
    eventRows: rows,
    log: m => console.error(m),
  });
  return { connection, status, seconds: (Date.now() - started) / 1000 };
}

if (require.main === module) {
  const url = process.env.PORTAL_TEST_POSTGRES_URL!;
  const rows = Number(process.argv[2] ?? 1_000_000);
  seedBenchDatabase(url, rows).then(r =>
    console.log(JSON.stringify(r.status), `${r.seconds}s`),
  );
}
