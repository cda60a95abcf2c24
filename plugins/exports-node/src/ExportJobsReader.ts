import { Knex } from 'knex';

/** Terminal outcomes a finished job can have (a purged `succeeded` job is `expired`). */
export type FinishedExportStatus =
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'expired';

/** A finished export job as the SLO and capacity plugins read it. */
export interface FinishedExportJob {
  id: string;
  status: FinishedExportStatus;
  format: string;
  region: string;
  bytesWritten: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date;
  /** Creation to finish: what a user waits for a download-ready file. */
  durationMs: number;
  /** Creation to the last claim's start (`null` when never started). */
  queueWaitMs: number | null;
  /**
   * Creation to the first progress report; `null` while the exports table does not record the
   * first progress time (no `first_progress_at` column yet).
   */
  firstProgressDelayMs: number | null;
  errorType: string | null;
}

export interface FinishedJobsQuery {
  /** Jobs finished in `[from, to)`. */
  from: Date;
  to: Date;
  /** At most this many, oldest first (default 10,000). */
  limit?: number;
}

/** The export-completion SLI per minute of finishing. */
export interface CompletionMinutesQuery {
  from: Date;
  to: Date;
  /** A job counts only when it wrote fewer bytes than this (the SLO's size class). */
  maxBytes: number;
  /** A job is good when it succeeded within this many ms of its creation. */
  thresholdMs: number;
}

export interface CompletionMinute {
  minute: Date;
  good: number;
  total: number;
}

export interface ExportQueueState {
  queued: number;
  running: number;
  /** Age of the oldest queued job, `null` when nothing waits. */
  oldestQueuedAgeSeconds: number | null;
  /** The database's clock at the read. */
  at: Date;
}

export interface RegionStorage {
  region: string;
  bytes: number;
  files: number;
}

/**
 * Durable read access to the exports plugin's `export_jobs` table (not per-process metrics),
 * for plugins that report on the export service without reaching into its backend.
 */
export interface ExportJobsReader {
  finishedJobs(q: FinishedJobsQuery): Promise<FinishedExportJob[]>;
  completionMinutes(q: CompletionMinutesQuery): Promise<CompletionMinute[]>;
  queue(): Promise<ExportQueueState>;
  /** Bytes of the files still stored (succeeded, not yet purged), per region. */
  storedBytesByRegion(): Promise<RegionStorage[]>;
}

/**
 * Outcomes decided by the request or its requester, not by the service: they are not events
 * of the export-completion SLI (a cancelled job or a rejected filter says nothing about speed).
 */
export const NOT_SLI_EVENTS = {
  statuses: ['cancelled'],
  errorTypes: ['rejected', 'permission_revoked'],
} as const;

interface FinishedRow {
  id: string;
  status: FinishedExportStatus;
  format: string;
  region: string;
  bytes_written: string | number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date;
  error_type: string | null;
  first_progress_at?: Date | null;
}

const FINISHED = ['succeeded', 'failed', 'cancelled', 'expired'];

/** `ExportJobsReader` over the exports plugin's database. */
export class DatabaseExportJobsReader implements ExportJobsReader {
  private firstProgressColumn?: Promise<boolean>;

  constructor(private readonly db: Knex) {}

  async finishedJobs(q: FinishedJobsQuery): Promise<FinishedExportJob[]> {
    const withFirstProgress = await this.hasFirstProgressColumn();
    const rows: FinishedRow[] = await this.db('export_jobs')
      .select(
        'id',
        'status',
        'format',
        'region',
        'bytes_written',
        'created_at',
        'started_at',
        'finished_at',
        'error_type',
        ...(withFirstProgress ? ['first_progress_at'] : []),
      )
      .whereIn('status', FINISHED)
      .where('finished_at', '>=', q.from)
      .where('finished_at', '<', q.to)
      .orderBy('finished_at')
      .limit(q.limit ?? 10_000);
    return rows.map(toFinishedJob);
  }

  async completionMinutes(
    q: CompletionMinutesQuery,
  ): Promise<CompletionMinute[]> {
    const { rows } = await this.db.raw<{
      rows: Array<{ minute: Date; good: string; total: string }>;
    }>(
      `SELECT date_trunc('minute', finished_at) AS minute,
              count(*) FILTER (
                WHERE status IN ('succeeded', 'expired')
                  AND finished_at - created_at <= make_interval(secs => ?)
              ) AS good,
              count(*) AS total
         FROM export_jobs
        WHERE finished_at >= ? AND finished_at < ?
          AND status IN ('succeeded', 'failed', 'expired')
          AND coalesce(error_type, '') <> ALL (?::text[])
          AND bytes_written < ?
        GROUP BY 1
        ORDER BY 1`,
      [
        q.thresholdMs / 1000,
        q.from,
        q.to,
        [...NOT_SLI_EVENTS.errorTypes],
        q.maxBytes,
      ],
    );
    return rows.map(r => ({
      minute: new Date(r.minute),
      good: Number(r.good),
      total: Number(r.total),
    }));
  }

  async queue(): Promise<ExportQueueState> {
    const { rows } = await this.db.raw<{
      rows: Array<{
        queued: string;
        running: string;
        oldest: number | null;
        at: Date;
      }>;
    }>(
      `SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
              count(*) FILTER (WHERE status = 'running') AS running,
              extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'queued'))::float8 AS oldest,
              now() AS at
         FROM export_jobs
        WHERE status IN ('queued', 'running')`,
    );
    const row = rows[0];
    return {
      queued: Number(row.queued),
      running: Number(row.running),
      oldestQueuedAgeSeconds: row.oldest === null ? null : Number(row.oldest),
      at: new Date(row.at),
    };
  }

  async storedBytesByRegion(): Promise<RegionStorage[]> {
    // The retention purge deletes a file, then marks the job `expired`: a succeeded job past
    // its expiry that the purge has not reached yet still occupies storage and counts.
    const rows = (await this.db('export_jobs')
      .select('region')
      .sum({ bytes: 'bytes_written' })
      .count({ files: '*' })
      .where({ status: 'succeeded' })
      .whereNotNull('storage_key')
      .groupBy('region')
      .orderBy('region')) as Array<{
      region: string;
      bytes: string;
      files: string;
    }>;
    return rows.map(r => ({
      region: r.region,
      bytes: Number(r.bytes),
      files: Number(r.files),
    }));
  }

  private hasFirstProgressColumn(): Promise<boolean> {
    this.firstProgressColumn ??= this.db.schema.hasColumn(
      'export_jobs',
      'first_progress_at',
    );
    return this.firstProgressColumn;
  }
}

function toFinishedJob(r: FinishedRow): FinishedExportJob {
  const created = r.created_at.getTime();
  return {
    id: r.id,
    status: r.status,
    format: r.format,
    region: r.region,
    bytesWritten: Number(r.bytes_written),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.finished_at.getTime() - created,
    queueWaitMs: r.started_at ? r.started_at.getTime() - created : null,
    firstProgressDelayMs: r.first_progress_at
      ? r.first_progress_at.getTime() - created
      : null,
    errorType: r.error_type,
  };
}
