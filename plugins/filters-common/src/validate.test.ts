import fc from 'fast-check';
import Ajv from 'ajv';
import { DatasetDescription, FilterGroup } from './types';
import { validateFilter } from './validate';
import { evaluateFilter } from './evaluate';
import { filterJsonSchema } from './jsonSchema';

const dataset: DatasetDescription = {
  id: 'events',
  title: 'Events',
  defaultOrder: { field: 'occurred_at', direction: 'desc' },
  costThreshold: 1000,
  statementTimeoutMs: 5000,
  hasReplica: false,
  fields: [
    {
      name: 'id',
      label: 'Id',
      type: 'uuid',
      operators: [],
      indexed: true,
      nullable: false,
    },
    {
      name: 'event_type',
      label: 'Type',
      type: 'string',
      operators: [],
      indexed: true,
      nullable: false,
    },
    {
      name: 'occurred_at',
      label: 'At',
      type: 'timestamp',
      operators: [],
      indexed: true,
      nullable: false,
    },
    {
      name: 'amount',
      label: 'Amount',
      type: 'number',
      operators: [],
      indexed: false,
      nullable: true,
    },
    {
      name: 'plan',
      label: 'Plan',
      type: 'enum',
      values: ['enterprise', 'mid_market'],
      operators: [],
      indexed: false,
      nullable: false,
    },
    {
      name: 'email',
      label: 'Email',
      type: 'string',
      operators: ['eq'],
      indexed: false,
      nullable: true,
      dataClass: 'pii',
    },
    {
      name: 'properties',
      label: 'Properties',
      type: 'jsonb',
      operators: [],
      indexed: false,
      nullable: false,
      paths: {
        browser: { path: ['browser'], type: 'string' },
        duration_ms: { path: ['duration_ms'], type: 'number' },
      },
    },
  ],
};

describe('validateFilter', () => {
  it('accepts a nested filter and normalizes values', () => {
    const result = validateFilter(
      {
        combinator: 'and',
        rules: [
          {
            field: 'event_type',
            operator: 'in',
            value: ['query.run', 'user.login'],
          },
          {
            field: 'occurred_at',
            operator: 'after',
            value: '2026-01-01T10:00:00+02:00',
          },
          {
            combinator: 'or',
            not: true,
            rules: [
              {
                field: 'properties.duration_ms',
                operator: 'between',
                value: [1, 5],
              },
            ],
          },
          {
            field: 'id',
            operator: 'eq',
            value: '123E4567-E89B-12D3-A456-426614174000',
          },
          { field: 'amount', operator: 'is_null' },
        ],
      },
      dataset,
    );
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(result.filter.rules[1]).toEqual({
      field: 'occurred_at',
      operator: 'after',
      value: '2026-01-01T08:00:00.000Z',
    });
    expect(result.filter.rules[3]).toMatchObject({
      value: '123e4567-e89b-12d3-a456-426614174000',
    });
    expect(result.filter.rules[4]).toEqual({
      field: 'amount',
      operator: 'is_null',
    });
  });

  it('reports every error with its path', () => {
    const result = validateFilter(
      {
        combinator: 'xor',
        rules: [
          { field: 'nope', operator: 'eq', value: 1 },
          { field: 'amount', operator: 'contains', value: 'x' },
          { field: 'amount', operator: 'eq', value: '1; DROP TABLE events' },
          {
            combinator: 'and',
            rules: [{ field: 'properties.secret', operator: 'eq', value: 'x' }],
          },
          { field: 'plan', operator: 'eq', value: 'gold' },
          {
            field: 'occurred_at',
            operator: 'in_last',
            value: { amount: -1, unit: 'days' },
          },
          { field: 'event_type', operator: 'eq', value: 'a', extra: 1 },
        ],
      },
      dataset,
    );
    expect(result.valid).toBe(false);
    const paths = result.issues.map(i => i.path);
    expect(paths).toEqual([
      'combinator',
      'rules[0].field',
      'rules[1].operator',
      'rules[2].value',
      'rules[3].rules[0].field',
      'rules[4].value',
      'rules[5].value.amount',
      'rules[6].extra',
    ]);
    expect(result.issues[3].message).toMatch(/number field/);
    expect(result.issues[4].message).toMatch(
      /not declared.*allowed: browser, duration_ms/,
    );
  });

  it('enforces depth, rule count and list limits with clear messages', () => {
    let deep: any = {
      combinator: 'and',
      rules: [{ field: 'amount', operator: 'gt', value: 1 }],
    };
    for (let i = 0; i < 8; i++) deep = { combinator: 'and', rules: [deep] };
    const depth = validateFilter(deep, dataset);
    expect(depth.issues).toHaveLength(1);
    expect(depth.issues[0].path).toBe(
      'rules[0].rules[0].rules[0].rules[0].rules[0].rules[0].rules[0].rules[0]',
    );
    expect(depth.issues[0].message).toMatch(/nested 9 deep.*at most 8/);

    const many = validateFilter(
      {
        combinator: 'or',
        rules: Array.from({ length: 101 }, () => ({
          field: 'amount',
          operator: 'gt',
          value: 1,
        })),
      },
      dataset,
    );
    expect(many.issues[0]).toEqual({
      path: 'rules',
      message: 'the filter has 101 rules and groups; at most 100 are allowed',
    });

    // Empty groups count too (each one is another shape, and another prepared statement).
    const groups = validateFilter(
      {
        combinator: 'or',
        rules: Array.from({ length: 101 }, () => ({
          combinator: 'and',
          rules: [],
        })),
      },
      dataset,
    );
    expect(groups.valid).toBe(false);
    expect(groups.issues[0]).toEqual({
      path: 'rules',
      message: 'the filter has 101 rules and groups; at most 100 are allowed',
    });

    const list = validateFilter(
      {
        combinator: 'and',
        rules: [
          {
            field: 'amount',
            operator: 'in',
            value: Array.from({ length: 1001 }, (_, i) => i),
          },
        ],
      },
      dataset,
    );
    expect(list.issues).toEqual([
      {
        path: 'rules[0].value',
        message: 'operator in has 1001 values; at most 1000 are allowed',
      },
    ]);
  });

  it('a very deep hostile tree is reported without recursing to the bottom', () => {
    let deep: any = { combinator: 'and', rules: [] };
    for (let i = 0; i < 50_000; i++)
      deep = { combinator: 'and', rules: [deep] };
    const result = validateFilter(deep, dataset);
    expect(result.valid).toBe(false);
    expect(result.issues[0].message).toMatch(/at most 8 levels/);
  });

  it('never throws on arbitrary input and always gives paths', () => {
    fc.assert(
      fc.property(
        fc.anything({ withObjectString: true, withNullPrototype: true }),
        input => {
          const result = validateFilter(input, dataset);
          expect(result.valid || result.issues.length > 0).toBe(true);
          expect(
            result.issues.every(issue => typeof issue.path === 'string'),
          ).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('filterJsonSchema', () => {
  const ajv = new Ajv({ allErrors: true });
  const check = ajv.compile(filterJsonSchema);
  it('accepts grammar-valid filters and rejects malformed ones', () => {
    expect(
      check({
        combinator: 'and',
        rules: [
          {
            field: 'occurred_at',
            operator: 'in_last',
            value: { amount: 7, unit: 'days' },
          },
          {
            combinator: 'or',
            not: true,
            rules: [{ field: 'amount', operator: 'is_null' }],
          },
        ],
      }),
    ).toBe(true);
    expect(
      check({
        combinator: 'and',
        rules: [{ field: 'x', operator: 'like', value: 1 }],
      }),
    ).toBe(false);
    expect(check({ combinator: 'and' })).toBe(false);
  });
});

describe('evaluateFilter', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const row = {
    event_type: 'query.run',
    occurred_at: new Date('2026-05-31T00:00:00Z'),
    amount: null,
    plan: 'enterprise',
    properties: { browser: 'firefox', duration_ms: 10 },
  };
  const run = (filter: FilterGroup) =>
    evaluateFilter(filter, row, dataset, now);
  it('treats NULL as not matching, and NOT as the complement', () => {
    expect(
      run({
        combinator: 'and',
        rules: [{ field: 'amount', operator: 'neq', value: 3 }],
      }),
    ).toBe(false);
    expect(
      run({
        combinator: 'and',
        not: true,
        rules: [{ field: 'amount', operator: 'eq', value: 3 }],
      }),
    ).toBe(true);
    expect(run({ combinator: 'or', rules: [] })).toBe(false);
    expect(run({ combinator: 'and', rules: [] })).toBe(true);
  });
  it('evaluates relative time, jsonb paths and strings', () => {
    expect(
      run({
        combinator: 'and',
        rules: [
          {
            field: 'occurred_at',
            operator: 'in_last',
            value: { amount: 2, unit: 'days' },
          },
        ],
      }),
    ).toBe(true);
    expect(
      run({
        combinator: 'and',
        rules: [
          {
            field: 'occurred_at',
            operator: 'before',
            value: { amount: 23, unit: 'hours' },
          },
        ],
      }),
    ).toBe(true);
    expect(
      run({
        combinator: 'and',
        rules: [
          {
            field: 'properties.browser',
            operator: 'starts_with',
            value: 'fire',
          },
        ],
      }),
    ).toBe(true);
    expect(
      run({
        combinator: 'and',
        rules: [{ field: 'properties.duration_ms', operator: 'gt', value: 10 }],
      }),
    ).toBe(false);
  });
});
