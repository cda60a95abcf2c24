import { Knex } from 'knex';
import { DataClass } from '@internal/plugin-platform-common';
import { RetentionTarget } from '@internal/plugin-platform-node';

/** The authz tables that grow with use, the column that dates a row, and its retention class. */
export const AUTHZ_RETENTION_TABLES: {
  name: string;
  table: string;
  column: string;
  dataClass: DataClass;
}[] = [
  // the decision log is the permission service's audit log (spec: audit logs 7 years)
  {
    name: 'authz.decisions',
    table: 'authz_decisions',
    column: 'decided_at',
    dataClass: 'audit',
  },
  // measurements: discrepancy rates, replay input, latency histograms (operational, 2 years)
  {
    name: 'authz.shadow_decisions',
    table: 'authz_shadow_decisions',
    column: 'decided_at',
    dataClass: 'operational',
  },
  {
    name: 'authz.portal_decisions',
    table: 'authz_portal_decisions',
    column: 'decided_at',
    dataClass: 'operational',
  },
  {
    name: 'authz.decision_latency_minutes',
    table: 'authz_decision_latency_minutes',
    column: 'minute',
    dataClass: 'operational',
  },
];

/**
 * Deletes rows of `table` dated before `cutoff`, `batchSize` at a time (each batch its own
 * short statement, so the decision log's group commits never wait long on a purge). A table
 * that does not exist yet (the authz backend has not migrated) has nothing to purge.
 */
export async function purgeTableBefore(
  db: Knex,
  table: string,
  column: string,
  cutoff: Date,
  batchSize: number,
): Promise<number> {
  const { rows } = await db.raw(
    'SELECT to_regclass(?) IS NOT NULL AS present',
    [table],
  );
  if (!rows[0].present) return 0;
  let deleted = 0;
  for (;;) {
    const result = await db.raw(
      `DELETE FROM ?? WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM ?? WHERE ?? < ? LIMIT ?))`,
      [table, table, column, cutoff, batchSize],
    );
    deleted += result.rowCount;
    if (result.rowCount < batchSize) return deleted;
  }
}

/** The platform retention job's targets for the authz backend's tables (`db`: its database). */
export function authzRetentionTargets(
  db: () => Promise<Knex>,
  options: { batchSize?: number } = {},
): RetentionTarget[] {
  const batchSize = options.batchSize ?? 10_000;
  return AUTHZ_RETENTION_TABLES.map(({ name, table, column, dataClass }) => ({
    name,
    dataClass,
    purge: async cutoff =>
      purgeTableBefore(await db(), table, column, cutoff, batchSize),
  }));
}
