import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import knexFactory, { Knex } from 'knex';
import {
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  DatasetDescription,
  FilterCountResponse,
  FilterExplainResponse,
  FilterGroup,
  FilterNode,
  FilterQueryResponse,
  formatIssues,
  isFilterGroup,
  QueryStats,
  resolveField,
  validateFilter,
  validateQueryOptions,
  encodeCursor,
  DEFAULT_QUERY_LIMIT,
} from '@internal/plugin-filters-common';
import { RequestValidationError } from '@internal/plugin-platform-node';
import { AuthorizedTenant, FilterContext, isIssuedTenant } from './access';
import {
  compileQuery,
  CompiledQuery,
  CURSOR_ORDER_KEY,
  QueryKind,
} from './compile';
import {
  ConnectionPools,
  isConnectionError,
  isPoolAcquireTimeout,
  PoolOptions,
  ReplicaRouter,
  ReplicaRoutingOptions,
  RoutedConnection,
} from './connections';
import { DatasetDefinition, describeDataset } from './datasets';
import {
  FilterEngineBusyError,
  FilterQueryFailedError,
  FilterRejectedError,
} from './errors';
import { PreparedStatements } from './preparedStatements';
import { CostVerdict, ShapeCache } from './shapeCache';
import { valueClassOf } from './valueClass';

/** Where `filter.applied` / `filter.rejected` go (structurally the platform events service). */
export interface FilterEventSink {
  emit(
    name: string,
    properties: Record<string, unknown>,
    identity: { user_id?: string; account_id?: string },
  ): Promise<unknown>;
}

export interface FilterEngineLogger {
  warn(message: string): void;
  error?(message: string): void;
}

export interface FilterEngineOptions {
  datasets: DatasetDefinition[];
  events?: FilterEventSink;
  logger?: FilterEngineLogger;
  replica?: ReplicaRoutingOptions;
  /** How often the table's ANALYZE time is re-read for the shape cache (ms, default 10 s). */
  analyzeCheckIntervalMs?: number;
  /** Turn the shape cache off (benchmarks compare both). */
  shapeCache?: boolean;
  /** Connection pool size and acquire timeout (a timeout answers busy, 503). */
  pool?: PoolOptions;
  /** Named prepared statements kept per pooled connection (LRU, default 100). */
  preparedStatementsPerConnection?: number;
  /** Longest compiled SQL text accepted (characters, default 32000). */
  maxSqlLength?: number;
  /** Seconds a busy (pool saturated) answer tells the caller to wait (default 2). */
  busyRetryAfterSeconds?: number;
}

/** A cached verdict is reused only below this share of the threshold; nearer, EXPLAIN again. */
const CACHEABLE_COST_SHARE = 0.5;
export const DEFAULT_MAX_SQL_LENGTH = 32_000;

/** A query request after the HTTP layer: the filter is still untrusted. */
export interface FilterRequest {
  dataset: string;
  filter?: unknown;
  fields?: unknown;
  limit?: unknown;
  cursor?: unknown;
}

export interface BuiltFilterQuery extends CompiledQuery {
  filter: FilterGroup;
  shapeHash: string;
  /** The authorized tenant and a coarse class of the values: what a cost verdict is keyed by. */
  verdictKey: string;
  fields: string[];
  omittedFields: string[];
}

const EMPTY_FILTER: FilterGroup = { combinator: 'and', rules: [] };
const statsKnex = knexFactory({ client: 'pg' });

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function invalid(
  message: string,
  issues: { path: string; message: string }[],
): RequestValidationError {
  return new RequestValidationError(message, issues);
}

function fieldsUsed(node: FilterNode, out: string[] = []): string[] {
  if (isFilterGroup(node)) node.rules.forEach(n => fieldsUsed(n, out));
  else out.push(node.field);
  return out;
}

function rulePaths(
  node: FilterNode,
  path: string,
  out: { field: string; path: string }[] = [],
) {
  if (isFilterGroup(node))
    node.rules.forEach((n, i) => rulePaths(n, `${path}.rules[${i}]`, out));
  else out.push({ field: node.field, path: `${path}.field` });
  return out;
}

/** The last row's order value as the cursor keeps it: exact text for timestamps. */
function cursorOrderValue(
  dataset: DatasetDefinition,
  row: Record<string, unknown>,
): unknown {
  const type = dataset.fields.find(
    f => f.name === dataset.defaultOrder.field,
  )!.type;
  if (type === 'timestamp') return row[CURSOR_ORDER_KEY];
  const value = row[dataset.defaultOrder.field];
  return type === 'number' ? Number(value) : value;
}

/**
 * The filter engine: compiles filters into parameterized SQL with the tenant predicate from an
 * authorized context, gates them on EXPLAIN cost (with a shape cache), runs them under
 * `SET LOCAL statement_timeout` on the replica or primary, and emits analytics events.
 */
export class FilterEngine {
  private readonly datasets = new Map<string, DatasetDefinition>();
  private readonly routers = new Map<string, ReplicaRouter>();
  private readonly pools: ConnectionPools;
  private readonly prepared: PreparedStatements;
  readonly shapes: ShapeCache;

  constructor(private readonly options: FilterEngineOptions) {
    this.pools = new ConnectionPools(options.pool);
    this.prepared = new PreparedStatements(
      options.preparedStatementsPerConnection,
    );
    for (const d of options.datasets) {
      this.datasets.set(d.id, d);
      this.routers.set(d.id, new ReplicaRouter(d, this.pools, options.replica));
    }
    this.shapes = new ShapeCache(options.analyzeCheckIntervalMs);
  }

  /**
   * Validates and compiles a filter for a dataset: `{ sql, bindings }` with `$n` placeholders.
   * Pure (no database): throws InputError (invalid filter, with paths) or NotAllowedError
   * (a data class the context may not read).
   */
  static build(
    dataset: DatasetDefinition,
    filter: unknown,
    context: FilterContext,
    options: {
      kind?: QueryKind;
      fields?: unknown;
      limit?: unknown;
      cursor?: unknown;
      maxSqlLength?: number;
      /** Export: the whole result (no LIMIT, no cursor); sort and key fields not added. */
      unbounded?: boolean;
    } = {},
  ): BuiltFilterQuery {
    const tenant: AuthorizedTenant = context.tenant;
    if (!isIssuedTenant(tenant)) {
      throw new NotAllowedError(
        'The tenant of a filter query must come from an authorization step (FilterAccess or contextForVerifiedIdentity)',
      );
    }
    const description = describeDataset(dataset);
    const result = validateFilter(filter ?? EMPTY_FILTER, description);
    if (!result.valid) {
      const issues = result.issues.map(i => ({
        path: i.path ? `filter.${i.path}` : 'filter',
        message: i.message,
      }));
      throw invalid(
        `Invalid filter: ${formatIssues(result.issues, 'filter')}`,
        issues,
      );
    }
    const readable = (dataClass?: string) =>
      !dataClass || context.readableDataClasses.has(dataClass);
    for (const { field, path } of rulePaths(result.filter, 'filter')) {
      const r = resolveField(description, field);
      if (r.ok && !readable(r.resolved.dataClass)) {
        throw new NotAllowedError(
          `${path}: field "${field}" is of data class "${r.resolved.dataClass}", which you may not read (filters.data-class.read)`,
        );
      }
    }
    const kind = options.kind ?? 'rows';
    // Request shape (fields, limit, cursor) is the schema layer's job (filters-common); what
    // remains here is orchestration: data classes, compilation, limits of the SQL.
    const checked = validateQueryOptions(
      {
        fields: kind === 'rows' ? options.fields : undefined,
        limit: options.limit,
        cursor: options.cursor,
      },
      description,
      dataset.primaryKey,
    );
    if (!checked.valid) {
      throw invalid(
        checked.issues.map(i => `${i.path}: ${i.message}`).join('; '),
        checked.issues,
      );
    }
    const { limit, after } = checked.options;
    let fields: string[] = [];
    const omittedFields: string[] = [];
    if (kind === 'rows') {
      if (checked.options.fields === undefined) {
        for (const f of dataset.fields)
          (readable(f.dataClass) ? fields : omittedFields).push(f.name);
      } else {
        fields = checked.options.fields;
        fields.forEach((name, i) => {
          const f = dataset.fields.find(d => d.name === name)!;
          if (!readable(f.dataClass))
            throw new NotAllowedError(
              `fields[${i}]: field "${f.name}" is of data class "${f.dataClass}", which you may not read (filters.data-class.read)`,
            );
        });
      }
      // The keyset needs the order field and the key in every row: they are returned too, so
      // they pass the same data-class check as requested fields.
      for (const needed of [dataset.defaultOrder.field, dataset.primaryKey]) {
        const f = dataset.fields.find(d => d.name === needed);
        if (!f) continue;
        if (!readable(f.dataClass))
          throw new NotAllowedError(
            `dataset "${dataset.id}" pages rows by field "${f.name}", which is of data class "${f.dataClass}" that you may not read (filters.data-class.read)`,
          );
        if (!fields.includes(needed) && !options.unbounded) fields.push(needed);
      }
    }
    const now = context.now ?? new Date();
    const compiled = compileQuery(statsKnex, dataset, result.filter, {
      kind,
      accountId: tenant.accountId,
      now,
      fields,
      limit: limit + 1,
      after,
      unbounded: options.unbounded,
    });
    const maxSqlLength = options.maxSqlLength ?? DEFAULT_MAX_SQL_LENGTH;
    if (compiled.sql.length > maxSqlLength) {
      throw invalid(
        `filter: the compiled query is ${compiled.sql.length} characters long; at most ${maxSqlLength} are allowed (use fewer rules or shorter lists)`,
        [
          {
            path: 'filter',
            message: `the compiled query is ${compiled.sql.length} characters long; at most ${maxSqlLength} are allowed`,
          },
        ],
      );
    }
    // The SQL text holds fields, operators and structure but no values: it is the shape.
    const shapeHash = sha256(`${dataset.id}\n${compiled.sql}`);
    const isTimeField = (field: string) => {
      const r = resolveField(description, field);
      return r.ok && r.resolved.type === 'timestamp';
    };
    const verdictKey = `${shapeHash}|${tenant.accountId}|${valueClassOf(
      result.filter,
      now,
      isTimeField,
    )}|${kind === 'rows' ? Math.floor(Math.log2(limit + 1)) : ''}`;
    return {
      ...compiled,
      filter: result.filter,
      shapeHash,
      verdictKey,
      fields,
      omittedFields,
    };
  }

  listDatasets(): DatasetDescription[] {
    return [...this.datasets.values()].map(describeDataset);
  }

  getDataset(id: unknown): DatasetDefinition {
    const d = typeof id === 'string' ? this.datasets.get(id) : undefined;
    if (!d) {
      throw new NotFoundError(
        `dataset: no dataset ${JSON.stringify(
          String(id).slice(0, 60),
        )} (available: ${[...this.datasets.keys()].join(', ')})`,
      );
    }
    return d;
  }

  /** Data classes present in a dataset (what FilterAccess must authorize). */
  dataClassesOf(datasetId: string): string[] {
    return [
      ...new Set(
        this.getDataset(datasetId)
          .fields.map(f => f.dataClass)
          .filter((c): c is string => !!c),
      ),
    ];
  }

  async query(
    request: FilterRequest,
    context: FilterContext,
  ): Promise<FilterQueryResponse> {
    const dataset = this.getDataset(request.dataset);
    const built = FilterEngine.build(dataset, request.filter, context, {
      kind: 'rows',
      fields: request.fields,
      limit: request.limit,
      cursor: request.cursor,
      maxSqlLength: this.options.maxSqlLength,
    });
    const limit =
      typeof request.limit === 'number' ? request.limit : DEFAULT_QUERY_LIMIT;
    const { rows, stats } = await this.execute(dataset, built, context);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor(
            cursorOrderValue(dataset, last),
            String(last[dataset.primaryKey]),
          )
        : null;
    for (const row of page) delete row[CURSOR_ORDER_KEY];
    return {
      rows: page,
      fields: built.fields,
      omittedFields: built.omittedFields,
      nextCursor,
      stats: { ...stats, rowsReturned: page.length },
    };
  }

  async count(
    request: FilterRequest,
    context: FilterContext,
  ): Promise<FilterCountResponse> {
    const dataset = this.getDataset(request.dataset);
    const built = FilterEngine.build(dataset, request.filter, context, {
      kind: 'count',
      maxSqlLength: this.options.maxSqlLength,
    });
    const { rows, stats } = await this.execute(dataset, built, context);
    return { count: Number(rows[0].count), stats };
  }

  async explain(
    request: FilterRequest & { kind?: QueryKind },
    context: FilterContext,
  ): Promise<FilterExplainResponse> {
    const dataset = this.getDataset(request.dataset);
    const built = FilterEngine.build(dataset, request.filter, context, {
      kind: request.kind ?? 'rows',
      fields: request.fields,
      limit: request.limit,
      maxSqlLength: this.options.maxSqlLength,
    });
    const plan = await this.busyAware(async () =>
      this.explainPlan((await this.route(dataset)).knex, built),
    );
    return {
      estimatedCost: plan.estimatedCost,
      estimatedRows: plan.estimatedRows,
      costThreshold: dataset.costThreshold,
      wouldRun: plan.estimatedCost <= dataset.costThreshold,
      suggestedFields: this.suggestions(dataset, built.filter),
      planNodes: plan.nodes,
      sql: built.sql,
      bindingsCount: built.bindings.length,
      measuredAt: new Date().toISOString(),
    };
  }

  /** Indexed fields the filter does not use yet: adding a condition on them narrows the scan. */
  suggestions(dataset: DatasetDefinition, filter: FilterGroup): string[] {
    const used = new Set(fieldsUsed(filter));
    return dataset.fields
      .filter(
        f => f.indexed && !used.has(f.name) && f.name !== dataset.primaryKey,
      )
      .map(f => f.name);
  }

  private async route(dataset: DatasetDefinition): Promise<RoutedConnection> {
    return this.routers.get(dataset.id)!.route();
  }

  /**
   * The connection a dataset's reads use now (replica when healthy, else primary), for callers
   * that run their own statements over a built query (the export path).
   */
  async connectionFor(datasetId: string): Promise<RoutedConnection> {
    return this.busyAware(() => this.route(this.getDataset(datasetId)));
  }

  private async explainPlan(knex: Knex, built: CompiledQuery) {
    const result = await knex.raw(
      `EXPLAIN (FORMAT JSON) ${built.sql.replace(/\$(\d+)/g, '?')}`,
      built.bindings as Knex.RawBinding[],
    );
    const plan = result.rows[0]['QUERY PLAN'][0].Plan;
    const nodes: string[] = [];
    const walk = (p: {
      'Node Type': string;
      'Relation Name'?: string;
      Plans?: unknown[];
    }) => {
      nodes.push(
        p['Relation Name']
          ? `${p['Node Type']} on ${p['Relation Name']}`
          : p['Node Type'],
      );
      (p.Plans ?? []).forEach(c => walk(c as typeof p));
    };
    walk(plan);
    return {
      estimatedCost: Number(plan['Total Cost']),
      estimatedRows: Number(plan['Plan Rows']),
      nodes,
    };
  }

  private emit(
    name: string,
    properties: Record<string, unknown>,
    context: FilterContext,
  ) {
    this.options.events
      ?.emit(name, properties, context.identity)
      .catch(error => {
        this.options.logger?.warn(`Could not emit ${name}: ${error}`);
      });
  }

  /** Cost gate, then execution under statement_timeout; retried on the primary if the replica fails. */
  private async execute(
    dataset: DatasetDefinition,
    built: BuiltFilterQuery,
    context: FilterContext,
  ): Promise<{ rows: Record<string, unknown>[]; stats: QueryStats }> {
    return this.busyAware(() => this.executeRouted(dataset, built, context));
  }

  /** A pool-acquire timeout means saturated, not down: answer busy (503 + Retry-After). */
  private async busyAware<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isPoolAcquireTimeout(error)) {
        const retryAfterSeconds = this.options.busyRetryAfterSeconds ?? 2;
        throw new FilterEngineBusyError(
          `The dataset's database connections are all busy; try again in ${retryAfterSeconds} s`,
          retryAfterSeconds,
        );
      }
      throw error;
    }
  }

  private async executeRouted(
    dataset: DatasetDefinition,
    built: BuiltFilterQuery,
    context: FilterContext,
  ): Promise<{ rows: Record<string, unknown>[]; stats: QueryStats }> {
    const router = this.routers.get(dataset.id)!;
    let routed = await router.route();
    try {
      return await this.gateAndRun(dataset, built, context, routed);
    } catch (error) {
      // Only a connection error marks the replica down (never a full pool: see busyAware).
      if (routed.servedBy === 'replica' && isConnectionError(error)) {
        router.markDown(error);
        routed = {
          knex: router.primary(),
          servedBy: 'primary',
          fallbackReason: `replica failed during the query (${
            (error as { code?: string }).code ?? (error as Error).message
          })`,
        };
        return this.gateAndRun(dataset, built, context, routed);
      }
      throw error;
    }
  }

  private async gateAndRun(
    dataset: DatasetDefinition,
    built: BuiltFilterQuery,
    context: FilterContext,
    routed: RoutedConnection,
  ): Promise<{ rows: Record<string, unknown>[]; stats: QueryStats }> {
    const useCache = this.options.shapeCache !== false;
    const epoch = useCache
      ? await this.shapes.analyzeEpoch(routed.knex, dataset.statsTable)
      : '';
    let verdict: CostVerdict | undefined = useCache
      ? this.shapes.get(built.verdictKey, epoch)
      : undefined;
    const costFromCache = Boolean(verdict);
    if (!verdict) {
      const plan = await this.explainPlan(routed.knex, built);
      verdict = {
        estimatedCost: plan.estimatedCost,
        estimatedRows: plan.estimatedRows,
        analyzeEpoch: epoch,
      };
      if (verdict.estimatedCost > dataset.costThreshold) {
        const suggestedFields = this.suggestions(dataset, built.filter);
        this.emit(
          'filter.rejected',
          {
            filter_hash: built.shapeHash,
            estimated_cost: verdict.estimatedCost,
            threshold: dataset.costThreshold,
            rejection_reason: 'estimated cost above threshold',
          },
          context,
        );
        throw new FilterRejectedError(
          `The query's estimated cost ${Math.round(
            verdict.estimatedCost,
          )} is above the threshold ${dataset.costThreshold} of dataset "${
            dataset.id
          }": narrow the filter${
            suggestedFields.length
              ? ` with a condition on an indexed field (${suggestedFields.join(
                  ', ',
                )})`
              : ''
          }`,
          {
            reason: 'cost',
            estimatedCost: verdict.estimatedCost,
            costThreshold: dataset.costThreshold,
            suggestedFields,
          },
        );
      }
      if (
        useCache &&
        verdict.estimatedCost <= dataset.costThreshold * CACHEABLE_COST_SHARE
      )
        this.shapes.set(built.verdictKey, verdict, dataset.shapeCacheTtlMs);
    }
    const client = await (
      routed.knex.client as Knex.Client
    ).acquireConnection();
    let rows: Record<string, unknown>[];
    let rowsScanned: number | null = null;
    let durationMs: number;
    try {
      const statementName = `flt_${built.shapeHash.slice(0, 40)}`;
      await this.prepared.admit(client, statementName);
      await client.query(
        `BEGIN; SET LOCAL statement_timeout = ${Math.trunc(
          dataset.statementTimeoutMs,
        )}`,
      );
      const started = performance.now();
      const result = await client.query({
        name: statementName,
        text: built.sql,
        values: built.bindings,
      });
      durationMs = performance.now() - started;
      rows = result.rows;
      const scanned = await client.query(
        // Rows read by sequential scans plus index entries read (counts index-only scans too),
        // in this transaction only.
        `SELECT (pg_stat_get_xact_tuples_returned(c.oid)
                 + coalesce((SELECT sum(pg_stat_get_xact_tuples_returned(i.indexrelid))
                               FROM pg_index i WHERE i.indrelid = c.oid), 0))::bigint AS scanned
           FROM pg_class c WHERE c.oid = to_regclass($1)`,
        [dataset.statsTable],
      );
      rowsScanned = Number(scanned.rows[0].scanned);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.classify(error, dataset, built, verdict, context);
    } finally {
      await (routed.knex.client as Knex.Client).releaseConnection(client);
    }
    const stats: QueryStats = {
      servedBy: routed.servedBy,
      fallbackReason: routed.fallbackReason,
      replicaLagSeconds: routed.replicaLagSeconds,
      estimatedCost: verdict.estimatedCost,
      estimatedRows: verdict.estimatedRows,
      costFromCache,
      durationMs,
      rowsScanned,
      rowsReturned: rows.length,
      shapeHash: built.shapeHash,
      filterHash: built.shapeHash,
      measuredAt: new Date().toISOString(),
    };
    this.emit(
      'filter.applied',
      {
        filter_hash: built.shapeHash,
        field_count: new Set(fieldsUsed(built.filter)).size,
        query_duration_ms: Math.round(durationMs * 1000) / 1000,
        rows_scanned: rowsScanned ?? 0,
        rows_returned: rows.length,
      },
      context,
    );
    return { rows, stats };
  }

  private classify(
    error: unknown,
    dataset: DatasetDefinition,
    built: BuiltFilterQuery,
    verdict: CostVerdict,
    context: FilterContext,
  ): Error {
    const e = error as { code?: string; message?: string };
    if (e.code === '57014' && /statement timeout/.test(e.message ?? '')) {
      const suggestedFields = this.suggestions(dataset, built.filter);
      this.emit(
        'filter.rejected',
        {
          filter_hash: built.shapeHash,
          estimated_cost: verdict.estimatedCost,
          threshold: dataset.costThreshold,
          rejection_reason: `statement timeout after ${dataset.statementTimeoutMs} ms`,
        },
        context,
      );
      return new FilterRejectedError(
        `The query ran longer than ${
          dataset.statementTimeoutMs
        } ms and was stopped: narrow your filter${
          suggestedFields.length
            ? ` (for example with a condition on ${suggestedFields.join(', ')})`
            : ''
        }`,
        {
          reason: 'timeout',
          timeoutMs: dataset.statementTimeoutMs,
          estimatedCost: verdict.estimatedCost,
          costThreshold: dataset.costThreshold,
          suggestedFields,
        },
      );
    }
    if (e.code === '57014') {
      return new ServiceUnavailableError(
        'The query was cancelled on the database server (not a timeout: an operator or a shutdown stopped it); try again',
      );
    }
    if (isConnectionError(error) || isPoolAcquireTimeout(error))
      return error as Error;
    // Database text can quote row values: it is logged under a reference, never returned.
    const referenceId = randomUUID();
    const log = this.options.logger;
    const detail = `Filter query on dataset "${
      dataset.id
    }" failed (reference ${referenceId}, SQLSTATE ${e.code ?? 'none'}, shape ${
      built.shapeHash
    }): ${e.message ?? String(error)}`;
    if (log?.error) log.error(detail);
    else log?.warn(detail);
    if (typeof e.code === 'string' && e.code.startsWith('22')) {
      return invalid(
        `filter: the data could not be compared as the filter asks; the detail is logged under reference ${referenceId}`,
        [
          {
            path: 'filter',
            message: `the data could not be compared as the filter asks (reference ${referenceId})`,
          },
        ],
      );
    }
    return new FilterQueryFailedError(referenceId, e.code);
  }

  async close() {
    await this.pools.destroy();
  }
}
