import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import {
  DATA_CLASSES,
  DataClass,
  DEFAULT_RETENTION_DAYS,
  RetentionClassResult,
  RetentionRunReport,
} from '@internal/plugin-platform-common';
import { RetentionTarget } from '@internal/plugin-platform-node';
import { AuditStore } from './AuditStore';

const DAY = 24 * 60 * 60 * 1000;

/** Tables of the platform database per data class, with the column that dates a row. */
const TABLES: Record<
  Exclude<DataClass, 'audit' | 'export_files'>,
  [string, string][]
> = {
  operational: [
    ['platform_request_rollups', 'minute'],
    ['platform_request_rollups_hourly', 'hour'],
    ['platform_rum_minutes', 'minute'],
    ['platform_qa_results', 'checked_at'],
    ['platform_dead_letters', 'received_at'],
    ['platform_retention_runs', 'ran_at'],
  ],
  analytics_raw: [['platform_events', 'occurred_at']],
};

/**
 * Scheduled purge per data class (spec: operational 2 years, audit 7 years, raw analytics
 * events 1 year, export files 7 days). The clock is injectable for tests. Each run is
 * recorded in the audit store — as succeeded with what it deleted, or as failed.
 */
export class RetentionService {
  constructor(
    private readonly options: {
      knex: Knex;
      audit: AuditStore;
      days: Record<DataClass, number>;
      targets: () => RetentionTarget[];
      clock?: () => Date;
    },
  ) {
    for (const dataClass of DATA_CLASSES) {
      const days = options.days[dataClass];
      if (!Number.isFinite(days) || days <= 0) {
        throw new Error(
          `platform.retention.days.${dataClass} must be a positive number, got ${days}`,
        );
      }
    }
  }

  static daysFromConfig(
    read: (key: string) => number | undefined,
  ): Record<DataClass, number> {
    const days = { ...DEFAULT_RETENTION_DAYS };
    for (const dataClass of DATA_CLASSES) {
      const value = read(dataClass);
      if (value !== undefined) days[dataClass] = value;
    }
    return days;
  }

  async run(actor = 'scheduler'): Promise<RetentionRunReport> {
    const runId = randomUUID();
    const now = this.options.clock?.() ?? new Date();
    const results: RetentionClassResult[] = [];
    try {
      for (const dataClass of DATA_CLASSES) {
        const retentionDays = this.options.days[dataClass];
        const cutoff = new Date(now.getTime() - retentionDays * DAY);
        const deleted: Record<string, number> = {};
        if (dataClass === 'audit') {
          const purge = await this.options.audit.purgeBefore(cutoff, runId);
          deleted.platform_audit_log = purge.deleted;
          if (purge.anchoredAt)
            deleted.reanchored_at_seq = Number(purge.anchoredAt);
        } else if (dataClass !== 'export_files') {
          for (const [table, column] of TABLES[dataClass]) {
            deleted[table] = await this.options
              .knex(table)
              .where(column, '<', cutoff)
              .delete();
          }
        }
        for (const target of this.options
          .targets()
          .filter(t => t.dataClass === dataClass)) {
          deleted[target.name] = await target.purge(cutoff);
        }
        results.push({
          dataClass,
          retentionDays,
          cutoff: cutoff.toISOString(),
          deleted,
        });
      }
    } catch (error) {
      await this.options.audit.append({
        actor,
        action: 'platform.retention-purge',
        resource: 'retention',
        outcome: 'failed',
        severity: 'high',
        occurred_at: now,
        meta: { runId, completed: results as any, error: String(error) },
      });
      throw error;
    }
    const report: RetentionRunReport = {
      runId,
      ranAt: now.toISOString(),
      results,
    };
    await this.options.knex('platform_retention_runs').insert({
      run_id: runId,
      ran_at: now,
      report: JSON.stringify(report),
    });
    await this.options.audit.append({
      actor,
      action: 'platform.retention-purge',
      resource: 'retention',
      outcome: 'succeeded',
      severity: 'medium',
      occurred_at: now,
      meta: { ...report } as any,
    });
    return report;
  }

  async latest(): Promise<RetentionRunReport | undefined> {
    const row = await this.options
      .knex('platform_retention_runs')
      .orderBy('ran_at', 'desc')
      .first();
    return row?.report;
  }
}
