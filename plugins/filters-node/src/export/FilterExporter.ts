import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { Knex } from 'knex';
import { to as copyTo } from 'pg-copy-streams';
import Cursor from 'pg-cursor';
import { FieldType } from '@internal/plugin-filters-common';
import { FilterContext } from '../access';
import { FilterQueryFailedError, FilterRejectedError } from '../errors';
import { DatasetDefinition } from '../datasets';
import {
  BuiltFilterQuery,
  FilterEngine,
  FilterEngineLogger,
} from '../FilterEngine';
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

/** A column of a row export: the field's name and type, in select order. */
export interface FilterExportColumn {
  name: string;
  type: FieldType;
}

/**
 * Receives a row export: `columns` once, then batches of rows (values in column order:
 * numbers as numbers, timestamps as Dates, jsonb as its JSON text, NULL as null). The next
 * batch is fetched only after `rows` resolves, so a slow consumer holds the database back
 * instead of buffering; a rejection stops the export.
 */
export interface FilterRowSink {
  columns(columns: FilterExportColumn[]): void | Promise<void>;
  rows(batch: unknown[][]): void | Promise<void>;
}

export interface FilterRowExportResult extends FilterExportEstimate {
  fields: string[];
  omittedFields: string[];
  rows: number;
  durationMs: number;
  /** The cursor's statement as sent: fields, operators and settings names, no values. */
  sql: string;
  servedBy: 'primary' | 'replica';
}

export const DEFAULT_EXPORT_BATCH_ROWS = 2000;
export const DEFAULT_EXPORT_COST_THRESHOLD = 2_000_000;
export const DEFAULT_EXPORT_STATEMENT_TIMEOUT_MS = 300_000;

type PgClient = {
  query(
    text: string | { text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  query<T extends object>(submittable: T): T;
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

  private checkCost(
    estimate: FilterExportEstimate,
    dataset: DatasetDefinition,
    built: BuiltFilterQuery,
  ) {
    if (estimate.wouldRun) return;
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

  private timedOut(
    estimate: FilterExportEstimate,
    dataset: DatasetDefinition,
    built: BuiltFilterQuery,
  ): FilterRejectedError {
    return new FilterRejectedError(
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

  /** A database error as the caller may see it: a timeout, or a reference to the log. */
  private failure(
    error: unknown,
    dataset: DatasetDefinition,
    built: BuiltFilterQuery,
    estimate: FilterExportEstimate,
  ): unknown {
    const e = error as { code?: string; message?: string };
    if (e.code === '57014' && /statement timeout/.test(e.message ?? '')) {
      return this.timedOut(estimate, dataset, built);
    }
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      const referenceId = randomUUID();
      const detail = `Export of dataset "${dataset.id}" failed (reference ${referenceId}, SQLSTATE ${e.code}): ${e.message}`;
      if (this.options.logger?.error) this.options.logger.error(detail);
      else this.options.logger?.warn(detail);
      return new FilterQueryFailedError(referenceId, e.code);
    }
    return error;
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
      this.checkCost(estimate, dataset, built);
      const started = performance.now();
      let bytes = 0;
      const source = client.query(copyTo(copySql));
      source.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      try {
        await pipeline(source, destination);
      } catch (error) {
        throw this.failure(error, dataset, built, estimate);
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

  /**
   * Streams the rows into `sink` in batches through a server-side cursor, with the same
   * snapshot, tenant predicate, data-class checks, cost gate and values-as-settings as
   * `exportCsv`. The statement timeout covers the whole export (checked between batches too:
   * Postgres times each FETCH on its own).
   */
  async exportRows(
    request: FilterExportRequest,
    context: FilterContext,
    sink: FilterRowSink,
    options: { batchRows?: number } = {},
  ): Promise<FilterRowExportResult> {
    const { dataset, built, sql } = this.build(request, context);
    const routed = await this.engine.connectionFor(request.dataset);
    const batchRows = options.batchRows ?? DEFAULT_EXPORT_BATCH_ROWS;
    const columns = built.fields.map(name => ({
      name,
      type: dataset.fields.find(f => f.name === name)!.type,
    }));
    const convert = columns.map(c => valueConverter(c.type));
    return this.inSnapshot(routed.knex, built.bindings, async client => {
      const estimate = await this.explain(client, sql);
      this.checkCost(estimate, dataset, built);
      const started = performance.now();
      await sink.columns(columns);
      const cursor = client.query(new Cursor(sql, [], { rowMode: 'array' }));
      let rows = 0;
      // After an error of its own the cursor has synced already: closing it would wait for
      // a second readyForQuery that never comes.
      let cursorFailed = false;
      const read = () =>
        cursor.read(batchRows).catch(e => {
          cursorFailed = true;
          throw e;
        }) as Promise<unknown[][]>;
      try {
        for (let batch = await read(); batch.length > 0; batch = await read()) {
          if (performance.now() - started > this.statementTimeoutMs) {
            throw this.timedOut(estimate, dataset, built);
          }
          for (const row of batch) {
            for (let i = 0; i < row.length; i++) row[i] = convert[i](row[i]);
          }
          rows += batch.length;
          await sink.rows(batch);
        }
      } catch (error) {
        throw this.failure(error, dataset, built, estimate);
      } finally {
        if (!cursorFailed) await cursor.close().catch(() => undefined);
      }
      return {
        ...estimate,
        fields: built.fields,
        omittedFields: built.omittedFields,
        rows,
        durationMs: performance.now() - started,
        sql,
        servedBy: routed.servedBy,
      };
    });
  }
}

const identity = (v: unknown) => v;

/** Typed values for a row export (the driver returns numeric and bigint as text). */
function valueConverter(type: FieldType): (v: unknown) => unknown {
  switch (type) {
    case 'number':
      return v => (typeof v === 'string' ? Number(v) : v);
    case 'timestamp':
      return v => (typeof v === 'string' ? new Date(v) : v);
    case 'jsonb':
      return v =>
        v === null || v === undefined || typeof v === 'string'
          ? v
          : JSON.stringify(v);
    default:
      return identity;
  }
}
