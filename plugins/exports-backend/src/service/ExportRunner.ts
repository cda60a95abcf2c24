import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ExportErrorType, ExportFormat } from '@internal/plugin-exports-common';
import {
  contextForVerifiedIdentity,
  FilterContext,
  FilterEngineBusyError,
  FilterExportEstimate,
  FilterExportRequest,
  FilterQueryFailedError,
  FilterRejectedError,
  FilterRowSink,
} from '@internal/plugin-filters-node';
import { ClaimOptions, DbExportJobRow, ExportStore } from './ExportStore';
import { JobDispatcher } from './queue/JobDispatcher';
import { ExportStorage, PendingExportFile } from './storage/ExportStorage';
import { CountingSink, rowLimitError } from './writers/CountingSink';
import { DEFAULT_EXPORT_LIMITS, ExportLimits } from './writers/limits';
import { ROW_WRITERS } from './writers/rowWriters';
import { RunAbortedError } from './writers/RunAbortedError';
import { XlsxWriterOptions } from './writers/XlsxWriter';

/** The part of the filter engine's FilterExporter a run needs. */
export interface CsvExporter {
  estimate(
    request: FilterExportRequest,
    context: FilterContext,
  ): Promise<FilterExportEstimate>;
  exportCsv(
    request: FilterExportRequest,
    context: FilterContext,
    destination: Writable,
  ): Promise<unknown>;
}

/** The row-streaming part of FilterExporter (XLSX and PDF files). */
export interface RowExporter {
  exportRows(
    request: FilterExportRequest,
    context: FilterContext,
    sink: FilterRowSink,
  ): Promise<unknown>;
}

/**
 * Asked when a job starts: undefined when the requester may still export, else why not
 * (the job then fails with `permission_revoked`).
 */
export type RunTimeAccessCheck = (
  job: DbExportJobRow,
) => Promise<string | undefined>;

export interface ExportRunnerOptions {
  store: ExportStore;
  storage: ExportStorage;
  /** CSV through COPY; XLSX and PDF need `exportRows` too (else `unsupported_format`). */
  exporter: CsvExporter & Partial<RowExporter>;
  logger: LoggerService;
  /** Concurrent jobs in this process (workers per replica). */
  workers: number;
  /** A claim lasts this long unless renewed: a dead worker's job is re-claimed after it. */
  leaseMs: number;
  /** Lease renewal and progress writes (at most every 2 s). */
  heartbeatMs: number;
  /** Idle workers claim again after this long unless woken (NOTIFY, a job queued here). */
  pollMs: number;
  /** How often expired leases are put back in the queue (default min(leaseMs / 2, 5 s)). */
  leaseCheckMs?: number;
  perTenantLimit: number;
  retentionMs: number;
  /** Byte limit of CSV files when `limits` does not give one. */
  maxBytes: number;
  /** Row and byte limits per format (defaults: DEFAULT_EXPORT_LIMITS). */
  limits?: Partial<ExportLimits>;
  /** XLSX writer options (tests make sheets small). */
  xlsx?: XlsxWriterOptions;
  runTimeAccessCheck?: RunTimeAccessCheck;
  onFinished?: (
    job: DbExportJobRow,
    outcome: 'succeeded' | 'failed' | 'queued' | 'lost',
    error?: { type: ExportErrorType; message: string },
  ) => void;
  workerId?: string;
}

/**
 * Runs export jobs from the queue in this process: a JobDispatcher fills `workers` slots, and a
 * timer puts jobs whose lease ran out (dead workers, any replica's) back in the queue.
 */
export class ExportRunner {
  private readonly workerId: string;
  private readonly dispatcher: JobDispatcher<DbExportJobRow>;
  private leaseCheck: NodeJS.Timeout | undefined;

  constructor(private readonly options: ExportRunnerOptions) {
    this.workerId =
      options.workerId ?? `exports-${process.pid}-${randomUUID()}`;
    this.dispatcher = new JobDispatcher({
      slots: options.workers,
      pollMs: options.pollMs,
      claim: count =>
        options.store.claimBatch({ ...this.claimOptions(), count }),
      run: job => this.run(job, { claimNext: true }),
      onError: e => options.logger.warn(`exports: claiming failed: ${e}`),
    });
  }

  private claimOptions(): ClaimOptions {
    return {
      workerId: this.workerId,
      leaseMs: this.options.leaseMs,
      perTenantLimit: this.options.perTenantLimit,
    };
  }

  start() {
    if (this.options.workers < 1) return;
    this.dispatcher.start();
    const every =
      this.options.leaseCheckMs ?? Math.min(this.options.leaseMs / 2, 5000);
    this.leaseCheck = setInterval(() => {
      this.options.store
        .requeueExpiredLeases()
        .then(n => n > 0 && this.dispatcher.wake())
        .catch(e =>
          this.options.logger.warn(`exports: lease check failed: ${e}`),
        );
    }, every);
  }

  /** New work was queued: stop waiting for the next poll. */
  notify() {
    this.dispatcher.wake();
  }

  async stop() {
    clearInterval(this.leaseCheck);
    await this.dispatcher.stop();
  }

  private limitsOf(format: ExportFormat) {
    const csvDefault = {
      ...DEFAULT_EXPORT_LIMITS.csv,
      maxBytes: this.options.maxBytes,
    };
    return (
      this.options.limits?.[format] ??
      (format === 'csv' ? csvDefault : DEFAULT_EXPORT_LIMITS[format])
    );
  }

  /**
   * Runs one claimed job to its end (exported for tests). With `claimNext` (the dispatcher's
   * runs), a successful completion also claims this slot's next job in the same round trip
   * and returns it.
   */
  async run(
    job: DbExportJobRow,
    options: { claimNext?: boolean } = {},
  ): Promise<DbExportJobRow | void> {
    const { store, storage, logger } = this.options;
    const token = job.lease_token!;
    let pending: PendingExportFile | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      const format = job.format as ExportFormat;
      const exportRows = this.options.exporter.exportRows?.bind(
        this.options.exporter,
      );
      if (format !== 'csv' && !(format in ROW_WRITERS && exportRows)) {
        throw new RunAbortedError(
          'unsupported_format',
          `Format ${job.format} is not available on this server`,
        );
      }
      const denied = await this.options.runTimeAccessCheck?.(job);
      if (denied) throw new RunAbortedError('permission_revoked', denied);

      const context = contextForVerifiedIdentity({
        accountId: job.account_id,
        verifiedBy: 'plugin:exports',
        readableDataClasses: job.readable_data_classes,
      });
      const request: FilterExportRequest = {
        dataset: job.dataset,
        filter: job.filter ?? undefined,
        fields: job.fields ?? undefined,
      };
      const estimate = await this.options.exporter.estimate(request, context);
      pending = await storage.begin(job.region, job.id, token);
      const limits = this.limitsOf(format);
      const sink = new CountingSink(pending.stream, {
        maxBytes: limits.maxBytes,
        countCsvRows: format === 'csv',
        maxCsvRows: limits.maxRows,
      });
      let rowsOut = 0;
      const rowsSoFar = () => (format === 'csv' ? sink.rows : rowsOut);
      const started = Date.now();
      const beat = async () => {
        const rows = rowsSoFar();
        const elapsedS = (Date.now() - started) / 1000;
        const rate = elapsedS > 0 ? rows / elapsedS : 0;
        const est = Math.max(estimate.estimatedRows, rows);
        const alive = await store.heartbeat(
          job.id,
          token,
          this.options.leaseMs,
          {
            rowsWritten: rows,
            bytesWritten: sink.bytes,
            rowsEstimated: estimate.estimatedRows,
            progress: est > 0 ? Math.min(0.99, rows / est) : 0,
            etaSeconds: rate > 0 ? (est - rows) / rate : undefined,
          },
        );
        if (!alive) {
          sink.abort(
            new RunAbortedError(
              'lease_lost',
              'the job was cancelled or re-claimed',
            ),
          );
        }
      };
      await beat();
      heartbeat = setInterval(() => {
        beat().catch(e =>
          logger.warn(`exports: heartbeat of ${job.id} failed: ${e}`),
        );
      }, this.options.heartbeatMs);
      try {
        if (format === 'csv') {
          await this.options.exporter.exportCsv(request, context, sink);
        } else {
          const writer = ROW_WRITERS[format](sink, {
            title: `${job.dataset} export ${job.id}`,
            xlsx: this.options.xlsx,
          });
          await exportRows!(request, context, {
            columns: columns => writer.columns(columns),
            rows: async batch => {
              if (sink.aborted) throw sink.aborted;
              if (
                limits.maxRows !== undefined &&
                rowsOut + batch.length > limits.maxRows
              ) {
                throw rowLimitError(format, limits.maxRows);
              }
              await writer.rows(batch);
              rowsOut += batch.length;
            },
          });
          await writer.end();
        }
      } catch (e) {
        throw sink.aborted ?? e;
      }
      if (sink.aborted) throw sink.aborted;
      // The heartbeat keeps renewing the lease until the completion returns: a commit (an S3
      // upload and copy) can outlast the lease, and another replica would re-queue the job.
      // This attempt's own final key: committed before the database says succeeded (a file
      // under it is complete, and no user sees it before the job's storage_key names it).
      const key = storage.keyFor(job.region, job.id, format, token);
      await storage.commit(pending, key);
      pending = undefined;
      // If this throws, whether the completion committed is unknown: the file stays (the
      // retention job removes it if no job references it) and the attempt fails below, which
      // changes nothing if the job did complete.
      const { completed, next } = await store.completeAndClaim(
        {
          id: job.id,
          leaseToken: token,
          webhook: job.delivery.type === 'webhook',
          result: {
            rowsWritten: rowsSoFar(),
            bytesWritten: sink.bytes,
            storageKey: key,
          },
          retentionMs: this.options.retentionMs,
        },
        options.claimNext && this.dispatcher.accepting
          ? this.claimOptions()
          : undefined,
      );
      clearInterval(heartbeat);
      heartbeat = undefined;
      if (!completed) {
        // The lease was lost (cancelled, or re-claimed after it ran out): remove this
        // attempt's file; another attempt's file has another key. If that fails, the job was
        // still only lost (not failed): the unreferenced-file sweep removes the file later.
        await storage
          .remove(key)
          .catch(e =>
            logger.warn(
              `exports: removing ${key} of a lost attempt of ${job.id} failed: ${e}`,
            ),
          );
        this.options.onFinished?.(job, 'lost');
        return undefined;
      }
      this.options.onFinished?.(job, 'succeeded');
      return next;
    } catch (error) {
      if (heartbeat) clearInterval(heartbeat);
      if (pending) await storage.discard(pending).catch(() => undefined);
      const classified = classify(error);
      if (classified.type === 'lease_lost') {
        this.options.onFinished?.(job, 'lost');
        return undefined;
      }
      const type = classified.type;
      const outcome = await store
        .fail(job.id, token, {
          type,
          message: classified.message,
          retryable: classified.retryable,
        })
        .catch(e => {
          logger.error(`exports: recording the failure of ${job.id}: ${e}`);
          return 'lost' as const;
        });
      if (type === 'internal') {
        logger.error(`exports: job ${job.id} failed: ${error}`);
      }
      this.options.onFinished?.(job, outcome, {
        type,
        message: classified.message,
      });
      return undefined;
    }
  }
}

/** How a run's error ends the attempt: its error type, the job's message, whether to retry. */
export function classify(error: unknown): {
  type: ExportErrorType | 'lease_lost';
  message: string;
  retryable: boolean;
} {
  if (error instanceof RunAbortedError) {
    return { type: error.type, message: error.message, retryable: false };
  }
  if (error instanceof FilterRejectedError) {
    return { type: 'rejected', message: error.message, retryable: false };
  }
  if (error instanceof FilterQueryFailedError) {
    return { type: 'query_failed', message: error.message, retryable: true };
  }
  if (error instanceof FilterEngineBusyError) {
    return { type: 'query_failed', message: error.message, retryable: true };
  }
  const e = error as { name?: string; message?: string };
  // An outage (catalog, policy, storage) is not the job's fault: retried with backoff like other
  // transient errors; its message (which may name internals) is only logged.
  if (e?.name === 'ServiceUnavailableError') {
    return {
      type: 'internal',
      message:
        'A service the export needs was unavailable; the export is retried until its last attempt',
      retryable: true,
    };
  }
  if (e?.name === 'InputError' || e?.name === 'NotAllowedError') {
    return {
      type: 'rejected',
      message: e.message ?? String(error),
      retryable: false,
    };
  }
  return {
    type: 'internal',
    message: 'The export failed unexpectedly; it is logged',
    retryable: true,
  };
}
