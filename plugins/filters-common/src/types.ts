/**
 * The filter grammar shared by the engine, the REST API and the FilterBuilder UI.
 * A filter is a tree of groups; leaves are rules `{ field, operator, value }`.
 */
import type { components } from './schema/openapi.generated';

/** Shapes the HTTP API also serves come from its OpenAPI document. */
type Schemas = components['schemas'];

/** Column types a dataset field can have. `jsonb` fields expose declared paths. */
export type FieldType = Schemas['DatasetField']['type'];

/** Types a rule can compare against (a jsonb path resolves to one of these). */
export type ScalarFieldType = Exclude<FieldType, 'jsonb'>;

export type Operator = Schemas['Operator'];

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
export type JsonPathField = Schemas['JsonPathField'];

/**
 * The public description of one dataset field: what the UI and the validator need.
 * Storage details (column names, connections) stay on the server.
 */
export type DatasetField = Schemas['DatasetField'];

/** A dataset as the API describes it (`GET /v1/datasets`). */
export type DatasetDescription = Schemas['Dataset'];

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

export type FilterValidationIssue = Schemas['ValidationIssue'];
