import { Knex } from 'knex';
import {
  FilterGroup,
  FilterNode,
  FilterRule,
  isFilterGroup,
  RelativeTime,
  resolveField,
  ResolvedField,
  ScalarFieldType,
  ScalarValue,
  TIME_UNIT_MS,
} from '@internal/plugin-filters-common';
import { DatasetDefinition, DatasetFieldDefinition } from './datasets';
import { describeDataset } from './datasets';

/** SQL with `$n` placeholders and its bindings: every value is a binding. */
export interface CompiledQuery {
  sql: string;
  bindings: unknown[];
}

const SQL_TYPE: Record<ScalarFieldType, string> = {
  string: 'text',
  enum: 'text',
  number: 'numeric',
  boolean: 'boolean',
  timestamp: 'timestamptz',
  uuid: 'uuid',
};

/**
 * Accumulates a knex raw fragment: `??` for identifiers (from validated config only) and `?`
 * for values. knex turns it into `$n` placeholders; values never enter the SQL text.
 */
class Fragment {
  text = '';
  bindings: unknown[] = [];
  add(text: string, ...bindings: unknown[]) {
    this.text += text;
    this.bindings.push(...bindings);
    return this;
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, m => `\\${m}`);
}

function relativeBound(value: RelativeTime, now: Date): string {
  return new Date(
    now.getTime() - value.amount * TIME_UNIT_MS[value.unit],
  ).toISOString();
}

function timeValue(value: unknown, now: Date): ScalarValue {
  return typeof value === 'object' && value !== null
    ? relativeBound(value as RelativeTime, now)
    : (value as ScalarValue);
}

function columnExpr(out: Fragment, field: ResolvedField, column: string) {
  if (!field.jsonPath) {
    out.add('??', column);
    return;
  }
  const cast = SQL_TYPE[field.type];
  if (cast === 'text') out.add('(?? #>> ?::text[])', column, field.jsonPath);
  else out.add(`((?? #>> ?::text[])::${cast})`, column, field.jsonPath);
}

function compileRule(
  out: Fragment,
  rule: FilterRule,
  dataset: DatasetDefinition,
  now: Date,
) {
  const resolution = resolveField(describeDatasetCached(dataset), rule.field);
  if (!resolution.ok)
    throw new Error(`unvalidated filter: ${resolution.message}`);
  const field = resolution.resolved;
  const column =
    (field.field as DatasetFieldDefinition).column ??
    dataset.fields.find(f => f.name === field.field.name)!.column;
  const type = SQL_TYPE[field.type];
  const isTime = field.type === 'timestamp';
  const v = (value: unknown) => (isTime ? timeValue(value, now) : value);
  const expr = () => columnExpr(out, field, column);
  const binary = (op: string, value: unknown) => {
    out.add('(');
    expr();
    out.add(` ${op} ?::${type})`, v(value));
  };
  switch (rule.operator) {
    case 'eq':
      return binary('=', rule.value);
    case 'neq':
      return binary('<>', rule.value);
    case 'lt':
    case 'before':
      return binary('<', rule.value);
    case 'lte':
      return binary('<=', rule.value);
    case 'gt':
    case 'after':
      return binary('>', rule.value);
    case 'gte':
    case 'in_last':
      return binary('>=', rule.value);
    case 'between': {
      const [low, high] = rule.value as ScalarValue[];
      out.add('(');
      expr();
      out.add(` BETWEEN ?::${type} AND ?::${type})`, v(low), v(high));
      return undefined;
    }
    case 'in':
    case 'not_in':
      out.add('(');
      expr();
      out.add(
        rule.operator === 'in'
          ? ` = ANY(?::${type}[]))`
          : ` <> ALL(?::${type}[]))`,
        (rule.value as ScalarValue[]).map(v),
      );
      return undefined;
    case 'contains':
    case 'starts_with':
    case 'ends_with': {
      const s = escapeLike(String(rule.value));
      const patterns = {
        contains: `%${s}%`,
        starts_with: `${s}%`,
        ends_with: `%${s}`,
      };
      const pattern = patterns[rule.operator];
      out.add('(');
      expr();
      out.add(' LIKE ?::text)', pattern);
      return undefined;
    }
    case 'is_null':
    case 'is_not_null':
      out.add('(');
      expr();
      out.add(rule.operator === 'is_null' ? ' IS NULL)' : ' IS NOT NULL)');
      return undefined;
    default:
      throw new Error(`unsupported operator ${String(rule.operator)}`);
  }
}

function compileNode(
  out: Fragment,
  node: FilterNode,
  dataset: DatasetDefinition,
  now: Date,
) {
  if (!isFilterGroup(node)) {
    compileRule(out, node, dataset, now);
    return;
  }
  // NOT is a true complement: a NULL inside (a rule on a NULL value) counts as false first.
  if (node.not) out.add('(NOT coalesce(');
  if (node.rules.length === 0) {
    out.add(node.combinator === 'and' ? 'true' : 'false');
  } else {
    out.add('(');
    node.rules.forEach((child, i) => {
      if (i > 0) out.add(node.combinator === 'and' ? ' AND ' : ' OR ');
      compileNode(out, child, dataset, now);
    });
    out.add(')');
  }
  if (node.not) out.add(', false))');
}

const descriptions = new WeakMap<
  DatasetDefinition,
  ReturnType<typeof describeDataset>
>();
function describeDatasetCached(dataset: DatasetDefinition) {
  let d = descriptions.get(dataset);
  if (!d) {
    d = { ...describeDataset(dataset), fields: dataset.fields };
    descriptions.set(dataset, d);
  }
  return d;
}

export type QueryKind = 'rows' | 'count';

/** Extra column of row queries holding the order value as text, for the keyset cursor. */
export const CURSOR_ORDER_KEY = '__cursor_order';

export interface BuildOptions {
  kind: QueryKind;
  accountId: string;
  now: Date;
  /** Field names to select (rows only); validated by the caller. */
  fields?: string[];
  limit?: number;
  /** Whole result for an export: no LIMIT and no cursor column (rows only). */
  unbounded?: boolean;
  /** Decoded keyset position: rows strictly after it in the dataset's order. */
  after?: { order: unknown; key: string };
}

/**
 * Compiles a validated filter into one statement for a dataset: the tenant predicate first
 * (from the authorized context, never from the filter), then the filter, keyset and order.
 */
export function compileQuery(
  knex: Knex,
  dataset: DatasetDefinition,
  filter: FilterGroup,
  options: BuildOptions,
): CompiledQuery {
  const out = new Fragment();
  if (options.kind === 'count') {
    out.add('SELECT count(*)::bigint AS count');
  } else {
    const selected = (options.fields ?? dataset.fields.map(f => f.name)).map(
      name => dataset.fields.find(f => f.name === name)!,
    );
    out.add('SELECT ');
    selected.forEach((f, i) => {
      if (i > 0) out.add(', ');
      if (f.type !== 'jsonb') {
        out.add('?? AS ??', f.column, f.name);
        return;
      }
      // Only the declared paths of a jsonb column, never undeclared keys riding along.
      const paths = Object.entries(f.paths ?? {});
      if (paths.length === 0) {
        out.add("'{}'::jsonb AS ??", f.name);
        return;
      }
      out.add(
        'CASE WHEN ?? IS NULL THEN NULL ELSE jsonb_strip_nulls(jsonb_build_object(',
        f.column,
      );
      paths.forEach(([key, p], j) =>
        out.add(
          j > 0 ? ', ?::text, ?? #> ?::text[]' : '?::text, ?? #> ?::text[]',
          key,
          f.column,
          p.path,
        ),
      );
      out.add(')) END AS ??', f.name);
    });
    // The exact order value for the keyset cursor (JSON text keeps microseconds).
    const orderColumn = dataset.fields.find(
      f => f.name === dataset.defaultOrder.field,
    )!.column;
    if (!options.unbounded)
      out.add(
        ', to_json(??) #>> ?::text[] AS ??',
        orderColumn,
        [],
        CURSOR_ORDER_KEY,
      );
  }
  out.add(
    ' FROM ?? WHERE ?? = ?::uuid',
    dataset.table,
    dataset.tenantColumn,
    options.accountId,
  );
  out.add(' AND ');
  compileNode(out, filter, dataset, options.now);
  if (options.kind === 'rows') {
    const order = dataset.fields.find(
      f => f.name === dataset.defaultOrder.field,
    )!;
    const dir = dataset.defaultOrder.direction === 'asc' ? 'ASC' : 'DESC';
    const cmp = dir === 'ASC' ? '>' : '<';
    if (options.after) {
      out.add(
        ` AND (??, ??) ${cmp} (?::${
          SQL_TYPE[order.type as ScalarFieldType]
        }, ?::uuid)`,
        order.column,
        dataset.primaryKey,
        options.after.order,
        options.after.key,
      );
    }
    if (options.unbounded)
      out.add(
        ` ORDER BY ?? ${dir}, ?? ${dir}`,
        order.column,
        dataset.primaryKey,
      );
    else
      out.add(
        ` ORDER BY ?? ${dir}, ?? ${dir} LIMIT ?::integer`,
        order.column,
        dataset.primaryKey,
        options.limit ?? 100,
      );
  }
  const native = knex
    .raw(out.text, out.bindings as Knex.RawBinding[])
    .toSQL()
    .toNative();
  return { sql: native.sql, bindings: native.bindings as unknown[] };
}
