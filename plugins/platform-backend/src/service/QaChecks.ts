import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import {
  parseEventName,
  QaCheckResult,
  QaStatus,
} from '@internal/plugin-platform-common';
import {
  EventSchemaRegistry,
  PlatformQaCheck,
} from '@internal/plugin-platform-node';

const DAY = 24 * 60 * 60 * 1000;

function rateStatus(rate: number | null, threshold: number): QaStatus {
  if (rate === null) return 'insufficient_data';
  return rate > threshold ? 'fail' : 'pass';
}

/** Thresholds from the spec (section 5, data QA checks). */
export const QA_THRESHOLDS = {
  volumeDrop: 0.5, // alert when the last 24 h fall below 50% of the 7-day daily average
  volumeRise: 4, // ... or rise more than 300% above it (4x)
  nullRate: 0.01,
  duplicateRate: 0.05,
};

/**
 * Data-QA checks over the last 24 hours of the event log (and dead letters, where the
 * malformed events are): volume anomaly per event type against the 7-day rolling daily
 * average, null rate of each required field, and duplicate rate by event_id.
 */
export class QaChecks {
  constructor(
    private readonly knex: Knex,
    private readonly registry: EventSchemaRegistry,
    /** Checks other plugins added through platformQaExtensionPoint. */
    private readonly extraChecks: () => PlatformQaCheck[] = () => [],
  ) {}

  async run(now: Date = new Date()): Promise<QaCheckResult[]> {
    const runId = randomUUID();
    const windowEnd = now;
    const windowStart = new Date(now.getTime() - DAY);
    const baselineStart = new Date(now.getTime() - 8 * DAY);
    const base = {
      run_id: runId,
      window_start: windowStart.toISOString(),
      window_end: windowEnd.toISOString(),
      checked_at: now.toISOString(),
    };
    const results: QaCheckResult[] = [];

    // Volume anomaly and duplicate rate, per event type.
    const volume: any[] = await this.knex('platform_events')
      .select('event_type')
      .select(
        this.knex.raw(
          'count(*) FILTER (WHERE occurred_at >= ?)::int AS current',
          [windowStart],
        ),
        this.knex.raw(
          'count(DISTINCT event_id) FILTER (WHERE occurred_at >= ?)::int AS current_distinct',
          [windowStart],
        ),
        this.knex.raw(
          'count(*) FILTER (WHERE occurred_at < ?)::int AS baseline',
          [windowStart],
        ),
      )
      .where('occurred_at', '>=', baselineStart)
      .andWhere('occurred_at', '<', windowEnd)
      .groupBy('event_type');
    const byType = new Map(volume.map(v => [v.event_type, v]));
    const types = new Set([
      ...this.registry.names().map(n => parseEventName(n)!.type),
      ...byType.keys(),
    ]);
    for (const type of [...types].sort()) {
      const v = byType.get(type) ?? {
        current: 0,
        current_distinct: 0,
        baseline: 0,
      };
      const avg = Number(v.baseline) / 7;
      const current = Number(v.current);
      let status: QaStatus = 'insufficient_data';
      let detail = `no events of this type in the 7 days before the window (current: ${current})`;
      let value: number | null = null;
      if (avg > 0) {
        value = current / avg;
        const drop = value < QA_THRESHOLDS.volumeDrop;
        const rise = value > QA_THRESHOLDS.volumeRise;
        status = drop || rise ? 'fail' : 'pass';
        detail = `${current} events in 24 h vs ${avg.toFixed(
          1,
        )}/day 7-day average (${((value - 1) * 100).toFixed(0)}%)${
          drop ? ': dropped more than 50%' : ''
        }${rise ? ': rose more than 300%' : ''}`;
      }
      results.push({
        ...base,
        check: 'volume_anomaly',
        event_type: type,
        value,
        threshold: 'drop > 50% or rise > 300% vs 7-day average',
        status,
        detail,
      });

      const distinct = Number(v.current_distinct);
      const dupRate = current > 0 ? (current - distinct) / current : null;
      results.push({
        ...base,
        check: 'duplicate_rate',
        event_type: type,
        value: dupRate,
        threshold: '> 5%',
        status: rateStatus(dupRate, QA_THRESHOLDS.duplicateRate),
        detail:
          dupRate === null
            ? 'no events in the window'
            : `${current - distinct} duplicate deliveries of ${current} events`,
      });
    }

    // Null rate of required fields, per registered event name (log + dead letters).
    for (const name of this.registry.names()) {
      const fields = this.registry.requiredFields(name);
      if (fields.length === 0) continue;
      const logNulls = await this.nullCounts(
        'platform_events',
        name,
        fields,
        windowStart,
        windowEnd,
      );
      const dlNulls = await this.nullCounts(
        'platform_dead_letters',
        name,
        fields,
        windowStart,
        windowEnd,
      );
      const total = logNulls.total + dlNulls.total;
      for (const field of fields) {
        const nulls =
          (logNulls.nulls[field] ?? 0) + (dlNulls.nulls[field] ?? 0);
        const rate = total > 0 ? nulls / total : null;
        results.push({
          ...base,
          check: 'null_rate',
          event_type: name,
          field,
          value: rate,
          threshold: '> 1%',
          status: rateStatus(rate, QA_THRESHOLDS.nullRate),
          detail:
            rate === null
              ? 'no events of this name in the window'
              : `${nulls} of ${total} events (incl. dead letters) lack ${field}`,
        });
      }
    }

    for (const check of this.extraChecks()) {
      try {
        const rows = await check.run({ start: windowStart, end: windowEnd });
        for (const row of rows)
          results.push({ ...base, ...row, check: check.id });
      } catch (error) {
        // A broken check shows up as failing rather than hiding the others' results.
        results.push({
          ...base,
          check: check.id,
          event_type: '*',
          value: null,
          threshold: 'runs without error',
          status: 'fail',
          detail: `the check failed to run: ${String(error).slice(0, 500)}`,
        });
      }
    }

    await this.knex.batchInsert(
      'platform_qa_results',
      results.map(r => ({ ...r, field: r.field ?? null })),
      500,
    );
    return results;
  }

  private async nullCounts(
    table: 'platform_events' | 'platform_dead_letters',
    name: string,
    fields: string[],
    from: Date,
    to: Date,
  ): Promise<{ total: number; nulls: Record<string, number> }> {
    const isLog = table === 'platform_events';
    const timeColumn = isLog ? 'occurred_at' : 'received_at';
    const expr = (field: string) => {
      if (field.startsWith('properties.')) {
        const key = field.slice('properties.'.length);
        const doc = isLog ? 'properties' : `payload->'properties'`;
        return this.knex.raw(
          `(${doc}->? IS NULL OR ${doc}->? = 'null'::jsonb)`,
          [key, key],
        );
      }
      return isLog
        ? this.knex.raw('?? IS NULL', [field])
        : this.knex.raw(`(payload->? IS NULL OR payload->? = 'null'::jsonb)`, [
            field,
            field,
          ]);
    };
    const selects = fields.map((f, i) =>
      this.knex.raw(`count(*) FILTER (WHERE ${expr(f).toQuery()})::int AS ??`, [
        `f${i}`,
      ]),
    );
    const row: any = await this.knex(table)
      .select(this.knex.raw('count(*)::int AS total'), ...selects)
      .where('name', name)
      .andWhere(timeColumn, '>=', from)
      .andWhere(timeColumn, '<', to)
      .first();
    const nulls: Record<string, number> = {};
    fields.forEach((f, i) => (nulls[f] = Number(row?.[`f${i}`] ?? 0)));
    return { total: Number(row?.total ?? 0), nulls };
  }

  /** Results of the most recent run. */
  async latest(): Promise<QaCheckResult[]> {
    const last = await this.knex('platform_qa_results')
      .orderBy('id', 'desc')
      .first('run_id');
    if (!last) return [];
    const rows = await this.knex('platform_qa_results')
      .where({ run_id: last.run_id })
      .orderBy('id');
    return rows.map((r: any) => ({
      run_id: r.run_id,
      check: r.check,
      event_type: r.event_type,
      ...(r.field ? { field: r.field } : {}),
      value: r.value === null ? null : Number(r.value),
      threshold: r.threshold,
      status: r.status,
      detail: r.detail,
      window_start: new Date(r.window_start).toISOString(),
      window_end: new Date(r.window_end).toISOString(),
      checked_at: new Date(r.checked_at).toISOString(),
    }));
  }
}
