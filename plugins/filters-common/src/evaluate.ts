import { resolveField, ResolvedField } from './fields';
import { TIME_UNIT_MS } from './operators';
import {
  DatasetDescription,
  FilterGroup,
  FilterNode,
  FilterRule,
  isFilterGroup,
  RelativeTime,
  ScalarValue,
} from './types';

/**
 * Reference semantics of a (validated) filter over one row, in plain TypeScript. The engine's
 * SQL must agree with it; the property tests check that against Postgres.
 *
 * Semantics: a rule on a missing/NULL value is false, except `is_null`; `neq` and `not_in` do
 * not match NULL either. A group with `not: true` is the boolean complement of its content.
 * An empty `and` group is true, an empty `or` group is false. Relative times are measured from
 * `now`. String comparisons are case-sensitive.
 */
export function evaluateFilter(
  filter: FilterGroup,
  row: Record<string, unknown>,
  dataset: DatasetDescription,
  now: Date,
): boolean {
  const cache = new Map<string, ResolvedField>();
  const resolve = (name: string) => {
    let r = cache.get(name);
    if (!r) {
      const res = resolveField(dataset, name);
      if (!res.ok) throw new Error(res.message);
      r = res.resolved;
      cache.set(name, r);
    }
    return r;
  };
  function evalGroup(group: FilterGroup): boolean {
    const result =
      group.combinator === 'and'
        ? group.rules.every(evalNode)
        : group.rules.some(evalNode);
    return group.not ? !result : result;
  }
  function evalNode(node: FilterNode): boolean {
    return isFilterGroup(node)
      ? evalGroup(node)
      : evalRule(node, resolve(node.field), row, now);
  }
  return evalGroup(filter);
}

/** The value of a rule's field in a row, as a comparable JS value (or null). */
export function fieldValue(
  field: ResolvedField,
  row: Record<string, unknown>,
): ScalarValue | null {
  let raw: unknown = row[field.field.name];
  if (field.jsonPath) {
    for (const segment of field.jsonPath) {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        return null;
      raw = (raw as Record<string, unknown>)[segment];
    }
  }
  if (raw === null || raw === undefined) return null;
  switch (field.type) {
    case 'number':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'timestamp':
      return raw instanceof Date ? raw.getTime() : Date.parse(String(raw));
    case 'boolean':
      return typeof raw === 'boolean' ? raw : String(raw) === 'true';
    case 'uuid':
      return String(raw).toLowerCase();
    default:
      return typeof raw === 'string' ? raw : String(raw);
  }
}

function bound(value: unknown, now: Date): number {
  if (typeof value === 'object' && value !== null) {
    const rel = value as RelativeTime;
    return now.getTime() - rel.amount * TIME_UNIT_MS[rel.unit];
  }
  return Date.parse(String(value));
}

function evalRule(
  rule: FilterRule,
  field: ResolvedField,
  row: Record<string, unknown>,
  now: Date,
): boolean {
  const actual = fieldValue(field, row);
  if (rule.operator === 'is_null') return actual === null;
  if (rule.operator === 'is_not_null') return actual !== null;
  if (actual === null) return false;
  const isTime = field.type === 'timestamp';
  const cmp = (v: unknown) => (isTime ? bound(v, now) : (v as ScalarValue));
  const value = rule.value;
  switch (rule.operator) {
    case 'eq':
      return actual === cmp(value);
    case 'neq':
      return actual !== cmp(value);
    case 'lt':
      return actual < cmp(value);
    case 'lte':
      return actual <= cmp(value);
    case 'gt':
      return actual > cmp(value);
    case 'gte':
      return actual >= cmp(value);
    case 'between': {
      const [low, high] = value as ScalarValue[];
      return actual >= cmp(low) && actual <= cmp(high);
    }
    case 'in':
      return (value as ScalarValue[]).some(v => actual === cmp(v));
    case 'not_in':
      return (value as ScalarValue[]).every(v => actual !== cmp(v));
    case 'contains':
      return String(actual).includes(String(value));
    case 'starts_with':
      return String(actual).startsWith(String(value));
    case 'ends_with':
      return String(actual).endsWith(String(value));
    case 'in_last':
      return (actual as number) >= bound(value, now);
    case 'before':
      return (actual as number) < bound(value, now);
    case 'after':
      return (actual as number) > bound(value, now);
    default:
      return false;
  }
}
