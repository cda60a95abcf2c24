import { Knex } from 'knex';
import {
  AlertState,
  MinutePoint,
  PolicyState,
  SloDefinition,
} from '@internal/plugin-slo-common';

export interface DbSloDefinitionRow {
  id: string;
  definition: SloDefinition | string;
  created_by: string;
  created_at: Date;
}

export interface DbSloMinuteRow {
  slo_id: string;
  minute: Date;
  good: number;
  total: number;
  resolution_minutes: number;
  source: string;
}

export interface DbAlertStateRow {
  slo_id: string;
  alert: string;
  state: AlertState;
  since: Date;
}

export interface DbAlertHistoryRow {
  id: string | number;
  slo_id: string;
  alert: string;
  severity: string;
  from_state: AlertState;
  to_state: AlertState;
  at: Date;
  long_burn_rate: number | null;
  short_burn_rate: number | null;
}

export interface DbNotificationRow {
  id: string | number;
  history_id: string | number;
  dedup_key: string;
  payload: unknown;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  delivered_at: Date | null;
}

export interface DbPolicyStateRow {
  slo_id: string;
  state: PolicyState;
  reason: string;
  since: Date;
}

export interface DbPolicyEventRow {
  id: string | number;
  slo_id: string;
  from_state: string;
  to_state: string;
  reason: string;
  at: Date;
}

export interface StoredPoint extends MinutePoint {
  resolutionMinutes: number;
}

export interface AlertTransition {
  sloId: string;
  alert: string;
  severity: string;
  fromState: AlertState;
  toState: AlertState;
  at: Date;
  since: Date;
  longBurnRate: number | null;
  shortBurnRate: number | null;
  /** When set, a PagerDuty event is queued in the same transaction. */
  notification?: { dedupKey: string; payload: unknown };
}

const CHUNK = 5000;

/** The SLO plugin's own tables (its Backstage plugin database). */
export class SloStore {
  constructor(private readonly knex: Knex) {}

  async listApiDefinitions(): Promise<DbSloDefinitionRow[]> {
    return this.knex<DbSloDefinitionRow>('slo_definitions').orderBy('id');
  }

  async insertDefinition(
    definition: SloDefinition,
    createdBy: string,
  ): Promise<boolean> {
    const inserted = await this.knex<DbSloDefinitionRow>('slo_definitions')
      .insert({
        id: definition.id,
        definition: JSON.stringify(definition),
        created_by: createdBy,
        created_at: new Date(),
      })
      .onConflict('id')
      .ignore()
      .returning('id');
    return inserted.length === 1;
  }

  /** Deletes the definition and everything computed for it. */
  async deleteDefinition(id: string): Promise<boolean> {
    return this.knex.transaction(async tx => {
      const deleted = await tx('slo_definitions').where({ id }).delete();
      if (deleted === 0) return false;
      for (const table of [
        'slo_minutes',
        'slo_ingest_cursors',
        'slo_alert_states',
        'slo_alert_history',
        'slo_policy_states',
        'slo_policy_events',
      ]) {
        await tx(table).where({ slo_id: id }).delete();
      }
      return true;
    });
  }

  /** Upserts points: a point replaces the stored one for the same SLO and minute. */
  async upsertPoints(
    sloId: string,
    points: StoredPoint[],
    source: string,
  ): Promise<number> {
    if (points.length === 0) return 0;
    await this.knex.transaction(async tx => {
      for (let i = 0; i < points.length; i += CHUNK) {
        const rows = points.slice(i, i + CHUNK).map(p => ({
          slo_id: sloId,
          minute: new Date(p.minuteMs),
          good: p.good,
          total: p.total,
          resolution_minutes: p.resolutionMinutes,
          source,
        }));
        await tx('slo_minutes')
          .insert(rows)
          .onConflict(['slo_id', 'minute'])
          .merge(['good', 'total', 'resolution_minutes', 'source']);
      }
    });
    return points.length;
  }

  /**
   * Deletes the minutes an earlier definition of the SLO ingested from another source (the id
   * now names another SLI) and, if there were any, its ingestion cursor, so the next ingestion
   * reads the current source's history from the start. Backfilled points stay.
   */
  async forgetOtherSources(sloId: string, source: string): Promise<number> {
    return this.knex.transaction(async tx => {
      const deleted = await tx('slo_minutes')
        .where('slo_id', sloId)
        .whereNotIn('source', [source, 'backfill'])
        .delete();
      if (deleted > 0) {
        await tx('slo_ingest_cursors').where('slo_id', sloId).delete();
      }
      return deleted;
    });
  }

  /** Points in minutes (afterMs, throughMs]. */
  async loadPoints(
    sloId: string,
    afterMs: number,
    throughMs: number,
  ): Promise<StoredPoint[]> {
    const rows = await this.knex<DbSloMinuteRow>('slo_minutes')
      .select('minute', 'good', 'total', 'resolution_minutes')
      .where('slo_id', sloId)
      .where('minute', '>', new Date(afterMs))
      .where('minute', '<=', new Date(throughMs))
      .orderBy('minute');
    return rows.map(r => ({
      minuteMs: new Date(r.minute).getTime(),
      good: Number(r.good),
      total: Number(r.total),
      resolutionMinutes: r.resolution_minutes,
    }));
  }

  async lastMinute(sloId: string): Promise<Date | undefined> {
    const row = await this.knex('slo_minutes')
      .where('slo_id', sloId)
      .where('total', '>', 0)
      .max<{ max: Date | null }>('minute as max')
      .first();
    return row?.max ? new Date(row.max) : undefined;
  }

  async getCursor(sloId: string): Promise<Date | undefined> {
    const row = await this.knex('slo_ingest_cursors')
      .where('slo_id', sloId)
      .first<{ through_minute: Date } | undefined>();
    return row ? new Date(row.through_minute) : undefined;
  }

  async setCursor(sloId: string, through: Date): Promise<void> {
    await this.knex('slo_ingest_cursors')
      .insert({ slo_id: sloId, through_minute: through })
      .onConflict('slo_id')
      .merge();
  }

  /** Calendar months (UTC), newest first. */
  async monthlyTotals(
    sloId: string,
    months: number,
  ): Promise<Array<{ month: string; good: number; total: number }>> {
    const rows = await this.knex.raw<{
      rows: Array<{ month: string; good: string; total: string }>;
    }>(
      `SELECT to_char(date_trunc('month', minute AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
              sum(good) AS good, sum(total) AS total
         FROM slo_minutes
        WHERE slo_id = ?
        GROUP BY 1
        ORDER BY 1 DESC
        LIMIT ?`,
      [sloId, months],
    );
    return rows.rows.map(r => ({
      month: r.month,
      good: Number(r.good),
      total: Number(r.total),
    }));
  }

  async alertStates(sloId?: string): Promise<DbAlertStateRow[]> {
    const q = this.knex<DbAlertStateRow>('slo_alert_states');
    if (sloId) q.where('slo_id', sloId);
    return q.orderBy(['slo_id', 'alert']);
  }

  /**
   * Records an alert state change: the new state, a history row and (for trigger/resolve) the
   * PagerDuty event to deliver, in one transaction so no transition loses its notification.
   */
  async recordTransition(t: AlertTransition): Promise<void> {
    await this.knex.transaction(async tx => {
      await tx('slo_alert_states')
        .insert({
          slo_id: t.sloId,
          alert: t.alert,
          state: t.toState,
          since: t.since,
        })
        .onConflict(['slo_id', 'alert'])
        .merge();
      const [history] = await tx('slo_alert_history')
        .insert({
          slo_id: t.sloId,
          alert: t.alert,
          severity: t.severity,
          from_state: t.fromState,
          to_state: t.toState,
          at: t.at,
          long_burn_rate: t.longBurnRate,
          short_burn_rate: t.shortBurnRate,
        })
        .returning<Array<{ id: string | number }>>('id');
      if (t.notification) {
        await tx('slo_notifications').insert({
          history_id: history.id,
          dedup_key: t.notification.dedupKey,
          payload: JSON.stringify(t.notification.payload),
          status: 'pending',
          attempts: 0,
          next_attempt_at: t.at,
        });
      }
    });
  }

  async alertHistory(
    limit: number,
    sloId?: string,
  ): Promise<Array<DbAlertHistoryRow & { delivery: string | null }>> {
    const q = this.knex('slo_alert_history as h')
      .leftJoin('slo_notifications as n', 'n.history_id', 'h.id')
      .select('h.*', 'n.status as delivery')
      .orderBy('h.id', 'desc')
      .limit(limit);
    if (sloId) q.where('h.slo_id', sloId);
    return q;
  }

  async dueNotifications(
    now: Date,
    limit: number,
  ): Promise<DbNotificationRow[]> {
    // One dedup key's events go out in order: a resolve waits for its trigger's retries.
    return this.knex<DbNotificationRow>('slo_notifications as n')
      .select('n.*')
      .where('n.status', 'pending')
      .where('n.next_attempt_at', '<=', now)
      .whereNotExists(
        this.knex('slo_notifications as e')
          .whereRaw('e.dedup_key = n.dedup_key')
          .where('e.status', 'pending')
          .whereRaw('e.id < n.id'),
      )
      .orderBy('n.id')
      .limit(limit);
  }

  async markDelivered(id: string | number, at: Date): Promise<void> {
    await this.knex('slo_notifications')
      .where({ id })
      .update({ status: 'delivered', delivered_at: at, last_error: null })
      .increment('attempts', 1);
  }

  async markAttemptFailed(
    id: string | number,
    error: string,
    nextAttemptAt: Date | undefined,
  ): Promise<void> {
    await this.knex('slo_notifications')
      .where({ id })
      .update({
        status: nextAttemptAt ? 'pending' : 'failed',
        last_error: error.slice(0, 2000),
        ...(nextAttemptAt ? { next_attempt_at: nextAttemptAt } : {}),
      })
      .increment('attempts', 1);
  }

  async notifications(): Promise<DbNotificationRow[]> {
    return this.knex<DbNotificationRow>('slo_notifications').orderBy('id');
  }

  async policyState(sloId: string): Promise<DbPolicyStateRow | undefined> {
    return this.knex<DbPolicyStateRow>('slo_policy_states')
      .where('slo_id', sloId)
      .first();
  }

  async recordPolicyChange(
    sloId: string,
    fromState: string,
    toState: PolicyState,
    reason: string,
    at: Date,
    /** Runs in the same transaction, e.g. to emit the change through the outbox. */
    alsoInTransaction?: (tx: Knex.Transaction) => Promise<unknown>,
  ): Promise<void> {
    await this.knex.transaction(async tx => {
      await tx('slo_policy_states')
        .insert({ slo_id: sloId, state: toState, reason, since: at })
        .onConflict('slo_id')
        .merge();
      await tx('slo_policy_events').insert({
        slo_id: sloId,
        from_state: fromState,
        to_state: toState,
        reason,
        at,
      });
      await alsoInTransaction?.(tx);
    });
  }

  async policyEvents(
    sloId: string,
    limit: number,
  ): Promise<DbPolicyEventRow[]> {
    return this.knex<DbPolicyEventRow>('slo_policy_events')
      .where('slo_id', sloId)
      .orderBy('id', 'desc')
      .limit(limit);
  }
}
