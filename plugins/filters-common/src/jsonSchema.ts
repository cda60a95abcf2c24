import { ALL_OPERATORS, TIME_UNITS } from './operators';
import { DEFAULT_FILTER_LIMITS } from './types';

/**
 * The published JSON Schema (draft-07) of the filter grammar, dataset-independent. It checks
 * structure only; field names, per-type operators and values are checked against a dataset by
 * `validateFilter`, which also enforces the depth and rule-count limits with paths.
 * Served at `GET /api/filters/v1/schema`.
 */
export const filterJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://platform-portal.internal/schemas/filters/filter.v1.json',
  title: 'Platform Portal filter (v1)',
  $ref: '#/definitions/group',
  definitions: {
    group: {
      type: 'object',
      additionalProperties: false,
      required: ['combinator', 'rules'],
      properties: {
        combinator: { enum: ['and', 'or'] },
        not: { type: 'boolean' },
        rules: {
          type: 'array',
          maxItems: DEFAULT_FILTER_LIMITS.maxRules,
          items: {
            anyOf: [
              { $ref: '#/definitions/group' },
              { $ref: '#/definitions/rule' },
            ],
          },
        },
      },
    },
    rule: {
      type: 'object',
      additionalProperties: false,
      required: ['field', 'operator'],
      properties: {
        field: {
          type: 'string',
          minLength: 1,
          description: 'A field name, or <jsonb field>.<declared path>',
        },
        operator: { enum: [...ALL_OPERATORS] },
        value: {
          anyOf: [
            { $ref: '#/definitions/scalar' },
            {
              type: 'array',
              maxItems: DEFAULT_FILTER_LIMITS.maxListValues,
              items: { $ref: '#/definitions/scalar' },
            },
            { $ref: '#/definitions/relativeTime' },
            { type: 'null' },
          ],
        },
      },
    },
    scalar: {
      anyOf: [
        { type: 'string', maxLength: DEFAULT_FILTER_LIMITS.maxStringLength },
        { type: 'number' },
        { type: 'boolean' },
      ],
    },
    relativeTime: {
      type: 'object',
      additionalProperties: false,
      required: ['amount', 'unit'],
      properties: {
        amount: { type: 'integer', minimum: 0 },
        unit: { enum: [...TIME_UNITS] },
      },
    },
  },
} as const;
