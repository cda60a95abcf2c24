import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import {
  ExportErrorType,
  ExportFormat,
  ExportStatus,
} from '@internal/plugin-exports-common';
import { ExportStats, measureExportStats } from './ExportStats';
import type { DbWebhookDeliveryRow } from './webhooks';
import { WebhookOutbox } from './delivery/WebhookOutbox';
import { GroupCommit, GroupResult } from './queue/GroupCommit';

/** A row of `export_jobs` as node-postgres returns it (bigint as string). */
export interface DbExportJobRow {
  id: string;
  status: ExportStatus;
  dataset: string;
  account_id: string;
  region: 'us' | 'eu';
  plan: string;
  priority: number;
  format: ExportFormat;
  delivery: { type: 'download' } | { type: 'webhook'; url: string };
  filter: Record<string, unknown> | null;
  fields: string[] | null;
  readable_data_classes: string[];
  requested_by: string;
  team: string | null;
  idempotency_key: string | null;
  progress: number;
  rows_written: string | number;
  bytes_written: string | number;
  rows_estimated: string | number | null;
  eta_seconds: number | null;
  attempts: number;
  max_attempts: number;
  run_after: Date;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: Date | null;
  completions: number;
  error_type: string | null;
  error_message: string | null;
  storage_key: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expires_at: Date | null;
}

export interface NewExportJob {
  dataset: string;
  accountId: string;
  region: 'us' | 'eu';
  plan: string;
  format: ExportFormat;
  delivery: DbExportJobRow['delivery'];
  filter?: Record<string, unknown>;
  fields?: string[];
  readableDataClasses: string[];
  requestedBy: string;
  team?: string;
  idempotencyKey?: string;
  maxAttempts?: number;
}

export interface ExportListQuery {
  requestedBy?: string;
  team?: string;
  accountId?: string;
  status?: ExportStatus;
  limit: number;
  offset: number;
}

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
  /** Running jobs per account at most (across all replicas). */
  perTenantLimit: number;
}

export interface ProgressUpdate {
  rowsWritten: number;
  bytesWritten: number;
  rowsEstimated?: number;
  progress: number;
  etaSeconds?: number;
}

/** A finished job waiting for its group commit (`ExportStore.complete`). */
export interface Completion {
  id: string;
  leaseToken: string;
  result: { rowsWritten: number; bytesWritten: number; storageKey: string };
  retentionMs: number;
  /**
   * Gives the file its final name while the job's row is locked under this lease. Absent when
   * the file is already under a key of this attempt's own (`ExportStorage.keyFor`).
   */
  commitFile?: () => Promise<void>;
  /**
   * The job's delivery is a webhook (from its row): the group takes the locked transaction,
   * which queues its outbox row. A webhook job sent without it is refused by the one-statement
   * path and completed by the locked one (one more round trip, nothing lost).
   */
  webhook?: boolean;
  /** Claim this worker's next job in the completion's transaction. */
  claimNext?: ClaimOptions;
}

type CompletionResult = { completed: boolean; next?: DbExportJobRow };

/** A number as an SQL literal (finite numbers only: they are inlined into simple-protocol SQL). */
function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

/** What the group commit uses of a knex pool's connection (a node-postgres Client). */
interface PgConnection {
  query(text: string): Promise<PgResult | PgResult[]>;
  escapeLiteral(value: string): string;
  end?(): Promise<void>;
  /** Set: knex's pool destroys the connection instead of reusing it (its `validate`). */
  __knex__disposed?: unknown;
}
interface PgResult {
  rows: unknown[];
}

/** Several statements in one round trip (simple protocol): one result per statement. */
async function sqlResults(conn: PgConnection, text: string) {
  const out = await conn.query(text);
  return Array.isArray(out) ? out : [out];
}

/** A JSON value as a jsonb SQL literal (for the simple protocol, which has no parameters). */
function jsonLiteral(conn: PgConnection, value: unknown): string {
  return `${conn.escapeLiteral(JSON.stringify(value))}::jsonb`;
}

/** Completions as the jsonb argument of `export_jobs_complete` (migration 20261202060000). */
function completionsLiteral(
  conn: PgConnection,
  done: Completion[],
  claiming: Set<string> = new Set(),
): string {
  return jsonLiteral(
    conn,
    done.map(c => ({
      id: c.id,
      token: c.leaseToken,
      rows: c.result.rowsWritten,
      bytes: c.result.bytesWritten,
      key: c.result.storageKey,
      retention_ms: c.retentionMs,
      claim: claiming.has(c.id),
    })),
  );
}

/** An error response of the Postgres server (node-postgres' DatabaseError), not a client failure. */
function isServerError(error: unknown): boolean {
  const e = error as { severity?: unknown; code?: unknown } | undefined;
  return typeof e?.severity === 'string' && typeof e?.code === 'string';
}

/** Two completions ask for their next jobs with the same claim (one claim serves both). */
function sameClaim(a: ClaimOptions | undefined, b: ClaimOptions | undefined) {
  return (
    !!a &&
    !!b &&
    a.workerId === b.workerId &&
    a.leaseMs === b.leaseMs &&
    a.perTenantLimit === b.perTenantLimit
  );
}

/** Backoff before attempt n+1 (n = attempts so far): 2 s, 4 s, 8 s … capped at 5 min. */
export function retryDelayMs(attempts: number, baseMs = 2000): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 300_000);
}

// The advisory lock namespace of claims (the second key is the account's hash). Any constant
// works: it only has to be the same in every replica.
export const CLAIM_LOCK_KEY = 7_310_010;

const claimOrder = (a: DbExportJobRow, b: DbExportJobRow) =>
  b.priority - a.priority ||
  a.created_at.getTime() - b.created_at.getTime() ||
  (a.id < b.id ? -1 : 1);

export interface ExportStoreOptions {
  /** Delivery attempts of a job's webhook (default 4). */
  webhookAttempts?: number;
  /** Attempts of a job created without `maxAttempts` (default 3; config `exports.maxAttempts`). */
  jobAttempts?: number;
}

/**
 * The export jobs and their queue on one table. Claims take transaction-scoped advisory locks
 * per account so the per-tenant limit holds across replicas; a claim is a lease that the worker
 * renews (heartbeat); a lease that runs out puts the job back in the queue (or fails it after
 * its last attempt). Completing needs the lease token and status `running`: one completion per
 * job. Queuing a job notifies `export_jobs_queued` (a trigger) so listeners claim at once.
 */
export class ExportStore {
  private readonly webhookAttempts: number;
  private readonly jobAttempts: number;
  private readonly completions = new GroupCommit<
    Completion,
    { completed: boolean; next?: DbExportJobRow }
  >(items => this.completeMany(items));

  constructor(private readonly db: Knex, options: ExportStoreOptions = {}) {
    this.webhookAttempts = options.webhookAttempts ?? 4;
    this.jobAttempts = options.jobAttempts ?? 3;
  }

  async create(
    job: NewExportJob,
  ): Promise<{ row: DbExportJobRow; created: boolean }> {
    const inserted: DbExportJobRow[] = await this.db('export_jobs')
      .insert({
        id: randomUUID(),
        dataset: job.dataset,
        account_id: job.accountId,
        region: job.region,
        plan: job.plan,
        priority: job.plan === 'enterprise' ? 10 : 0,
        format: job.format,
        delivery: JSON.stringify(job.delivery),
        filter: job.filter ? JSON.stringify(job.filter) : null,
        fields: job.fields ? JSON.stringify(job.fields) : null,
        readable_data_classes: JSON.stringify(job.readableDataClasses),
        requested_by: job.requestedBy,
        team: job.team ?? null,
        idempotency_key: job.idempotencyKey ?? null,
        max_attempts: job.maxAttempts ?? this.jobAttempts,
      })
      .onConflict(['requested_by', 'idempotency_key'])
      .ignore()
      .returning('*');
    if (inserted.length > 0) return { row: inserted[0], created: true };
    const existing = await this.db<DbExportJobRow>('export_jobs')
      .where({
        requested_by: job.requestedBy,
        idempotency_key: job.idempotencyKey ?? null,
      })
      .first();
    if (!existing) throw new Error('export job vanished after a conflict');
    return { row: existing, created: false };
  }

  async get(id: string): Promise<DbExportJobRow | undefined> {
    return this.db<DbExportJobRow>('export_jobs').where({ id }).first();
  }

  async list(
    query: ExportListQuery,
  ): Promise<{ rows: DbExportJobRow[]; total: number }> {
    const base = this.db<DbExportJobRow>('export_jobs').modify(q => {
      if (query.requestedBy) q.where('requested_by', query.requestedBy);
      if (query.team) q.where('team', query.team);
      if (query.accountId) q.where('account_id', query.accountId);
      if (query.status) q.where('status', query.status);
    });
    const [{ n }] = await base.clone().count({ n: '*' });
    const rows = await base
      .clone()
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.limit)
      .offset(query.offset);
    return { rows, total: Number(n) };
  }

  /** Claims the next job (highest priority, oldest first) within the per-tenant limit. */
  async claim(options: ClaimOptions): Promise<DbExportJobRow | undefined> {
    return (await this.claimBatch({ ...options, count: 1 }))[0];
  }

  /**
   * Claims up to `count` jobs (highest priority, oldest first) within the per-tenant limit, in
   * one round trip (two when the first finds nothing): the `export_jobs_claim` function
   * (migration 20261202032000 explains how it keeps the limit across replicas with an advisory
   * lock per account). Claims for different
   * accounts run in parallel; the old single lock serialized every claim in the cluster.
   */
  async claimBatch(
    options: ClaimOptions & { count: number },
  ): Promise<DbExportJobRow[]> {
    if (options.count < 1) return [];
    const claimWith = async (wait: boolean) =>
      (
        await this.db.raw('SELECT * FROM export_jobs_claim(?, ?, ?, ?, ?, ?)', [
          options.workerId,
          options.leaseMs,
          options.perTenantLimit,
          options.count,
          CLAIM_LOCK_KEY,
          wait,
        ])
      ).rows as DbExportJobRow[];
    // Try-locks first; empty (the queue is, or every candidate account was being claimed by
    // someone else): once more, waiting for the locks of the next accounts.
    let rows = await claimWith(false);
    if (rows.length === 0) rows = await claimWith(true);
    return rows.sort(claimOrder);
  }

  /**
   * Running jobs whose lease ran out (their worker died or stalled): back to the queue with
   * backoff, or failed when that was the last attempt (its webhook, if any, is queued). Runs on
   * a timer in every replica (ExportRunner), not in the claim.
   */
  async requeueExpiredLeases(): Promise<number> {
    return this.db.transaction(async tx => {
      const result = await tx.raw(
        `UPDATE export_jobs SET
           status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
           error_type = CASE WHEN attempts >= max_attempts THEN 'internal' ELSE error_type END,
           error_message = CASE WHEN attempts >= max_attempts
             THEN 'The worker running this export stopped responding on its last attempt' ELSE error_message END,
           finished_at = CASE WHEN attempts >= max_attempts THEN now() ELSE NULL END,
           lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
           rows_written = 0, bytes_written = 0, progress = 0, run_after = now()
         WHERE status = 'running' AND lease_expires_at < now()
         RETURNING *`,
      );
      const rows = result.rows as DbExportJobRow[];
      for (const row of rows.filter(r => r.status === 'failed')) {
        await WebhookOutbox.enqueue(tx, row, this.webhookAttempts);
      }
      return rows.length;
    });
  }

  /**
   * Renews the lease and records progress. Returns false when the lease is lost (cancelled,
   * re-claimed by another worker): the worker must stop and discard its file.
   */
  async heartbeat(
    id: string,
    leaseToken: string,
    leaseMs: number,
    progress?: ProgressUpdate,
  ): Promise<boolean> {
    const updated = await this.db('export_jobs')
      .where({ id, lease_token: leaseToken, status: 'running' })
      .update({
        lease_expires_at: this.db.raw(
          `now() + (? * interval '1 millisecond')`,
          [leaseMs],
        ),
        ...(progress
          ? {
              rows_written: progress.rowsWritten,
              bytes_written: progress.bytesWritten,
              progress: progress.progress,
              eta_seconds: progress.etaSeconds ?? null,
              ...(progress.rowsEstimated !== undefined
                ? { rows_estimated: Math.round(progress.rowsEstimated) }
                : {}),
            }
          : {}),
      });
    return updated === 1;
  }

  /**
   * Completes the job when this worker still holds its lease; `commitFile` (rename the
   * temporary file) runs while the job's row is locked and its lease verified, before the
   * transaction that marks it succeeded commits: if it throws, the job is not completed and
   * the promise rejects. False when the lease was lost (`commitFile` was not called).
   * Completions from one turn of the event loop share one transaction (`completeMany`).
   */
  async complete(
    id: string,
    leaseToken: string,
    result: { rowsWritten: number; bytesWritten: number; storageKey: string },
    retentionMs: number,
    commitFile: () => Promise<void>,
  ): Promise<boolean> {
    return (
      await this.completions.add({
        id,
        leaseToken,
        result,
        retentionMs,
        commitFile,
      })
    ).completed;
  }

  /**
   * `complete`; with `claimNext` (the claim's options), a completed job's worker also claims
   * its next job in the same transaction and round trip (try-locks only, like a first claim).
   * `next` is undefined when nothing was claimable then (the caller claims as usual).
   */
  async completeAndClaim(
    completion: Omit<Completion, 'claimNext'>,
    claimNext?: ClaimOptions,
  ): Promise<{ completed: boolean; next?: DbExportJobRow }> {
    return this.completions.add({ ...completion, claimNext });
  }

  /**
   * The group commit of the completions of one turn of the event loop, on one pooled
   * connection (node-postgres' simple protocol, several statements per round trip).
   * Completions whose files are already under their attempt's own key and that queue no
   * webhook take one round trip (`completeClaimingAtOnce`); a group with a file to rename under
   * the row lock or a webhook takes the locked transaction (`completeLocked`).
   */
  private async completeMany(
    items: Completion[],
  ): Promise<GroupResult<CompletionResult>[]> {
    const conn: PgConnection = await this.db.client.acquireConnection();
    try {
      return items.every(c => !c.commitFile && !c.webhook)
        ? await this.completeClaimingAtOnce(conn, items)
        : await this.completeLocked(conn, items);
    } catch (error) {
      await conn.query('ROLLBACK').catch(rollbackError => {
        // Its transaction state is unknown (rows may still be locked): it must not go back to
        // the pool as it is. Ended, the server drops the transaction and its locks; marked
        // disposed, the pool destroys it instead of handing it out again.
        conn.__knex__disposed = rollbackError;
        conn.end?.().catch(() => undefined);
      });
      throw error;
    } finally {
      await this.db.client.releaseConnection(conn);
    }
  }

  /**
   * One statement (`export_jobs_complete_claim`, migration 20261202061000): mark succeeded the
   * jobs whose lease is still the completing worker's, and claim the next jobs of the
   * completed ones that asked (try-locks only). Their files are already under keys of their
   * own attempt, so nothing is renamed while rows are locked: a completion whose lease was
   * lost is told so and removes its own file. If the statement fails (the claim, say, or a
   * webhook job not flagged `webhook`), nothing was committed and the locked path completes
   * them without a claim.
   */
  private async completeClaimingAtOnce(
    conn: PgConnection,
    items: Completion[],
  ): Promise<GroupResult<CompletionResult>[]> {
    const options = items.find(c => c.claimNext)?.claimNext;
    const claiming = new Set(
      items.filter(c => sameClaim(c.claimNext, options)).map(c => c.id),
    );
    const done = completionsLiteral(conn, items, claiming);
    let rows: DbExportJobRow[];
    try {
      const claim = options ?? { workerId: '', leaseMs: 0, perTenantLimit: 0 };
      [{ rows }] = (await sqlResults(
        conn,
        `SELECT * FROM export_jobs_complete_claim(${done}, ${conn.escapeLiteral(
          claim.workerId,
        )}, ${sqlNumber(claim.leaseMs)}, ${sqlNumber(
          claim.perTenantLimit,
        )}, ${CLAIM_LOCK_KEY})`,
      )) as { rows: DbExportJobRow[] }[];
    } catch (error) {
      // Only an error the server answered with says that nothing was committed (one
      // statement); anything else (a lost connection) leaves the outcome unknown.
      if (!isServerError(error)) throw error;
      // The locked path completes them without a claim, and queues the outbox rows of any
      // webhook job (refused by the statement).
      return this.completeLocked(
        conn,
        items.map(c => ({ ...c, claimNext: undefined })),
      );
    }
    const completed = new Set(
      rows.filter(r => r.status === 'succeeded').map(r => r.id),
    );
    const next = rows.filter(r => r.status === 'running').sort(claimOrder);
    return items.map(item => {
      if (!completed.has(item.id)) return { value: { completed: false } };
      return {
        value: {
          completed: true,
          ...(claiming.has(item.id) && next.length > 0
            ? { next: next.shift() }
            : {}),
        },
      };
    });
  }

  /**
   * The locked transaction, two round trips for the whole group:
   * 1. `BEGIN` and lock the rows whose lease is still the completing worker's (FOR UPDATE);
   * 2. rename the held jobs' files (`commitFile`, in parallel, while the rows are locked: a
   *    worker whose lease was lost never renames, and no one else can complete or re-claim
   *    the job);
   * 3. mark the renamed ones succeeded, queue their webhooks, claim the next jobs of the
   *    completions that asked for one (after a savepoint: a failed claim loses no
   *    completion), `COMMIT`.
   * A failed rename leaves that job running (its run fails the attempt as before); the rest
   * still complete. Dying before 3 commits leaves renamed files under final names of jobs
   * still `running`; their leases run out and the retry writes its file again (or, after the
   * last attempt, the job fails and the file is unreferenced: `storage_key` is only set by
   * the commit). The file is therefore complete before the job is `succeeded`.
   */
  private async completeLocked(
    conn: PgConnection,
    items: Completion[],
  ): Promise<GroupResult<CompletionResult>[]> {
    const held = await sqlResults(
      conn,
      `BEGIN;
       SELECT j.id, j.delivery->>'type' AS delivery_type FROM export_jobs j
       JOIN jsonb_to_recordset(${jsonLiteral(
         conn,
         items.map(c => ({ id: c.id, token: c.leaseToken })),
       )}) AS c(id uuid, token uuid) ON j.id = c.id AND j.lease_token = c.token
       WHERE j.status = 'running' ORDER BY j.id FOR UPDATE OF j`,
    );
    const heldRows = held[1].rows as { id: string; delivery_type: string }[];
    const heldIds = new Set(heldRows.map(r => r.id));
    const webhookIds = new Set(
      heldRows.filter(r => r.delivery_type === 'webhook').map(r => r.id),
    );
    const results: GroupResult<CompletionResult>[] = items.map(() => ({
      value: { completed: false },
    }));
    const renamed: Completion[] = [];
    await Promise.all(
      items.map(async (item, i) => {
        if (!heldIds.has(item.id)) return;
        try {
          await item.commitFile?.();
          renamed.push(item);
          results[i] = { value: { completed: true } };
        } catch (error) {
          results[i] = { error };
        }
      }),
    );
    const withWebhook = renamed.some(c => webhookIds.has(c.id));
    if (withWebhook) {
      const [completed] = await sqlResults(
        conn,
        this.completionSql(conn, renamed),
      );
      // WebhookOutbox.enqueue builds its INSERT with knex: bound to this connection.
      const onConn = ((table: string) =>
        this.db(table).connection(conn)) as unknown as Knex;
      for (const row of completed.rows as DbExportJobRow[]) {
        await WebhookOutbox.enqueue(onConn, row, this.webhookAttempts);
      }
      await this.commitClaiming(conn, undefined, undefined);
      return results;
    }
    // The claim's options: those of the first completion asking for a next job; the
    // completions asking with other options (another dispatcher) claim as usual.
    const asking = renamed.filter(c => c.claimNext);
    const options = asking[0]?.claimNext;
    const claimers = asking.filter(c => sameClaim(c.claimNext, options));
    const claimed = await this.commitClaiming(
      conn,
      renamed.length > 0
        ? `SELECT export_jobs_complete(${completionsLiteral(conn, renamed)})`
        : undefined,
      options && { ...options, count: claimers.length },
    );
    claimed.sort(claimOrder).forEach((next, n) => {
      const i = items.indexOf(claimers[n]);
      results[i] = { value: { completed: true, next } };
    });
    return results;
  }

  /**
   * The UPDATE that marks the renamed completions succeeded (their rows are locked) and
   * returns their rows (for the webhook outbox); `export_jobs_complete` does the same without
   * the rows, one primary-key UPDATE each.
   */
  private completionSql(conn: PgConnection, renamed: Completion[]): string {
    return `UPDATE export_jobs j SET status = 'succeeded', completions = j.completions + 1,
           rows_written = c.rows, bytes_written = c.bytes, progress = 1, eta_seconds = 0,
           storage_key = c.key, finished_at = now(),
           expires_at = now() + (c.retention_ms * interval '1 millisecond'),
           lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL,
           error_type = NULL, error_message = NULL
         FROM jsonb_to_recordset(${jsonLiteral(
           conn,
           renamed.map(c => ({
             id: c.id,
             rows: c.result.rowsWritten,
             bytes: c.result.bytesWritten,
             key: c.result.storageKey,
             retention_ms: c.retentionMs,
           })),
         )}) AS c(id uuid, rows bigint, bytes bigint, key text, retention_ms double precision)
         WHERE j.id = c.id RETURNING j.*`;
  }

  /**
   * One round trip: `first` (if any), a claim of `claim.count` jobs (if any) after a
   * savepoint, COMMIT. A failed claim is rolled back to the savepoint and the rest commits
   * (one more round trip); nothing is claimed then.
   */
  private async commitClaiming(
    conn: PgConnection,
    first: string | undefined,
    claim: (ClaimOptions & { count: number }) | undefined,
  ): Promise<DbExportJobRow[]> {
    const wantsClaim = claim && claim.count > 0;
    const statements = [
      first,
      wantsClaim && 'SAVEPOINT next_jobs',
      wantsClaim &&
        `SELECT * FROM export_jobs_claim(${conn.escapeLiteral(
          claim.workerId,
        )}, ${sqlNumber(claim.leaseMs)}, ${sqlNumber(
          claim.perTenantLimit,
        )}, ${sqlNumber(claim.count)}, ${CLAIM_LOCK_KEY}, false)`,
      'COMMIT',
    ].filter((x): x is string => typeof x === 'string');
    try {
      const results = await sqlResults(conn, statements.join(';\n'));
      return wantsClaim
        ? (results[results.length - 2].rows as DbExportJobRow[])
        : [];
    } catch (error) {
      if (!wantsClaim) throw error;
      // The claim failed, or the statement before it (then the savepoint does not exist and
      // this throws too: the caller rolls back).
      await conn.query('ROLLBACK TO SAVEPOINT next_jobs; COMMIT').catch(() => {
        throw error;
      });
      return [];
    }
  }

  /**
   * Fails the attempt: retried with backoff when `retryable` and attempts remain; a final
   * failure queues the job's webhook in the same transaction.
   */
  async fail(
    id: string,
    leaseToken: string,
    error: { type: ExportErrorType; message: string; retryable: boolean },
  ): Promise<'queued' | 'failed' | 'lost'> {
    return this.db.transaction(async tx => {
      const job: DbExportJobRow | undefined = await tx<DbExportJobRow>(
        'export_jobs',
      )
        .where({ id, lease_token: leaseToken, status: 'running' })
        .forUpdate()
        .first();
      if (!job) return 'lost';
      const retry = error.retryable && job.attempts < job.max_attempts;
      const [updated]: DbExportJobRow[] = await tx('export_jobs')
        .where({ id, lease_token: leaseToken, status: 'running' })
        .update({
          status: retry ? 'queued' : 'failed',
          error_type: error.type,
          error_message: error.message.slice(0, 2000),
          lease_token: null,
          lease_owner: null,
          lease_expires_at: null,
          rows_written: retry ? 0 : job.rows_written,
          bytes_written: retry ? 0 : job.bytes_written,
          progress: retry ? 0 : job.progress,
          run_after: tx.raw(`now() + (? * interval '1 millisecond')`, [
            retry ? retryDelayMs(job.attempts) : 0,
          ]),
          finished_at: retry ? null : tx.fn.now(),
        })
        .returning('*');
      if (!retry)
        await WebhookOutbox.enqueue(tx, updated, this.webhookAttempts);
      return retry ? 'queued' : 'failed';
    });
  }

  /** Cancels a queued or running job; a running worker notices at its next heartbeat. */
  async cancel(id: string): Promise<DbExportJobRow | undefined> {
    const rows: DbExportJobRow[] = await this.db('export_jobs')
      .where({ id })
      .whereIn('status', ['queued', 'running'])
      .update({
        status: 'cancelled',
        finished_at: this.db.fn.now(),
        lease_token: null,
        lease_owner: null,
        lease_expires_at: null,
      })
      .returning('*');
    return rows[0];
  }

  /** Queues a failed or cancelled job again with a fresh set of attempts. */
  async retry(id: string): Promise<DbExportJobRow | undefined> {
    const rows: DbExportJobRow[] = await this.db('export_jobs')
      .where({ id })
      .whereIn('status', ['failed', 'cancelled'])
      .update({
        status: 'queued',
        attempts: 0,
        error_type: null,
        error_message: null,
        rows_written: 0,
        bytes_written: 0,
        progress: 0,
        eta_seconds: null,
        run_after: this.db.fn.now(),
        started_at: null,
        finished_at: null,
      })
      .returning('*');
    return rows[0];
  }

  /** Succeeded jobs past their expiry (the retention purge deletes their files first). */
  async dueForExpiry(limit = 500): Promise<DbExportJobRow[]> {
    return this.db<DbExportJobRow>('export_jobs')
      .where('status', 'succeeded')
      .where('expires_at', '<', this.db.fn.now())
      .orderBy('expires_at')
      .limit(limit);
  }

  /** The storage key of each of these jobs that exists (null: no file). */
  async storageKeysOf(ids: string[]): Promise<Map<string, string | null>> {
    const rows: Pick<DbExportJobRow, 'id' | 'storage_key'>[] = await this.db(
      'export_jobs',
    )
      .select('id', 'storage_key')
      .whereIn('id', [...new Set(ids)]);
    return new Map(rows.map(r => [r.id, r.storage_key]));
  }

  async markExpired(id: string): Promise<boolean> {
    const updated = await this.db('export_jobs')
      .where({ id, status: 'succeeded' })
      .update({ status: 'expired', storage_key: null });
    return updated === 1;
  }

  /** Queue gauges for metrics and the admin view. */
  async queueStats(): Promise<{
    queued: number;
    running: number;
    oldestQueuedAgeSeconds: number;
  }> {
    const result = await this.db.raw(
      `SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
              count(*) FILTER (WHERE status = 'running') AS running,
              coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'queued')), 0) AS oldest
       FROM export_jobs WHERE status IN ('queued', 'running')`,
    );
    const r = result.rows[0];
    return {
      queued: Number(r.queued),
      running: Number(r.running),
      oldestQueuedAgeSeconds: Number(r.oldest),
    };
  }

  /** The admin statistics of the last `hours`, measured now (see `measureExportStats`). */
  async stats(hours: number, at: Date): Promise<ExportStats> {
    return measureExportStats(this.db, { hours, at });
  }

  /** A job's webhook delivery log, oldest attempt first. */
  async deliveries(jobId: string): Promise<DbWebhookDeliveryRow[]> {
    return this.db<DbWebhookDeliveryRow>('export_webhook_deliveries')
      .where({ job_id: jobId })
      .orderBy('id');
  }
}
