import { Knex } from 'knex';
import { AuditChainVerifyResult, AuditStore } from '../AuditStore';
import { AuditCheckpointSink } from './checkpoints';

/** One run of the verify job as the API returns it. */
export interface AuditVerifyRun {
  id: string;
  trigger: 'schedule' | 'manual';
  requestedBy: string | null;
  requestedAt: string;
  status: 'requested' | 'running' | 'done' | 'error';
  startedAt: string | null;
  finishedAt: string | null;
  result: AuditChainVerifyResult | null;
  error: string | null;
}

interface DbAuditVerifyRunRow {
  id: string;
  trigger: AuditVerifyRun['trigger'];
  requested_by: string | null;
  requested_at: Date;
  status: AuditVerifyRun['status'];
  started_at: Date | null;
  finished_at: Date | null;
  result: AuditChainVerifyResult | null;
  error: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toRun(row: DbAuditVerifyRunRow): AuditVerifyRun {
  return {
    id: String(row.id),
    trigger: row.trigger,
    requestedBy: row.requested_by,
    requestedAt: new Date(row.requested_at).toISOString(),
    status: row.status,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    result: row.result,
    error: row.error,
  };
}

/**
 * Verify as a job: the scheduler runs `run()` (one replica at a time); admins request a run,
 * which is stored first (so it is not lost if the trigger races a run in progress) and picked
 * up by the next run. Results are kept in `platform_audit_verify_runs`; the API answers from
 * there instead of re-hashing the chain inside a request.
 */
export class AuditVerifyJob {
  constructor(
    private readonly options: {
      knex: Knex;
      audit: AuditStore;
      sink?: AuditCheckpointSink;
      /** A run still marked running after this long died with its process. */
      staleAfterMs?: number;
    },
  ) {}

  async request(requestedBy: string): Promise<AuditVerifyRun> {
    const [row] = await this.options
      .knex<DbAuditVerifyRunRow>('platform_audit_verify_runs')
      .insert({
        trigger: 'manual',
        requested_by: requestedBy,
        status: 'requested',
      })
      .returning('*');
    return toRun(row);
  }

  /**
   * Runs verify for every pending request (always a full run), or as a scheduled run if none
   * (incremental if asked: from the newest valid checkpoint); returns the run.
   */
  async run(options: { incremental?: boolean } = {}): Promise<AuditVerifyRun> {
    const { knex } = this.options;
    const staleBefore = new Date(
      // Longer than the longest run's timeout (the daily full run: 3 hours).
      Date.now() - (this.options.staleAfterMs ?? 4 * 60 * 60 * 1000),
    );
    await knex('platform_audit_verify_runs')
      .where({ status: 'running' })
      .where('started_at', '<', staleBefore)
      .update({
        status: 'error',
        error: 'interrupted: the process running it stopped',
        finished_at: knex.fn.now(),
      });
    const startedAt = new Date();
    let claimed: DbAuditVerifyRunRow[] = await knex<DbAuditVerifyRunRow>(
      'platform_audit_verify_runs',
    )
      .where({ status: 'requested' })
      .update({ status: 'running', started_at: startedAt })
      .returning('*');
    // Once a full run found a break, every run is full: an incremental one starting after the
    // break would report the chain valid again.
    const lastFull = await knex<DbAuditVerifyRunRow>(
      'platform_audit_verify_runs',
    )
      .where({ status: 'done' })
      .whereRaw("result->>'mode' = 'full'")
      .orderBy('id', 'desc')
      .first('result');
    const incremental =
      claimed.length === 0 &&
      Boolean(options.incremental) &&
      lastFull?.result?.valid !== false;
    if (claimed.length === 0) {
      claimed = await knex<DbAuditVerifyRunRow>('platform_audit_verify_runs')
        .insert({
          trigger: 'schedule',
          status: 'running',
          started_at: startedAt,
        })
        .returning('*');
    }
    const ids = claimed.map(r => r.id);
    let update: Partial<DbAuditVerifyRunRow>;
    try {
      const verifyOnce = async (fromCheckpoint: boolean) => {
        const sink = this.options.sink;
        // Checkpoints are read before the chain: none can be newer than the head verify reads.
        return this.options.audit.verify(
          sink
            ? {
                checkpoints: {
                  sink: sink.description,
                  ...(await sink.readAll()),
                },
                incremental: fromCheckpoint,
              }
            : {},
        );
      };
      let result = await verifyOnce(incremental);
      // Confirm a break with a full run: a retention purge at the same moment can look like a
      // gap, and the full run names the first broken record; tampering persists.
      if (!result.valid) result = await verifyOnce(false);
      update = { status: 'done', result };
    } catch (error) {
      update = {
        status: 'error',
        error: String((error as Error).message ?? error),
      };
    }
    const rows: DbAuditVerifyRunRow[] = await knex<DbAuditVerifyRunRow>(
      'platform_audit_verify_runs',
    )
      .whereIn('id', ids)
      .update({
        ...update,
        result: update.result ?? null,
        finished_at: new Date(),
      })
      .returning('*');
    return toRun(rows.sort((a, b) => Number(b.id) - Number(a.id))[0]);
  }

  /** Whether an admin's request is waiting for a run. */
  async hasRequests(): Promise<boolean> {
    const row = await this.options
      .knex('platform_audit_verify_runs')
      .where({ status: 'requested' })
      .first('id');
    return Boolean(row);
  }

  /** The last finished run, and any run requested or in progress. */
  async status(): Promise<{
    last: AuditVerifyRun | null;
    pending: AuditVerifyRun[];
  }> {
    const { knex } = this.options;
    const last = await knex<DbAuditVerifyRunRow>('platform_audit_verify_runs')
      .whereIn('status', ['done', 'error'])
      .orderBy('id', 'desc')
      .first();
    const pending = await knex<DbAuditVerifyRunRow>(
      'platform_audit_verify_runs',
    )
      .whereIn('status', ['requested', 'running'])
      .orderBy('id', 'asc')
      .limit(20);
    return { last: last ? toRun(last) : null, pending: pending.map(toRun) };
  }
}

/** A run as the API shows it: absent instead of null, without the (flattened) result. */
export interface AuditVerifyRunSummary {
  id: string;
  trigger: AuditVerifyRun['trigger'];
  requestedBy?: string;
  requestedAt: string;
  status: AuditVerifyRun['status'];
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

/** GET /v1/audit/verify: the last finished run's result flattened, the run, pending runs. */
export type AuditVerifyStatus = Partial<AuditChainVerifyResult> & {
  status: 'none' | 'done' | 'error';
  run?: AuditVerifyRunSummary;
  pending: AuditVerifyRunSummary[];
};

function summary(run: AuditVerifyRun): AuditVerifyRunSummary {
  const { result: _result, ...rest } = run;
  return Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== null),
  ) as unknown as AuditVerifyRunSummary;
}

export function toVerifyStatus(status: {
  last: AuditVerifyRun | null;
  pending: AuditVerifyRun[];
}): AuditVerifyStatus {
  const { last, pending } = status;
  let state: AuditVerifyStatus['status'] = 'none';
  if (last) state = last.status === 'done' ? 'done' : 'error';
  return {
    ...(last?.result ?? {}),
    status: state,
    ...(last ? { run: summary(last) } : {}),
    pending: pending.map(summary),
  };
}
