import { Knex } from 'knex';
import { Collector, CollectorOutput } from './types';

interface IoSnapshot {
  at: number;
  operations: number;
}

/**
 * The value below which `share` of all calls fall, when each call is counted at its
 * statement's mean time (pg_stat_statements keeps no per-call times).
 */
export function weightedPercentile(
  statements: { mean: number; calls: number }[],
  share: number,
): number | undefined {
  const sorted = [...statements].sort((a, b) => a.mean - b.mean);
  const total = sorted.reduce((sum, s) => sum + s.calls, 0);
  if (total === 0) return undefined;
  let cumulative = 0;
  for (const s of sorted) {
    cumulative += s.calls;
    if (cumulative >= share * total) return s.mean;
  }
  return sorted[sorted.length - 1].mean;
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
  private lastStatements?: {
    at: number;
    statements: Map<string, { calls: number; total: number }>;
  };

  constructor(
    private readonly db: Knex,
    private readonly options: {
      createExtension?: boolean;
      /** On the first collection, measure I/O over this window (default 5 s; 0 = wait for the next run). */
      firstRateWindowMs?: number;
    } = {},
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
        `SELECT queryid::text AS id, calls::float8 AS calls, total_exec_time::float8 AS total
           FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      const snapshot = new Map<string, { calls: number; total: number }>(
        rows.map((r: { id: string; calls: number; total: number }) => [
          r.id,
          { calls: r.calls, total: r.total },
        ]),
      );
      const previous = this.lastStatements;
      this.lastStatements = { at: now.getTime(), statements: snapshot };
      // Between two collections: per-statement mean of the calls made in the interval;
      // on the first collection: means since the last pg_stat_statements reset.
      const statements: { mean: number; calls: number }[] = [];
      for (const [id, s] of snapshot) {
        const before = previous?.statements.get(id);
        const calls = s.calls - (before?.calls ?? 0);
        const total = s.total - (before?.total ?? 0);
        if (calls > 0 && total >= 0)
          statements.push({ mean: total / calls, calls });
      }
      const p95 = weightedPercentile(statements, 0.95);
      if (p95 === undefined) {
        throw new Error(
          previous
            ? 'no statements ran in this database since the last collection'
            : 'pg_stat_statements has no statements for this database yet',
        );
      }
      const calls = statements.reduce((sum, s) => sum + s.calls, 0);
      const over = previous
        ? `the last ${((now.getTime() - previous.at) / 1000).toFixed(0)} s`
        : 'the time since the last pg_stat_statements reset';
      measure(
        'postgres-query-p95',
        Number(p95.toFixed(3)),
        'ms',
        `pg_stat_statements: call-weighted p95 of per-statement mean times, ${calls} calls over ${over}`,
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
      const read = async () => {
        const { rows } = await this.db.raw(
          `SELECT (coalesce(sum(reads), 0) + coalesce(sum(writes), 0))::float8 AS ops FROM pg_stat_io`,
        );
        return rows[0].ops as number;
      };
      let previous = this.lastIo;
      const firstWindowMs = this.options.firstRateWindowMs ?? 5000;
      if (!previous && firstWindowMs > 0) {
        // No earlier collection: measure a short window now instead of waiting a full interval.
        previous = { at: Date.now(), operations: await read() };
        await new Promise(resolve => setTimeout(resolve, firstWindowMs));
      }
      const snapshot = {
        at: previous && !this.lastIo ? Date.now() : now.getTime(),
        operations: await read(),
      };
      this.lastIo = snapshot;
      if (!previous) {
        throw new Error(
          'first pg_stat_io snapshot taken; a rate needs a second collection',
        );
      }
      const seconds = (snapshot.at - previous.at) / 1000;
      const delta = snapshot.operations - previous.operations;
      if (seconds <= 0 || delta < 0) {
        throw new Error(
          'pg_stat_io was reset between collections; rate skipped',
        );
      }
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
