import { OPERATORS_BY_TYPE } from './operators';
import {
  DatasetDescription,
  FilterValidationIssue,
  ScalarFieldType,
} from './types';
import { validateFilter } from './validate';

export const MAX_QUERY_LIMIT = 1000;
export const DEFAULT_QUERY_LIMIT = 100;
const MAX_CURSOR_LENGTH = 2000;

/** The paging and projection part of a query request, still untrusted. */
export interface QueryOptionsInput {
  fields?: unknown;
  limit?: unknown;
  cursor?: unknown;
}

/** A keyset position: rows strictly after (order value, primary key) in the dataset's order. */
export interface CursorPosition {
  order: unknown;
  key: string;
}

export interface ValidQueryOptions {
  /** Requested fields, de-duplicated; undefined = every field the caller may read. */
  fields?: string[];
  limit: number;
  after?: CursorPosition;
}

export type QueryOptionsResult =
  | { valid: true; options: ValidQueryOptions }
  | { valid: false; issues: FilterValidationIssue[] };

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  bytes.forEach(b => {
    binary += String.fromCharCode(b);
  });
  return btoa(binary)
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, c => c.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** The opaque `nextCursor` of a page: the last row's order value and primary key. */
export function encodeCursor(order: unknown, key: string): string {
  const o = order instanceof Date ? order.toISOString() : order;
  return toBase64Url(JSON.stringify([o, key]));
}

function decodeCursor(
  cursor: unknown,
  dataset: DatasetDescription,
  primaryKey: string,
): CursorPosition | string {
  const bad = (why: string) =>
    `${why}; pass the nextCursor of the previous page unchanged`;
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH)
    return bad(`must be a string of at most ${MAX_CURSOR_LENGTH} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(cursor));
  } catch {
    return bad('is not a valid cursor');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[1] !== 'string'
  )
    return bad('is not a valid cursor');
  const orderField = dataset.fields.find(
    f => f.name === dataset.defaultOrder.field,
  )!;
  const check = validateFilter(
    {
      combinator: 'and',
      rules: [
        // Any operator taking one value of the field's type checks the value (timestamps have no eq).
        {
          field: orderField.name,
          operator: OPERATORS_BY_TYPE[
            orderField.type as ScalarFieldType
          ].includes('eq')
            ? 'eq'
            : 'gte',
          value: parsed[0],
        },
        { field: primaryKey, operator: 'eq', value: parsed[1] },
      ],
    },
    {
      ...dataset,
      fields: [
        { ...orderField, operators: [] },
        {
          name: primaryKey,
          label: 'key',
          type: 'uuid',
          operators: [],
          indexed: true,
          nullable: false,
        },
      ],
    },
  );
  if (!check.valid) return bad('holds values of the wrong type');
  const rules = check.filter.rules as { value: unknown }[];
  // Timestamps keep the cursor's own text (microseconds; validated above as ISO 8601 with a
  // zone): validateFilter's normalization would cut them to milliseconds and skip rows.
  const order = orderField.type === 'timestamp' ? parsed[0] : rules[0].value;
  return { order, key: rules[1].value as string };
}

/**
 * Validates the projection and paging of a query request (`fields`, `limit`, `cursor`) against
 * a dataset. Data classes are not checked here: which fields a caller may read is the
 * engine's authorization step.
 */
export function validateQueryOptions(
  input: QueryOptionsInput,
  dataset: DatasetDescription,
  primaryKey: string,
): QueryOptionsResult {
  const issues: FilterValidationIssue[] = [];
  let fields: string[] | undefined;
  if (input.fields !== undefined) {
    const names = input.fields;
    if (
      !Array.isArray(names) ||
      names.length === 0 ||
      names.length > dataset.fields.length
    ) {
      issues.push({
        path: 'fields',
        message: `must be a non-empty array of at most ${dataset.fields.length} field names`,
      });
    } else {
      names.forEach((name, i) => {
        if (!dataset.fields.some(d => d.name === name))
          issues.push({
            path: `fields[${i}]`,
            message: `unknown field ${JSON.stringify(
              String(name).slice(0, 60),
            )} (allowed: ${dataset.fields.map(d => d.name).join(', ')})`,
          });
      });
      fields = [...new Set(names as string[])];
    }
  }
  let limit = DEFAULT_QUERY_LIMIT;
  if (input.limit !== undefined) {
    if (
      typeof input.limit !== 'number' ||
      !Number.isInteger(input.limit) ||
      input.limit < 1 ||
      input.limit > MAX_QUERY_LIMIT
    ) {
      issues.push({
        path: 'limit',
        message: `must be an integer from 1 to ${MAX_QUERY_LIMIT}, got ${JSON.stringify(
          input.limit,
        )}`,
      });
    } else limit = input.limit;
  }
  let after: CursorPosition | undefined;
  if (input.cursor !== undefined && input.cursor !== null) {
    const decoded = decodeCursor(input.cursor, dataset, primaryKey);
    if (typeof decoded === 'string')
      issues.push({ path: 'cursor', message: decoded });
    else after = decoded;
  }
  if (issues.length > 0) return { valid: false, issues };
  return { valid: true, options: { fields, limit, after } };
}
