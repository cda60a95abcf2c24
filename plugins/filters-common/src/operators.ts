import { Operator, ScalarFieldType, TimeUnit } from './types';

/** Operators valid for each field type, in the order the UI offers them. */
export const OPERATORS_BY_TYPE: Record<ScalarFieldType, readonly Operator[]> = {
  string: [
    'eq',
    'neq',
    'in',
    'not_in',
    'contains',
    'starts_with',
    'ends_with',
    'is_null',
    'is_not_null',
  ],
  number: [
    'eq',
    'neq',
    'lt',
    'lte',
    'gt',
    'gte',
    'between',
    'in',
    'not_in',
    'is_null',
    'is_not_null',
  ],
  boolean: ['eq', 'neq', 'is_null', 'is_not_null'],
  timestamp: [
    'in_last',
    'before',
    'after',
    'lt',
    'lte',
    'gt',
    'gte',
    'between',
    'is_null',
    'is_not_null',
  ],
  uuid: ['eq', 'neq', 'in', 'not_in', 'is_null', 'is_not_null'],
  enum: ['eq', 'neq', 'in', 'not_in', 'is_null', 'is_not_null'],
};

export const TIME_UNITS: readonly TimeUnit[] = ['minutes', 'hours', 'days'];

export const OPERATOR_LABELS: Record<Operator, string> = {
  eq: 'equals',
  neq: 'does not equal',
  lt: 'less than',
  lte: 'at most',
  gt: 'greater than',
  gte: 'at least',
  between: 'between',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  starts_with: 'starts with',
  ends_with: 'ends with',
  is_null: 'is empty',
  is_not_null: 'is not empty',
  in_last: 'in the last',
  before: 'before',
  after: 'after',
};

/** What shape of value an operator takes. */
export type ValueKind =
  | 'none'
  | 'scalar'
  | 'pair'
  | 'list'
  | 'relative'
  | 'timeBound';

export function valueKindOf(operator: Operator): ValueKind {
  switch (operator) {
    case 'is_null':
    case 'is_not_null':
      return 'none';
    case 'between':
      return 'pair';
    case 'in':
    case 'not_in':
      return 'list';
    case 'in_last':
      return 'relative';
    case 'before':
    case 'after':
      return 'timeBound';
    default:
      return 'scalar';
  }
}

export const TIME_UNIT_MS: Record<TimeUnit, number> = {
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
};

/** Upper bound of a relative amount, per unit (about 100 years). */
export const MAX_RELATIVE_AMOUNT: Record<TimeUnit, number> = {
  minutes: 52_560_000,
  hours: 876_000,
  days: 36_500,
};

/** Every operator of the grammar. */
export const ALL_OPERATORS = Object.keys(
  OPERATOR_LABELS,
) as readonly Operator[];
