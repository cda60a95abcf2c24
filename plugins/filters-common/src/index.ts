/**
 * Isomorphic part of the filters plugin family: the filter grammar (types, JSON Schema,
 * validation with paths, reference evaluator), API types and permissions.
 *
 * @packageDocumentation
 */
export * from './types';
export {
  OPERATORS_BY_TYPE,
  ALL_OPERATORS,
  OPERATOR_LABELS,
  TIME_UNITS,
  TIME_UNIT_MS,
  MAX_RELATIVE_AMOUNT,
  valueKindOf,
} from './operators';
export type { ValueKind } from './operators';
export { resolveField, filterableFieldNames } from './fields';
export type { ResolvedField, FieldResolution } from './fields';
export { validateFilter, formatIssues, MAX_REPORTED_ISSUES } from './validate';
export type { FilterValidationResult } from './validate';
export {
  validateQueryOptions,
  encodeCursor,
  MAX_QUERY_LIMIT,
  DEFAULT_QUERY_LIMIT,
} from './queryOptions';
export type {
  QueryOptionsInput,
  ValidQueryOptions,
  CursorPosition,
  QueryOptionsResult,
} from './queryOptions';
export { evaluateFilter, fieldValue } from './evaluate';
export { filterJsonSchema } from './jsonSchema';
export * from './permissions';
export type * from './api';
export type * as OpenApi from './schema/openapi.generated';
