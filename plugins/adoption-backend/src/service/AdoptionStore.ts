import { Knex } from 'knex';

export interface DbUsageRow {
  team: string;
  capability: string;
  calls: string;
  last_call_at: Date | null;
}

export interface DbLegacyRow {
  team: string;
  capability: string;
  calls_30d: string;
  last_call_at: Date | null;
}

export interface DbPhaseHistoryRow {
  id: string;
  team: string;
  capability: string;
  source: 'measured' | 'declared';
  from_phase: number | null;
  phase: number;
  reason: string;
  evidence: Record<string, unknown>;
  changed_at: Date;
}

export interface DbRiskEditRow {
  id: string;
  item_id: string;
  changes: Record<string, unknown>;
  edited_by: string;
  edited_at: Date;
}

export interface UsageMinute {
  team: string;
  capability: string;
  minute: Date;
  calls: number;
}

/** Calls of a caller to a deprecated version in one minute. */
export interface DeprecatedMinute {
  team: string;
  capability: string;
  version: string;
  minute: Date;
  calls: number;
}

export interface DbDeprecatedRow {
  team: string;
  capability: string;
  version: string;
  calls: string;
  last_call_at: Date;
}

export interface DbReminderRow {
  id: string;
  campaign: string;
  team: string;
  day: string;
  status: 'sending' | 'delivered' | 'failed';
  detail: string;
  attempts: number;
  updated_at: Date;
}

export interface LegacyCallRecord {
  team: string;
  capability: string;
  legacyPath: string;
  at: Date;
  count: number;
}

/** Advisory lock id serialising phase-history writes (arbitrary, adoption-only). */
const PHASE_LOCK_KEY = 1_404_202_612;

/** The adoption plugin's own tables (never another plugin's). */
export class AdoptionStore {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async watermark(key: string): Promise<Date | undefined> {
    const row = await this.db('adoption_collector_state')
      .where({ key })
      .first<{ watermark: Date } | undefined>('watermark');
    return row?.watermark;
  }

  /**
   * Replaces the per-minute totals of `[from, to)` with `minutes` and `deprecated` (a re-read
   * of a window therefore never double counts) and moves the watermark, in one transaction.
   */
  async replaceUsage(
    key: string,
    from: Date,
    to: Date,
    minutes: UsageMinute[],
    deprecated: DeprecatedMinute[] = [],
  ): Promise<void> {
    await this.db.transaction(async tx => {
      for (const table of [
        'adoption_usage_minutes',
        'adoption_deprecated_minutes',
      ]) {
        await tx(table)
          .where('minute', '>=', from)
          .andWhere('minute', '<', to)
          .delete();
      }
      for (let i = 0; i < minutes.length; i += 500) {
        await tx('adoption_usage_minutes').insert(
          minutes.slice(i, i + 500).map(m => ({
            team: m.team,
            capability: m.capability,
            minute: m.minute,
            calls: m.calls,
          })),
        );
      }
      for (let i = 0; i < deprecated.length; i += 500) {
        await tx('adoption_deprecated_minutes').insert(
          deprecated.slice(i, i + 500),
        );
      }
      await tx('adoption_collector_state')
        .insert({ key, watermark: to })
        .onConflict('key')
        .merge();
    });
  }

  async usageSince(since: Date): Promise<DbUsageRow[]> {
    return this.db('adoption_usage_minutes')
      .where('minute', '>=', since)
      .groupBy('team', 'capability')
      .select<DbUsageRow[]>(
        'team',
        'capability',
        this.db.raw('sum(calls)::bigint as calls'),
        this.db.raw('max(minute) as last_call_at'),
      );
  }

  /** Calls to each deprecated version since `since`, per caller. */
  async deprecatedSince(since: Date): Promise<DbDeprecatedRow[]> {
    return this.db('adoption_deprecated_minutes')
      .where('minute', '>=', since)
      .groupBy('team', 'capability', 'version')
      .orderBy(['capability', 'version', 'team'])
      .select<DbDeprecatedRow[]>(
        'team',
        'capability',
        'version',
        this.db.raw('sum(calls)::bigint as calls'),
        this.db.raw('max(minute) as last_call_at'),
      );
  }

  /**
   * Claims today's reminder of a campaign for a team: a new row, a failed one retried, or one
   * left 'sending' for 10 minutes by a process that died. Undefined when it was delivered (or
   * is being sent) already — one reminder per campaign, team and day.
   */
  async claimReminder(
    campaign: string,
    team: string,
    day: string,
    at: Date,
  ): Promise<DbReminderRow | undefined> {
    const { rows } = await this.db.raw<{ rows: DbReminderRow[] }>(
      `INSERT INTO adoption_reminders (campaign, team, day, status, updated_at)
       VALUES (?, ?, ?, 'sending', ?)
       ON CONFLICT (campaign, team, day) DO UPDATE
         SET status = 'sending', attempts = adoption_reminders.attempts + 1,
             updated_at = EXCLUDED.updated_at
       WHERE adoption_reminders.status = 'failed'
          OR (adoption_reminders.status = 'sending'
              AND adoption_reminders.updated_at < EXCLUDED.updated_at - interval '10 minutes')
       RETURNING *`,
      [campaign, team, day, at],
    );
    return rows[0];
  }

  async finishReminder(
    id: string,
    status: 'delivered' | 'failed',
    detail: string,
    at: Date,
  ): Promise<void> {
    await this.db('adoption_reminders')
      .where({ id })
      .update({ status, detail, updated_at: at });
  }

  async reminders(campaign: string, since: string): Promise<DbReminderRow[]> {
    return this.db('adoption_reminders')
      .where({ campaign })
      .andWhere('day', '>=', since)
      .orderBy([{ column: 'day', order: 'desc' }, { column: 'team' }])
      .select<DbReminderRow[]>(
        'id',
        'campaign',
        'team',
        this.db.raw(`to_char(day, 'YYYY-MM-DD') as day`),
        'status',
        'detail',
        'attempts',
        'updated_at',
      );
  }

  async recordLegacyCalls(calls: LegacyCallRecord[]): Promise<void> {
    await this.db.transaction(async tx => {
      for (const c of calls) {
        await tx.raw(
          `INSERT INTO adoption_legacy_calls (team, capability, legacy_path, day, calls, last_call_at)
           VALUES (?, ?, ?, (?::timestamptz AT TIME ZONE 'UTC')::date, ?, ?)
           ON CONFLICT (team, capability, legacy_path, day) DO UPDATE
           SET calls = adoption_legacy_calls.calls + EXCLUDED.calls,
               last_call_at = GREATEST(adoption_legacy_calls.last_call_at, EXCLUDED.last_call_at)`,
          [c.team, c.capability, c.legacyPath, c.at, c.count, c.at],
        );
      }
    });
  }

  /** Legacy calls of the last 30 days and the newest legacy call ever, per team × capability. */
  async legacySummary(since: Date): Promise<DbLegacyRow[]> {
    return this.db('adoption_legacy_calls')
      .groupBy('team', 'capability')
      .select<DbLegacyRow[]>(
        'team',
        'capability',
        this.db.raw(
          'coalesce(sum(calls) filter (where last_call_at >= ?), 0)::bigint as calls_30d',
          [since],
        ),
        this.db.raw('max(last_call_at) as last_call_at'),
      );
  }

  async legacyPaths(team: string, capability: string): Promise<string[]> {
    const rows = await this.db('adoption_legacy_calls')
      .where({ team, capability })
      .distinct<{ legacy_path: string }[]>('legacy_path');
    return rows.map(r => r.legacy_path).sort();
  }

  async latestPhases(): Promise<DbPhaseHistoryRow[]> {
    return this.db('adoption_phase_history')
      .distinctOn('team', 'capability', 'source')
      .orderBy([
        { column: 'team' },
        { column: 'capability' },
        { column: 'source' },
        { column: 'changed_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .select<DbPhaseHistoryRow[]>('*');
  }

  /**
   * Appends the candidates whose phase differs from the cell's latest recorded phase (per
   * source), under a transaction-scoped advisory lock so replicas computing the matrix at the
   * same time record each change once. `from_phase` is filled from the latest row.
   */
  async recordPhaseChanges(
    candidates: Array<Omit<DbPhaseHistoryRow, 'id' | 'from_phase'>>,
  ): Promise<number> {
    return this.db.transaction(async tx => {
      await tx.raw('SELECT pg_advisory_xact_lock(?)', [PHASE_LOCK_KEY]);
      const latest = await new AdoptionStore(tx).latestPhases();
      const key = (r: { team: string; capability: string; source: string }) =>
        `${r.team}|${r.capability}|${r.source}`;
      const byKey = new Map(latest.map(r => [key(r), r.phase]));
      const rows = candidates
        .filter(c => byKey.get(key(c)) !== c.phase)
        .map(c => ({
          ...c,
          from_phase: byKey.has(key(c)) ? byKey.get(key(c))! : null,
          evidence: JSON.stringify(c.evidence),
        }));
      if (rows.length > 0) await tx('adoption_phase_history').insert(rows);
      return rows.length;
    });
  }

  async history(
    team: string,
    capability?: string,
  ): Promise<DbPhaseHistoryRow[]> {
    const q = this.db('adoption_phase_history').where({ team });
    if (capability) q.andWhere({ capability });
    return q
      .orderBy([
        { column: 'changed_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(500)
      .select<DbPhaseHistoryRow[]>('*');
  }

  /** First time each team's measured phase for `capability` reached `phase` (or above). */
  async firstReached(
    capability: string,
    phase: number,
  ): Promise<Map<string, Date>> {
    const rows = await this.db('adoption_phase_history')
      .where({ capability, source: 'measured' })
      .andWhere('phase', '>=', phase)
      .groupBy('team')
      .select<{ team: string; at: Date }[]>(
        'team',
        this.db.raw('min(changed_at) as at'),
      );
    return new Map(rows.map(r => [r.team, r.at]));
  }

  async upsertScores(
    day: string,
    scores: Array<{ team: string; score: number }>,
  ): Promise<void> {
    if (scores.length === 0) return;
    await this.db('adoption_score_days')
      .insert(scores.map(s => ({ team: s.team, day, score: s.score })))
      .onConflict(['team', 'day'])
      .merge();
  }

  async scoreTrend(
    team: string,
    days: number,
  ): Promise<Array<{ day: string; score: number }>> {
    const rows = await this.db('adoption_score_days')
      .where({ team })
      .orderBy('day', 'desc')
      .limit(days)
      .select<{ day: string; score: number }[]>(
        this.db.raw(`to_char(day, 'YYYY-MM-DD') as day`),
        'score',
      );
    return rows.map(r => ({ day: r.day, score: Number(r.score) })).reverse();
  }

  async appendRiskEdit(
    itemId: string,
    changes: Record<string, unknown>,
    editedBy: string,
    at: Date,
  ): Promise<void> {
    await this.db('adoption_risk_edits').insert({
      item_id: itemId,
      changes: JSON.stringify(changes),
      edited_by: editedBy,
      edited_at: at,
    });
  }

  async riskEdits(): Promise<DbRiskEditRow[]> {
    return this.db('adoption_risk_edits')
      .orderBy('id', 'asc')
      .select<DbRiskEditRow[]>('*');
  }
}
