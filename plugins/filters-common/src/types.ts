/**
 * The filter grammar shared by the engine, the REST API and the FilterBuilder UI.
 * A filter is a tree of groups; leaves are rules `{ field, operator, value }`.
 */

/** Column types a dataset field can have. `jsonb` fields expose declared paths. */
export type FieldType =
  | 'string'
  | 'number'
  | 'boolean'
  | 'timestamp'
  | 'uuid'
  | 'enum'
  | 'jsonb';

/** Types a rule can compare against (a jsonb path resolves to one of these). */
export type ScalarFieldType = Exclude<FieldType, 'jsonb'>;

export type Operator =
  | 'eq'
  | 'neq'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'between'
  | 'in'
  | 'not_in'
  | 'contains'
  | 'starts_with'
  | 'ends_with'
  | 'is_null'
  | 'is_not_null'
  | 'in_last'
  | 'before'
  | 'after';

export type TimeUnit = 'minutes' | 'hours' | 'days';

/** A relative time: `amount` units before "now" (the engine's clock, bound as a value). */
export interface RelativeTime {
  amount: number;
  unit: TimeUnit;
}

export type ScalarValue = string | number | boolean;

export type RuleValue =
  | ScalarValue
  | ScalarValue[]
  | RelativeTime
  | null
  | undefined;

export interface FilterRule {
  field: string;
  operator: Operator;
  value?: RuleValue;
}

export interface FilterGroup {
  combinator: 'and' | 'or';
  not?: boolean;
  rules: FilterNode[];
}

export type FilterNode = FilterRule | FilterGroup;

export function isFilterGroup(node: FilterNode): node is FilterGroup {
  return typeof node === 'object' && node !== null && 'rules' in node;
}

/** A declared path inside a jsonb column, e.g. `properties.browser`. */
export interface JsonPathField {
  /** Path segments below the column, e.g. `['browser']`. */
  path: string[];
  type: Exclude<ScalarFieldType, 'enum'> | 'enum';
  label?: string;
  values?: string[];
}

/**
 * The public description of one dataset field: what the UI and the validator need.
 * Storage details (column names, connections) stay on the server.
 */
export interface DatasetField {
  name: string;
  label: string;
  type: FieldType;
  /** Operators allowed on the field; defaults to every operator valid for the type. */
  operators: Operator[];
  /** Whether an index narrows a filter on this field (used for cost-gate suggestions). */
  indexed: boolean;
  /** Data class, e.g. `pii`; reading or filtering such a field needs `filters.data-class.read`. */
  dataClass?: string;
  /** Allowed values of an `enum` field. */
  values?: string[];
  nullable: boolean;
  /** For `jsonb` fields: the declared paths, addressed as `<field>.<path joined by .>`. */
  paths?: Record<string, JsonPathField>;
}

export interface DatasetDescription {
  id: string;
  title: string;
  description?: string;
  fields: DatasetField[];
  defaultOrder: { field: string; direction: 'asc' | 'desc' };
  /** EXPLAIN total-cost threshold above which a query is refused. */
  costThreshold: number;
  statementTimeoutMs: number;
  hasReplica: boolean;
}

/** Limits of the grammar; the validator reports each violation with its path. */
export interface FilterLimits {
  maxDepth: number;
  maxRules: number;
  maxListValues: number;
  maxStringLength: number;
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = {
  maxDepth: 8,
  maxRules: 100,
  maxListValues: 1000,
  maxStringLength: 1000,
};

export interface FilterValidationIssue {
  /** Where the problem is, e.g. `rules[2].value` (`` for the root). */
  path: string;
  message: string;
}
