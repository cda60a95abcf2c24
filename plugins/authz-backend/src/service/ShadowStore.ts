import { Knex } from 'knex';

export type EnforcementMode = 'off' | 'shadow' | 'enforce';

interface DbEnforcementModeRow {
  team: string;
  endpoint: string;
  mode: EnforcementMode;
  updated_by: string;
  reason: string | null;
  updated_at: Date;
}

interface DbShadowBucketRow {
  team: string;
  endpoint: string;
  bucket_start: Date;
  checks: string;
  discrepancies: string;
}

export interface EnforcementSetting {
  team: string;
  endpoint: string;
  mode: EnforcementMode;
  updatedBy: string;
  updatedAt: string;
  reason: string | null;
}

/** One shadow decision: the legacy answer given, and what the policy would have answered. */
export interface ShadowRecord {
  team: string;
  endpoint: string;
  decisionId: string;
  subject: string;
  action: string;
  resource: string;
  legacyAllowed: boolean;
  legacyReason?: string;
  policyAllowed: boolean;
  policyReason: string;
  policyRevision: string;
}

const toSetting = (r: DbEnforcementModeRow): EnforcementSetting => ({
  team: r.team,
  endpoint: r.endpoint,
  mode: r.mode,
  updatedBy: r.updated_by,
  updatedAt: new Date(r.updated_at).toISOString(),
  reason: r.reason,
});

/** Enforcement modes and shadow decisions in the plugin's database. */
export class ShadowStore {
  constructor(private readonly knex: Knex) {}

  /** team\u0000endpoint → mode, for the check path (kept in memory by the caller). */
  async modes(): Promise<Map<string, EnforcementMode>> {
    const rows: DbEnforcementModeRow[] = await this.knex(
      'authz_enforcement_modes',
    ).select();
    return new Map(rows.map(r => [`${r.team}\u0000${r.endpoint}`, r.mode]));
  }

  async list(): Promise<EnforcementSetting[]> {
    const rows: DbEnforcementModeRow[] = await this.knex(
      'authz_enforcement_modes',
    )
      .orderBy(['team', 'endpoint'])
      .select();
    return rows.map(toSetting);
  }

  async set(
    team: string,
    endpoint: string,
    mode: EnforcementMode,
    updatedBy: string,
    reason: string | undefined,
    notify: (tx: Knex.Transaction) => Promise<void>,
  ): Promise<EnforcementSetting> {
    return this.knex.transaction(async tx => {
      const [row]: DbEnforcementModeRow[] = await tx('authz_enforcement_modes')
        .insert({
          team,
          endpoint,
          mode,
          updated_by: updatedBy,
          reason: reason ?? null,
          updated_at: tx.fn.now(),
        })
        .onConflict(['team', 'endpoint'])
        .merge()
        .returning('*');
      await notify(tx);
      return toSetting(row);
    });
  }

  /** Discrepancies / shadow decisions of one team and endpoint over the last `hours`. */
  async discrepancyRate(
    team: string,
    endpoint: string,
    hours: number,
  ): Promise<{ checks: number; discrepancies: number; rate: number }> {
    const row = await this.knex('authz_shadow_decisions')
      .where({ team, endpoint })
      .andWhere(
        'decided_at',
        '>',
        this.knex.raw(`now() - make_interval(hours => ?)`, [hours]),
      )
      .first(
        this.knex.raw('count(*) AS checks'),
        this.knex.raw('count(*) FILTER (WHERE discrepancy) AS discrepancies'),
      );
    const checks = Number(row?.checks ?? 0);
    const discrepancies = Number(row?.discrepancies ?? 0);
    return { checks, discrepancies, rate: checks ? discrepancies / checks : 0 };
  }

  /** Hourly buckets per team and endpoint, newest first. */
  async stats(hours: number, team?: string) {
    const query = this.knex('authz_shadow_decisions')
      .where(
        'decided_at',
        '>',
        this.knex.raw(`now() - make_interval(hours => ?)`, [hours]),
      )
      .groupBy('team', 'endpoint', 'bucket_start')
      .orderBy([
        { column: 'bucket_start', order: 'desc' },
        { column: 'team' },
        { column: 'endpoint' },
      ])
      .select(
        'team',
        'endpoint',
        this.knex.raw(`date_trunc('hour', decided_at) AS bucket_start`),
        this.knex.raw('count(*) AS checks'),
        this.knex.raw('count(*) FILTER (WHERE discrepancy) AS discrepancies'),
      );
    if (team) query.andWhere({ team });
    const rows: DbShadowBucketRow[] = await query;
    return rows.map(r => {
      const checks = Number(r.checks);
      const discrepancies = Number(r.discrepancies);
      return {
        team: r.team,
        endpoint: r.endpoint,
        bucketStart: new Date(r.bucket_start).toISOString(),
        checks,
        discrepancies,
        rate: checks ? discrepancies / checks : 0,
      };
    });
  }
}
