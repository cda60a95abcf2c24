import { Knex } from 'knex';
import {
  CapacityStatus,
  LimitDefinition,
  Provenance,
  Sample,
} from '@internal/plugin-capacity-common';

export interface DbSampleRow {
  id: string;
  limit_id: string;
  value: number;
  at: Date;
  source: string;
  provenance: Provenance;
  recorded_by: string;
  recorded_at: Date;
}

export interface SeriesPoint {
  limit: string;
  /** epoch ms */
  t: number;
  value: number;
  provenance: Provenance;
}

export interface DbApiLimitRow {
  id: string;
  definition: LimitDefinition;
  created_by: string;
  created_at: Date;
}

export interface DbStatusChangeRow {
  id: string;
  limit_id: string;
  from_status: CapacityStatus | null;
  to_status: CapacityStatus;
  reason: string;
  at: Date;
  webhook_result: string | null;
}

export interface DbSpendRow {
  id: string;
  driver_id: string;
  service_id: string;
  month: string;
  amount: number;
  at: Date;
  source: string;
  recorded_by: string;
}

export interface CollectorRunResult {
  measured: { metric: string; value: number; unit: string; source: string }[];
  unavailable: { metric: string; reason: string }[];
}

export interface DbCollectorRunRow {
  collector: string;
  at: Date;
  result: CollectorRunResult;
}

export type NewSample = Omit<Sample, 'at'> & { at: Date; recordedBy: string };

export interface StatusChange {
  limit: string;
  from: CapacityStatus | null;
  to: CapacityStatus;
  at: string;
  reason: string;
  webhook?: string;
}

/** Advisory lock key of status evaluation (arbitrary, fixed: "capa" in ASCII). */
const STATUS_LOCK_KEY = 0x63617061;

const toSample = (r: DbSampleRow): Sample => ({
  limit: r.limit_id,
  value: Number(r.value),
  at: new Date(r.at).toISOString(),
  source: r.source,
  provenance: r.provenance,
});

const toChange = (r: DbStatusChangeRow): StatusChange => ({
  limit: r.limit_id,
  from: r.from_status,
  to: r.to_status,
  at: new Date(r.at).toISOString(),
  reason: r.reason,
  ...(r.webhook_result ? { webhook: r.webhook_result } : {}),
});

/** The capacity plugin's own tables (in the plugin's backend database). */
export class CapacityStore {
  constructor(private readonly db: Knex) {}

  async addSamples(samples: NewSample[]): Promise<void> {
    if (samples.length === 0) return;
    await this.db<DbSampleRow>('capacity_samples').insert(
      samples.map(s => ({
        limit_id: s.limit,
        value: s.value,
        at: s.at,
        source: s.source,
        provenance: s.provenance,
        recorded_by: s.recordedBy,
      })),
    );
  }

  /** Samples of the limits since `from`, oldest first. */
  async samplesSince(limitIds: string[], from: Date): Promise<Sample[]> {
    if (limitIds.length === 0) return [];
    const rows = await this.db<DbSampleRow>('capacity_samples')
      .whereIn('limit_id', limitIds)
      .andWhere('at', '>=', from)
      .orderBy([{ column: 'at' }, { column: 'id' }]);
    return rows.map(toSample);
  }

  /**
   * Window series for the clock: time as epoch ms and value only (no source text, no Date
   * parsing), oldest first; parsing 32k full rows was most of GET /v1/limits (bench/capacity).
   */
  async seriesSince(limitIds: string[], from: Date): Promise<SeriesPoint[]> {
    if (limitIds.length === 0) return [];
    const { rows } = await this.db.raw(
      `SELECT limit_id AS "limit", (extract(epoch FROM at) * 1000)::float8 AS t, value, provenance
         FROM capacity_samples
        WHERE limit_id = ANY(?) AND at >= ?
        ORDER BY at, id`,
      [limitIds, from],
    );
    return rows;
  }

  /** The newest sample of each limit (any age). */
  async latestSamples(limitIds: string[]): Promise<Map<string, Sample>> {
    if (limitIds.length === 0) return new Map();
    const rows: DbSampleRow[] = await this.db.select('s.*').from(
      this.db('capacity_samples')
        .distinctOn('limit_id')
        .whereIn('limit_id', limitIds)
        .orderBy([
          { column: 'limit_id' },
          { column: 'at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .as('s'),
    );
    return new Map(rows.map(r => [r.limit_id, toSample(r)]));
  }

  /** The newest sample of each limit at or before `at`. */
  async samplesAsOf(
    limitIds: string[],
    at: Date,
  ): Promise<Map<string, Sample>> {
    if (limitIds.length === 0) return new Map();
    const rows: DbSampleRow[] = await this.db('capacity_samples')
      .distinctOn('limit_id')
      .whereIn('limit_id', limitIds)
      .andWhere('at', '<=', at)
      .orderBy([
        { column: 'limit_id' },
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    return new Map(rows.map(r => [r.limit_id, toSample(r)]));
  }

  async apiLimits(): Promise<DbApiLimitRow[]> {
    return this.db<DbApiLimitRow>('capacity_api_limits').orderBy('id');
  }

  async upsertApiLimit(limit: LimitDefinition, createdBy: string) {
    await this.db('capacity_api_limits')
      .insert({
        id: limit.id,
        definition: JSON.stringify(limit),
        created_by: createdBy,
      })
      .onConflict('id')
      .merge(['definition', 'created_by', 'created_at']);
  }

  async deleteApiLimit(id: string): Promise<boolean> {
    return (await this.db('capacity_api_limits').where({ id }).delete()) > 0;
  }

  /**
   * Runs `fn` while holding a Postgres advisory lock, so status evaluations of concurrent tasks
   * and replicas never both record the same change. `fn` uses other pool connections; the lock
   * is released when this transaction ends.
   */
  async withStatusLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.transaction(async trx => {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [STATUS_LOCK_KEY]);
      return fn();
    });
  }

  /** The latest recorded status of each limit. */
  async lastStatuses(): Promise<Map<string, CapacityStatus>> {
    const rows: DbStatusChangeRow[] = await this.db('capacity_status_changes')
      .distinctOn('limit_id')
      .orderBy([
        { column: 'limit_id' },
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    return new Map(rows.map(r => [r.limit_id, r.to_status]));
  }

  async addStatusChange(change: Omit<StatusChange, 'at' | 'webhook'>) {
    const [row] = await this.db<DbStatusChangeRow>('capacity_status_changes')
      .insert({
        limit_id: change.limit,
        from_status: change.from,
        to_status: change.to,
        reason: change.reason,
      })
      .returning('*');
    return row;
  }

  async setWebhookResult(id: string, result: string) {
    await this.db('capacity_status_changes')
      .where({ id })
      .update({ webhook_result: result });
  }

  async statusChangesSince(from: Date): Promise<StatusChange[]> {
    const rows = await this.db<DbStatusChangeRow>('capacity_status_changes')
      .where('at', '>=', from)
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    return rows.map(toChange);
  }

  async addSpend(rows: Omit<DbSpendRow, 'id'>[]) {
    if (rows.length) await this.db('capacity_spend').insert(rows);
  }

  /** The latest spend figure per (driver, service) of a month. */
  async latestSpend(month: string): Promise<DbSpendRow[]> {
    return this.db<DbSpendRow>('capacity_spend')
      .distinctOn(['driver_id', 'service_id'])
      .where({ month })
      .orderBy([
        { column: 'driver_id' },
        { column: 'service_id' },
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
  }

  async saveCollectorRun(
    collector: string,
    at: Date,
    result: CollectorRunResult,
  ) {
    await this.db('capacity_collector_runs')
      .insert({ collector, at, result: JSON.stringify(result) })
      .onConflict('collector')
      .merge();
  }

  async collectorRuns(): Promise<DbCollectorRunRow[]> {
    return this.db<DbCollectorRunRow>('capacity_collector_runs').orderBy(
      'collector',
    );
  }
}
