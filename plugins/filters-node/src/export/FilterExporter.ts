import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { Knex } from 'knex';
import { to as copyTo } from 'pg-copy-streams';
import { FilterContext } from '../access';
import { FilterQueryFailedError, FilterRejectedError } from '../errors';
import { FilterEngine, FilterEngineLogger } from '../FilterEngine';
import { setConfigStatement, withSettingPlaceholders } from './settingsSql';

export interface FilterExportOptions {
  /** EXPLAIN total cost above which an export is refused (default 2,000,000). */
  costThreshold?: number;
  /** statement_timeout of the export transaction (ms, default 300,000). */
  statementTimeoutMs?: number;
  /** Where database error text goes (it can quote row values; callers get a reference). */
  logger?: FilterEngineLogger;
}

export interface FilterExportRequest {
  dataset: string;
  filter?: unknown;
  fields?: unknown;
}

export interface FilterExportEstimate {
  /** EXPLAIN of the whole result (no LIMIT): an estimate, not a count. */
  estimatedRows: number;
  estimatedCost: number;
  costThreshold: number;
  wouldRun: boolean;
}

export interface FilterExportResult extends FilterExportEstimate {
  fields: string[];
  omittedFields: string[];
  /** Bytes of CSV written (header included), counted as they pass. */
  bytes: number;
  durationMs: number;
  /** The COPY statement as sent: fields, operators and settings names, no values. */
  copySql: string;
  servedBy: 'primary' | 'replica';
}

export const DEFAULT_EXPORT_COST_THRESHOLD = 2_000_000;
export const DEFAULT_EXPORT_STATEMENT_TIMEOUT_MS = 300_000;

type PgClient = {
  query(
    text: string | { text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  query<T>(stream: T): T;
};

/**
 * The export path of the filter engine: the whole result of {dataset, filter, fields} for an
 * authorized context, as CSV through `COPY (…) TO STDOUT`, inside one
 * `REPEATABLE READ READ ONLY` snapshot under its own cost threshold and statement timeout.
 * Same tenant predicate and data-class checks as queries (FilterEngine.build); the values
 * travel as transaction-local settings, never in the statement text.
 */
export class FilterExporter {
  private readonly costThreshold: number;
  private readonly statementTimeoutMs: number;

  constructor(
    private readonly engine: FilterEngine,
    private readonly options: FilterExportOptions = {},
  ) {
    this.costThreshold = options.costThreshold ?? DEFAULT_EXPORT_COST_THRESHOLD;
    this.statementTimeoutMs = Math.trunc(
      options.statementTimeoutMs ?? DEFAULT_EXPORT_STATEMENT_TIMEOUT_MS,
    );
  }

  private build(request: FilterExportRequest, context: FilterContext) {
    const dataset = this.engine.getDataset(request.dataset);
    const built = FilterEngine.build(dataset, request.filter, context, {
      kind: 'rows',
      fields: request.fields,
      unbounded: true,
    });
    return { dataset, built, sql: withSettingPlaceholders(built.sql) };
  }

  /** Runs `work` inside the export's snapshot with the values set; always ends the transaction. */
  private async inSnapshot<T>(
    knex: Knex,
    bindings: unknown[],
    work: (client: PgClient) => Promise<T>,
  ): Promise<T> {
    const pool = knex.client as Knex.Client;
    const client = (await pool.acquireConnection()) as PgClient;
    try {
      await client.query(
        `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = ${this.statementTimeoutMs}; SET LOCAL TimeZone = 'UTC'`,
      );
      if (bindings.length > 0) await client.query(setConfigStatement(bindings));
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await pool.releaseConnection(client);
    }
  }

  private async explain(
    client: PgClient,
    sql: string,
  ): Promise<FilterExportEstimate> {
    const result = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`);
    const plan = (
      result.rows[0]['QUERY PLAN'] as {
        Plan: { 'Total Cost': number; 'Plan Rows': number };
      }[]
    )[0].Plan;
    const estimatedCost = Number(plan['Total Cost']);
    return {
      estimatedRows: Number(plan['Plan Rows']),
      estimatedCost,
      costThreshold: this.costThreshold,
      wouldRun: estimatedCost <= this.costThreshold,
    };
  }

  /** The row estimate (EXPLAIN without LIMIT) and whether the export would run. */
  async estimate(
    request: FilterExportRequest,
    context: FilterContext,
  ): Promise<FilterExportEstimate> {
    const { built, sql } = this.build(request, context);
    const routed = await this.engine.connectionFor(request.dataset);
    return this.inSnapshot(routed.knex, built.bindings, client =>
      this.explain(client, sql),
    );
  }

  /**
   * Streams the CSV (with a header row) into `destination`. Refuses with 422 before writing
   * anything when the estimate is above the export threshold; a statement timeout during the
   * COPY rejects with 422 after a partial write (write to a temporary file and rename on
   * success).
   */
  async exportCsv(
    request: FilterExportRequest,
    context: FilterContext,
    destination: Writable,
  ): Promise<FilterExportResult> {
    const { dataset, built, sql } = this.build(request, context);
    const routed = await this.engine.connectionFor(request.dataset);
    const copySql = `COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER)`;
    return this.inSnapshot(routed.knex, built.bindings, async client => {
      const estimate = await this.explain(client, sql);
      if (!estimate.wouldRun) {
        throw new FilterRejectedError(
          `The export's estimated cost ${Math.round(
            estimate.estimatedCost,
          )} is above the export threshold ${this.costThreshold} of dataset "${
            dataset.id
          }" (about ${estimate.estimatedRows} rows): narrow the filter`,
          {
            reason: 'cost',
            estimatedCost: estimate.estimatedCost,
            costThreshold: this.costThreshold,
            suggestedFields: this.engine.suggestions(dataset, built.filter),
          },
        );
      }
      const started = performance.now();
      let bytes = 0;
      const source = client.query(copyTo(copySql));
      source.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      try {
        await pipeline(source, destination);
      } catch (error) {
        const e = error as { code?: string; message?: string };
        if (e.code === '57014' && /statement timeout/.test(e.message ?? '')) {
          throw new FilterRejectedError(
            `The export ran longer than ${this.statementTimeoutMs} ms and was stopped: narrow your filter`,
            {
              reason: 'timeout',
              timeoutMs: this.statementTimeoutMs,
              estimatedCost: estimate.estimatedCost,
              costThreshold: this.costThreshold,
              suggestedFields: this.engine.suggestions(dataset, built.filter),
            },
          );
        }
        if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
          const referenceId = randomUUID();
          const detail = `Export of dataset "${dataset.id}" failed (reference ${referenceId}, SQLSTATE ${e.code}): ${e.message}`;
          if (this.options.logger?.error) this.options.logger.error(detail);
          else this.options.logger?.warn(detail);
          throw new FilterQueryFailedError(referenceId, e.code);
        }
        throw error;
      }
      return {
        ...estimate,
        fields: built.fields,
        omittedFields: built.omittedFields,
        bytes,
        durationMs: performance.now() - started,
        copySql,
        servedBy: routed.servedBy,
      };
    });
  }
}
