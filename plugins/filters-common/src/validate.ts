import { resolveField, ResolvedField, truncate } from './fields';
import { MAX_RELATIVE_AMOUNT, TIME_UNITS, valueKindOf } from './operators';
import {
  DatasetDescription,
  DEFAULT_FILTER_LIMITS,
  FilterGroup,
  FilterLimits,
  FilterNode,
  FilterRule,
  FilterValidationIssue,
  Operator,
  RelativeTime,
  RuleValue,
  ScalarValue,
  TimeUnit,
} from './types';

export type FilterValidationResult =
  | { valid: true; filter: FilterGroup; issues: [] }
  | { valid: false; issues: FilterValidationIssue[] };

/** At most this many issues are reported; the last one says how many were left out. */
export const MAX_REPORTED_ISSUES = 50;

const UUID_RE =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// ISO 8601 date-time with an explicit zone (Z or ±hh:mm), so server and browser agree.
const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const LONE_SURROGATE_RE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_ABS_NUMBER = 1e15;

const INVALID: unique symbol = Symbol('invalid');

const GROUP_KEYS = new Set(['combinator', 'not', 'rules']);
const RULE_KEYS = new Set(['field', 'operator', 'value']);

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${truncate(value, 40)}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(
  input: Record<string, unknown>,
  allowed: Set<string>,
  what: string,
  path: string,
  out: Collector,
): boolean {
  let ok = true;
  for (const key of Object.keys(input)) {
    if (!allowed.has(key)) {
      out.add(
        join(path, key),
        `unknown key "${truncate(key, 40)}" in ${what} (allowed: ${[
          ...allowed,
        ].join(', ')})`,
      );
      ok = false;
    }
  }
  return ok;
}

class Collector {
  readonly issues: FilterValidationIssue[] = [];
  dropped = 0;
  add(path: string, message: string) {
    if (this.issues.length < MAX_REPORTED_ISSUES)
      this.issues.push({ path, message });
    else this.dropped++;
  }
}

/**
 * Validates untrusted input against the grammar and a dataset. Returns every problem with its
 * path (e.g. `rules[2].value`) — or a normalized copy of the filter built only from known keys
 * (timestamps in UTC ISO form, uuids lower-case), which is what the engine compiles.
 */
export function validateFilter(
  input: unknown,
  dataset: DatasetDescription,
  limits: FilterLimits = DEFAULT_FILTER_LIMITS,
): FilterValidationResult {
  const out = new Collector();
  const counter = { rules: 0 };
  const filter = validateGroup(input, '', 1, dataset, limits, out, counter);
  if (counter.rules > limits.maxRules) {
    out.issues.unshift({
      path: 'rules',
      message: `the filter has ${counter.rules} rules and groups; at most ${limits.maxRules} are allowed`,
    });
  }
  if (out.dropped > 0) {
    out.issues.push({
      path: '',
      message: `${out.dropped} more problems not listed`,
    });
  }
  if (out.issues.length > 0 || !filter)
    return { valid: false, issues: out.issues };
  return { valid: true, filter, issues: [] };
}

function validateGroup(
  input: unknown,
  path: string,
  depth: number,
  dataset: DatasetDescription,
  limits: FilterLimits,
  out: Collector,
  counter: { rules: number },
): FilterGroup | undefined {
  const where = path || 'filter';
  if (!isPlainObject(input)) {
    out.add(
      path,
      `${where} must be a group object {combinator, rules}, got ${describe(
        input,
      )}`,
    );
    return undefined;
  }
  if (depth > limits.maxDepth) {
    out.add(
      path,
      `groups are nested ${depth} deep here; at most ${limits.maxDepth} levels are allowed`,
    );
    return undefined;
  }
  let ok = checkKeys(input, GROUP_KEYS, 'a group', path, out);
  const { combinator, not, rules } = input;
  if (combinator !== 'and' && combinator !== 'or') {
    out.add(
      join(path, 'combinator'),
      `combinator must be "and" or "or", got ${describe(combinator)}`,
    );
    ok = false;
  }
  if (not !== undefined && typeof not !== 'boolean') {
    out.add(join(path, 'not'), `not must be a boolean, got ${describe(not)}`);
    ok = false;
  }
  if (!Array.isArray(rules)) {
    out.add(
      join(path, 'rules'),
      `rules must be an array of rules and groups, got ${describe(rules)}`,
    );
    return undefined;
  }
  const children: FilterNode[] = [];
  rules.forEach((child, index) => {
    const childPath = join(join(path, 'rules'), index);
    if (isPlainObject(child) && 'rules' in child) {
      // Groups count too: empty groups would otherwise mint unbounded distinct shapes.
      counter.rules++;
      if (counter.rules > limits.maxRules) {
        ok = false;
        return;
      }
      const group = validateGroup(
        child,
        childPath,
        depth + 1,
        dataset,
        limits,
        out,
        counter,
      );
      if (group) children.push(group);
      else ok = false;
    } else {
      counter.rules++;
      // Past the limit, keep counting but stop validating values (hostile input can be huge).
      if (counter.rules > limits.maxRules) {
        ok = false;
        return;
      }
      const rule = validateRule(child, childPath, dataset, limits, out);
      if (rule) children.push(rule);
      else ok = false;
    }
  });
  if (!ok) return undefined;
  const group: FilterGroup = {
    combinator: combinator as 'and' | 'or',
    rules: children,
  };
  if (not) group.not = true;
  return group;
}

function validateRule(
  input: unknown,
  path: string,
  dataset: DatasetDescription,
  limits: FilterLimits,
  out: Collector,
): FilterRule | undefined {
  if (!isPlainObject(input)) {
    out.add(
      path,
      `expected a rule {field, operator, value} or a group {combinator, rules}, got ${describe(
        input,
      )}`,
    );
    return undefined;
  }
  const ok = checkKeys(input, RULE_KEYS, 'a rule', path, out);
  const { field, operator, value } = input;
  if (typeof field !== 'string' || field.length === 0) {
    out.add(
      join(path, 'field'),
      `field must be a non-empty string, got ${describe(field)}`,
    );
    return undefined;
  }
  const resolution = resolveField(dataset, field);
  if (!resolution.ok) {
    out.add(join(path, 'field'), resolution.message);
    return undefined;
  }
  const resolved = resolution.resolved;
  if (
    typeof operator !== 'string' ||
    !resolved.operators.includes(operator as Operator)
  ) {
    out.add(
      join(path, 'operator'),
      `operator ${describe(operator)} is not allowed for ${
        resolved.type
      } field "${field}" (allowed: ${resolved.operators.join(', ')})`,
    );
    return undefined;
  }
  const normalized = validateValue(
    value,
    join(path, 'value'),
    resolved,
    operator as Operator,
    limits,
    out,
  );
  if (!ok || normalized === INVALID) return undefined;
  const rule: FilterRule = { field, operator: operator as Operator };
  if (normalized !== undefined) rule.value = normalized;
  return rule;
}

function validateValue(
  value: unknown,
  path: string,
  field: ResolvedField,
  operator: Operator,
  limits: FilterLimits,
  out: Collector,
): RuleValue | typeof INVALID {
  const kind = valueKindOf(operator);
  switch (kind) {
    case 'none':
      if (value !== undefined && value !== null) {
        out.add(
          path,
          `operator ${operator} takes no value, got ${describe(value)}`,
        );
        return INVALID;
      }
      return undefined;
    case 'scalar': {
      const v = validateScalar(value, path, field, operator, limits, out);
      return v;
    }
    case 'pair': {
      if (!Array.isArray(value) || value.length !== 2) {
        out.add(
          path,
          `operator between needs [low, high] (two values), got ${describe(
            value,
          )}`,
        );
        return INVALID;
      }
      const low = validateScalar(
        value[0],
        `${path}[0]`,
        field,
        operator,
        limits,
        out,
      );
      const high = validateScalar(
        value[1],
        `${path}[1]`,
        field,
        operator,
        limits,
        out,
      );
      if (low === INVALID || high === INVALID) return INVALID;
      const lowKey =
        field.type === 'timestamp'
          ? Date.parse(low as string)
          : (low as number);
      const highKey =
        field.type === 'timestamp'
          ? Date.parse(high as string)
          : (high as number);
      if (lowKey > highKey) {
        out.add(
          path,
          `between needs low <= high, got [${String(low)}, ${String(high)}]`,
        );
        return INVALID;
      }
      return [low, high] as ScalarValue[];
    }
    case 'list': {
      if (!Array.isArray(value) || value.length === 0) {
        out.add(
          path,
          `operator ${operator} needs a non-empty array of values, got ${describe(
            value,
          )}`,
        );
        return INVALID;
      }
      if (value.length > limits.maxListValues) {
        out.add(
          path,
          `operator ${operator} has ${value.length} values; at most ${limits.maxListValues} are allowed`,
        );
        return INVALID;
      }
      const items: ScalarValue[] = [];
      let ok = true;
      value.forEach((item, index) => {
        const v = validateScalar(
          item,
          `${path}[${index}]`,
          field,
          operator,
          limits,
          out,
        );
        if (v === INVALID) ok = false;
        else items.push(v);
      });
      return ok ? items : INVALID;
    }
    case 'relative':
      return validateRelative(value, path, out);
    case 'timeBound':
      if (isPlainObject(value)) return validateRelative(value, path, out);
      return validateScalar(value, path, field, operator, limits, out);
    default:
      return INVALID;
  }
}

function validateRelative(
  value: unknown,
  path: string,
  out: Collector,
): RelativeTime | typeof INVALID {
  if (!isPlainObject(value)) {
    out.add(
      path,
      `expected a relative time {amount, unit}, got ${describe(value)}`,
    );
    return INVALID;
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    if (key !== 'amount' && key !== 'unit') {
      out.add(
        `${path}.${truncate(key, 40)}`,
        `unknown key in a relative time (allowed: amount, unit)`,
      );
      ok = false;
    }
  }
  const { amount, unit } = value;
  if (!TIME_UNITS.includes(unit as TimeUnit)) {
    out.add(
      `${path}.unit`,
      `unit must be one of ${TIME_UNITS.join(', ')}, got ${describe(unit)}`,
    );
    return INVALID;
  }
  const max = MAX_RELATIVE_AMOUNT[unit as TimeUnit];
  if (
    typeof amount !== 'number' ||
    !Number.isInteger(amount) ||
    amount < 0 ||
    amount > max
  ) {
    out.add(
      `${path}.amount`,
      `amount must be an integer from 0 to ${max} ${unit}, got ${describe(
        amount,
      )}`,
    );
    return INVALID;
  }
  return ok ? { amount, unit: unit as TimeUnit } : INVALID;
}

function validateScalar(
  value: unknown,
  path: string,
  field: ResolvedField,
  operator: Operator,
  limits: FilterLimits,
  out: Collector,
): ScalarValue | typeof INVALID {
  const fail = (rule: string): typeof INVALID => {
    out.add(path, `${rule}, got ${describe(value)}`);
    return INVALID;
  };
  switch (field.type) {
    case 'string': {
      if (typeof value !== 'string')
        return fail(
          `field "${field.name}" is a string field: value must be a string`,
        );
      if (value.length > limits.maxStringLength) {
        out.add(
          path,
          `value is ${value.length} characters long; at most ${limits.maxStringLength} are allowed`,
        );
        return INVALID;
      }
      if (value.includes('\u0000'))
        return fail('value must not contain the NUL character');
      if (LONE_SURROGATE_RE.test(value))
        return fail('value must be valid Unicode text');
      if (
        (operator === 'contains' ||
          operator === 'starts_with' ||
          operator === 'ends_with') &&
        value === ''
      ) {
        return fail(`operator ${operator} needs a non-empty string`);
      }
      return value;
    }
    case 'number':
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        Math.abs(value) > MAX_ABS_NUMBER
      ) {
        return fail(
          `field "${field.name}" is a number field: value must be a finite number within ±1e15`,
        );
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean')
        return fail(
          `field "${field.name}" is a boolean field: value must be true or false`,
        );
      return value;
    case 'uuid':
      if (typeof value !== 'string' || !UUID_RE.test(value)) {
        return fail(
          `field "${field.name}" is a uuid field: value must be a UUID like 123e4567-e89b-12d3-a456-426614174000`,
        );
      }
      return value.toLowerCase();
    case 'enum':
      if (typeof value !== 'string' || !(field.values ?? []).includes(value)) {
        return fail(
          `field "${field.name}" takes one of: ${(field.values ?? []).join(
            ', ',
          )}`,
        );
      }
      return value;
    case 'timestamp': {
      const m = typeof value === 'string' ? TIMESTAMP_RE.exec(value) : null;
      const ms = m ? Date.parse(value as string) : NaN;
      const year = m ? Number(m[1]) : 0;
      if (!m || !Number.isFinite(ms) || year < 1900 || year > 9999) {
        return fail(
          `field "${field.name}" is a timestamp field: value must be an ISO 8601 date-time with a zone between years 1900 and 9999, e.g. 2026-01-31T12:00:00Z`,
        );
      }
      return new Date(ms).toISOString();
    }
    default:
      return fail('unsupported field type');
  }
}

/** Throws-free convenience: one line per issue, `path: message`. */
export function formatIssues(
  issues: FilterValidationIssue[],
  prefix = '',
): string {
  return issues
    .map(
      i =>
        `${prefix && i.path ? `${prefix}.` : prefix}${i.path}${
          i.path || prefix ? ': ' : ''
        }${i.message}`,
    )
    .join('; ');
}
