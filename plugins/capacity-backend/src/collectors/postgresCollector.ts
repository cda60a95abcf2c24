import { Knex } from 'knex';
import { Collector, CollectorOutput } from './types';

interface IoSnapshot {
  at: number;
  operations: number;
}

function reasonOf(error: unknown): string {
  return (error as Error).message?.split('\n')[0] ?? String(error);
}

/**
 * Measures the product Postgres: size, connections vs max_connections, p95 statement time
 * (pg_stat_statements), replication lag, cache hit ratio and I/O operations per second
 * (pg_stat_io, as a rate between two collections).
 */
export class PostgresCollector implements Collector {
  readonly name = 'postgres';
  private lastIo?: IoSnapshot;

  constructor(
    private readonly db: Knex,
    private readonly options: { createExtension?: boolean } = {},
  ) {}

  async collect(now: Date): Promise<CollectorOutput> {
    const out: CollectorOutput = { samples: [], measured: [], unavailable: [] };
    const step = async (metric: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (error) {
        out.unavailable.push({ metric, reason: reasonOf(error) });
      }
    };
    const measure = (
      metric: string,
      value: number,
      unit: string,
      source: string,
      limit?: string,
    ) => {
      out.measured.push({ metric, value, unit, source });
      if (limit) out.samples.push({ limit, value, source });
    };

    await step('postgres-disk', async () => {
      const { rows } = await this.db.raw(
        'SELECT pg_database_size(current_database())::float8 AS bytes, current_database() AS db',
      );
      const gb = rows[0].bytes / 1e9;
      measure(
        'postgres-disk',
        Number(gb.toFixed(6)),
        'GB',
        `pg_database_size('${rows[0].db}')`,
        'postgres-disk',
      );
    });

    await step('postgres-connections', async () => {
      const { rows } = await this.db.raw(
        `SELECT count(*) FILTER (WHERE backend_type = 'client backend')::int AS clients,
                count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active')::int AS active,
                current_setting('max_connections')::int AS max
           FROM pg_stat_activity`,
      );
      const { clients, active, max } = rows[0];
      measure(
        'postgres-connections',
        clients,
        'connections',
        `pg_stat_activity client backends (max_connections ${max})`,
        'postgres-connections',
      );
      measure(
        'postgres-connections-active',
        active,
        'connections',
        "pg_stat_activity state = 'active'",
      );
      measure(
        'postgres-max-connections',
        max,
        'connections',
        "current_setting('max_connections')",
      );
    });

    await step('postgres-query-p95', async () => {
      await this.ensurePgStatStatements();
      const { rows } = await this.db.raw(
        `WITH s AS (
           SELECT mean_exec_time, calls FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND calls > 0),
         o AS (
           SELECT mean_exec_time, calls,
                  sum(calls) OVER (ORDER BY mean_exec_time) AS cumulative,
                  sum(calls) OVER () AS total
             FROM s)
         SELECT min(mean_exec_time)::float8 AS p95, max(total)::float8 AS calls
           FROM o WHERE cumulative >= 0.95 * total`,
      );
      if (rows[0].p95 === null) {
        throw new Error(
          'pg_stat_statements has no statements for this database yet',
        );
      }
      measure(
        'postgres-query-p95',
        Number(rows[0].p95.toFixed(3)),
        'ms',
        `pg_stat_statements: call-weighted p95 of per-statement mean times over ${rows[0].calls} calls since the last reset`,
        'postgres-query-p95',
      );
    });

    await step('postgres-replication-lag', async () => {
      const { rows } = await this.db.raw(
        `SELECT pg_is_in_recovery() AS standby,
                (SELECT count(*)::int FROM pg_stat_replication) AS replicas,
                (SELECT max(extract(epoch FROM replay_lag))::float8 FROM pg_stat_replication) AS lag,
                CASE WHEN pg_is_in_recovery()
                     THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS standby_lag`,
      );
      const r = rows[0];
      if (r.standby) {
        if (r.standby_lag === null)
          throw new Error('standby has not replayed a transaction yet');
        measure(
          'postgres-replication-lag',
          r.standby_lag,
          's',
          'now() - pg_last_xact_replay_timestamp() on the standby',
          'postgres-replication-lag',
        );
      } else if (r.replicas === 0) {
        throw new Error(
          'no replicas: pg_stat_replication is empty on this primary',
        );
      } else {
        measure(
          'postgres-replication-lag',
          r.lag ?? 0,
          's',
          `max(replay_lag) of ${r.replicas} replicas in pg_stat_replication`,
          'postgres-replication-lag',
        );
      }
    });

    await step('postgres-cache-hit-ratio', async () => {
      const { rows } = await this.db.raw(
        `SELECT blks_hit::float8 AS hit, blks_read::float8 AS read
           FROM pg_stat_database WHERE datname = current_database()`,
      );
      const { hit, read } = rows[0];
      if (hit + read === 0) throw new Error('no block reads recorded yet');
      measure(
        'postgres-cache-hit-ratio',
        Number((hit / (hit + read)).toFixed(6)),
        'ratio',
        'pg_stat_database blks_hit / (blks_hit + blks_read)',
      );
    });

    await step('postgres-iops', async () => {
      const { rows } = await this.db.raw(
        `SELECT (coalesce(sum(reads), 0) + coalesce(sum(writes), 0))::float8 AS ops FROM pg_stat_io`,
      );
      const snapshot = { at: now.getTime(), operations: rows[0].ops };
      const previous = this.lastIo;
      this.lastIo = snapshot;
      if (!previous)
        throw new Error(
          'first pg_stat_io snapshot taken; a rate needs a second collection',
        );
      const seconds = (snapshot.at - previous.at) / 1000;
      const delta = snapshot.operations - previous.operations;
      if (seconds <= 0 || delta < 0)
        throw new Error(
          'pg_stat_io was reset between collections; rate skipped',
        );
      measure(
        'postgres-iops',
        Number((delta / seconds).toFixed(3)),
        'IOPS',
        `pg_stat_io reads + writes over ${seconds.toFixed(0)} s (whole server)`,
        'postgres-iops',
      );
    });

    return out;
  }

  private async ensurePgStatStatements() {
    const { rows } = await this.db.raw(
      `SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`,
    );
    if (rows.length) return;
    if (!this.options.createExtension) {
      throw new Error(
        'pg_stat_statements is not installed in this database (capacity.collectors.postgres.createExtension is off)',
      );
    }
    await this.db.raw('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  }
}
