import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Knex } from 'knex';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  evaluateFilter,
  FilterGroup,
  FilterNode,
  filterableFieldNames,
  OPERATORS_BY_TYPE,
  resolveField,
  valueKindOf,
} from '@internal/plugin-filters-common';
import {
  createDemoDatabases,
  DemoSetup,
  setupDemo,
  tenantContext,
} from './__testUtils__/demo';
import { describeDataset } from './datasets';
import { FilterEngine } from './FilterEngine';

jest.setTimeout(600_000);

const TREES = Number(process.env.FILTERS_PROPERTY_TREES ?? 10_000);
const BATCH = 50;
const DAY = 86_400_000;

describe('property: SQL results equal the TypeScript reference evaluator', () => {
  let demo: DemoSetup;
  const now = new Date();
  let byAccount: Map<string, Record<string, unknown>[]>;
  const databases = createDemoDatabases();

  beforeAll(async () => {
    demo = await setupDemo(databases, 4000);
    byAccount = new Map();
    for (const row of demo.rows) {
      const list = byAccount.get(String(row.account_id)) ?? [];
      list.push(row);
      byAccount.set(String(row.account_id), list);
    }
  });

  function pools() {
    const take = (xs: unknown[], n: number) =>
      [
        ...new Set(xs.filter(x => x !== null && x !== undefined).map(String)),
      ].slice(0, n);
    const rows = demo.rows;
    return {
      id: take(
        rows.map(r => r.id),
        40,
      ),
      user_id: take(
        rows.map(r => r.user_id),
        40,
      ),
      anonymous_id: take(
        rows.map(r => r.anonymous_id),
        20,
      ),
      'properties.dashboard_id': take(
        rows.map(r => (r.properties as any).dashboard_id),
        40,
      ),
      country: [
        'US',
        'GB',
        'DE',
        'JP',
        'U',
        'S',
        'E',
        'U_',
        '%',
        'x',
        '\\',
        "'",
        'B',
      ],
      email: ['ana', '.example', '@customer1', 'smith', 'o', 'a.', '_', '%'],
    } as Record<string, string[]>;
  }

  function valueArb(
    type: string,
    field: string,
    p: Record<string, string[]>,
  ): fc.Arbitrary<unknown> {
    const r = resolveField(describeDataset(demo.dataset), field);
    const values = r.ok ? r.resolved.values : undefined;
    switch (type) {
      case 'uuid':
        return fc.oneof(fc.constantFrom(...p[field]), fc.uuid());
      case 'enum':
        return fc.constantFrom(...values!);
      case 'string':
        return fc.oneof(
          fc.constantFrom(...p[field]),
          fc.string({ minLength: 1, maxLength: 4 }),
        );
      case 'number':
        return fc.oneof(
          fc.integer({ min: -10, max: 5100 }),
          fc.integer({ min: 0, max: 500000 }).map(n => n / 100),
        );
      case 'timestamp':
        return fc
          .integer({ min: -200, max: 5 })
          .map(d =>
            new Date(
              now.getTime() + d * DAY + (d % 7) * 3_600_000,
            ).toISOString(),
          );
      default:
        throw new Error(type);
    }
  }

  function ruleArb(): fc.Arbitrary<FilterNode> {
    const description = { ...describeDataset(demo.dataset) };
    const p = pools();
    const names = filterableFieldNames(description);
    return fc.constantFrom(...names).chain(field => {
      const resolved = resolveField(description, field);
      if (!resolved.ok) throw new Error(resolved.message);
      const type = resolved.resolved.type;
      return fc.constantFrom(...OPERATORS_BY_TYPE[type]).chain(operator => {
        const scalar = valueArb(type, field, p);
        const relative = fc
          .record({
            amount: fc.integer({ min: 0, max: 200 }),
            unit: fc.constantFrom('minutes', 'hours', 'days'),
          })
          .map(v => (v.unit === 'days' ? v : { ...v, amount: v.amount * 40 }));
        switch (valueKindOf(operator)) {
          case 'none':
            return fc.constant({ field, operator });
          case 'pair':
            return fc.tuple(scalar, scalar).map(([a, b]) => {
              const key = (x: unknown) =>
                type === 'timestamp' ? Date.parse(String(x)) : (x as number);
              return {
                field,
                operator,
                value: key(a) <= key(b) ? [a, b] : [b, a],
              };
            });
          case 'list':
            return fc
              .array(scalar, { minLength: 1, maxLength: 6 })
              .map(value => ({ field, operator, value }));
          case 'relative':
            return relative.map(value => ({ field, operator, value }));
          case 'timeBound':
            return fc
              .oneof(relative, scalar)
              .map(value => ({ field, operator, value }));
          default:
            if (
              operator === 'contains' ||
              operator === 'starts_with' ||
              operator === 'ends_with'
            ) {
              return scalar
                .filter(v => v !== '')
                .map(value => ({ field, operator, value }));
            }
            return scalar.map(value => ({ field, operator, value }));
        }
      });
    }) as fc.Arbitrary<FilterNode>;
  }

  function treeArb(): fc.Arbitrary<FilterGroup> {
    const rule = ruleArb();
    const { group } = fc.letrec<{ group: FilterGroup; node: FilterNode }>(
      tie => ({
        group: fc.record(
          {
            combinator: fc.constantFrom('and', 'or'),
            not: fc.boolean(),
            rules: fc.array(tie('node'), { minLength: 0, maxLength: 4 }),
          },
          { requiredKeys: ['combinator', 'rules'] },
        ) as fc.Arbitrary<FilterGroup>,
        node: fc.oneof({ depthSize: 'small', maxDepth: 4 }, rule, tie('group')),
      }),
    );
    return group;
  }

  const md5 = (s: string) => createHash('md5').update(s).digest('hex');

  it(`${TREES} random valid filter trees: same rows as the reference, values only as bindings, tenant-only rows`, async () => {
    const { dataset } = demo;
    const rowsOf = byAccount;
    const description = describeDataset(dataset);
    const accounts = [
      ...demo.accounts.slice(0, 4),
      ...demo.accounts.slice(-2),
    ].map(a => a.id);
    const samples = fc.sample(
      fc.tuple(treeArb(), fc.constantFrom(...accounts)),
      { numRuns: TREES, seed: 4242 },
    );
    const client = await (
      demo.db.knex.client as Knex.Client
    ).acquireConnection();
    let compared = 0;
    let nonEmpty = 0;
    try {
      for (let start = 0; start < samples.length; start += BATCH) {
        const batch = samples.slice(start, start + BATCH);
        const parts: string[] = [];
        const values: unknown[] = [];
        const expected: {
          n: number;
          h: string;
          tree: FilterGroup;
          account: string;
        }[] = [];
        batch.forEach(([tree, account], i) => {
          const built = FilterEngine.build(
            dataset,
            tree,
            tenantContext(account, { pii: true, now }),
            { kind: 'count' },
          );
          // No literal can hide in the text: no quotes, no digits except $n placeholders.
          const skeleton = built.sql.replace(/\$\d+/g, '');
          expect(skeleton).not.toMatch(/['\d$]/);
          expect(built.sql.match(/\$\d+/g)!.length).toBe(built.bindings.length);
          const offset = values.length;
          const renumbered = built.sql.replace(
            /\$(\d+)/g,
            (_, n) => `$${Number(n) + offset}`,
          );
          parts.push(
            renumbered.replace(
              'SELECT count(*)::bigint AS count',
              `SELECT ${i}::int AS k, count(*)::int AS n, md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) AS h`,
            ),
          );
          values.push(...built.bindings);
          const ids = (rowsOf.get(account) ?? [])
            .filter(row => evaluateFilter(built.filter, row, description, now))
            .map(row => String(row.id))
            .sort();
          expected.push({
            n: ids.length,
            h: md5(ids.join(',')),
            tree,
            account,
          });
        });
        const result = await client.query(
          parts.map(p => `(${p})`).join(' UNION ALL '),
          values,
        );
        for (const row of result.rows) {
          const e = expected[row.k];
          if (row.n !== e.n || row.h !== e.h) {
            throw new Error(
              `mismatch for account ${e.account}: SQL ${
                row.n
              } rows, reference ${e.n}; tree ${JSON.stringify(e.tree)}`,
            );
          }
          compared++;
          if (e.n > 0) nonEmpty++;
        }
      }
    } finally {
      await (demo.db.knex.client as Knex.Client).releaseConnection(client);
    }
    expect(compared).toBe(TREES);
    // The generator must exercise both matching and non-matching filters.
    expect(nonEmpty).toBeGreaterThan(TREES * 0.2);
    expect(nonEmpty).toBeLessThan(TREES);
  });

  it('through the full engine path (gate, statement_timeout, named statements): only the tenant rows, equal to the reference', async () => {
    const { dataset } = demo;
    const rowsOf = byAccount;
    const description = describeDataset(dataset);
    const engine = new FilterEngine({ datasets: [dataset] });
    const ownerOf = new Map(
      demo.rows.map(r => [String(r.id), String(r.account_id)]),
    );
    try {
      const samples = fc.sample(
        fc.tuple(treeArb(), fc.constantFrom(...demo.accounts.map(a => a.id))),
        { numRuns: 200, seed: 7 },
      );
      for (const [tree, account] of samples) {
        const res = await engine.query(
          { dataset: 'events', filter: tree, fields: ['id'], limit: 1000 },
          tenantContext(account, { pii: true, now }),
        );
        for (const row of res.rows)
          expect(ownerOf.get(String(row.id))).toBe(account);
        const normalized = FilterEngine.build(
          dataset,
          tree,
          tenantContext(account, { pii: true, now }),
        ).filter;
        const expected = (rowsOf.get(account) ?? []).filter(row =>
          evaluateFilter(normalized, row, description, now),
        ).length;
        expect(res.rows.length).toBe(Math.min(expected, 1000));
      }
    } finally {
      await engine.close();
    }
  });

  it('hostile and invalid input is refused with a 4xx error naming a path, never anything else', () => {
    const sqlish = fc.constantFrom(
      "'; DROP TABLE events; --",
      '1 OR 1=1',
      '$1',
      '"',
      '\\',
      ') OR (true',
      'pg_sleep(10)',
      '\u0000',
      '\ud800',
    );
    const anyRuleish = fc.record({
      field: fc.oneof(
        fc.constantFrom(
          'country',
          'amount',
          'occurred_at',
          'properties.browser',
          'properties',
          'account_id',
          'email',
        ),
        fc.string(),
        sqlish,
      ),
      operator: fc.oneof(
        fc.constantFrom(
          'eq',
          'in',
          'between',
          'in_last',
          'contains',
          'is_null',
        ),
        fc.string(),
      ),
      value: fc.oneof(
        fc.anything(),
        sqlish,
        fc.array(fc.integer(), { maxLength: 1500 }),
        fc.array(sqlish),
      ),
    });
    const hostile = fc.oneof(
      fc.anything({ withObjectString: true, withNullPrototype: true }),
      fc.record({
        combinator: fc.oneof(fc.constantFrom('and', 'or'), fc.string()),
        rules: fc.array(fc.oneof(anyRuleish, fc.anything()), {
          maxLength: 120,
        }),
      }),
      fc.integer({ min: 9, max: 200 }).map(depth => {
        let g: any = { combinator: 'and', rules: [] };
        for (let i = 0; i < depth; i++) g = { combinator: 'or', rules: [g] };
        return g;
      }),
    );
    const account = demo.accounts[0].id;
    const refusals: string[] = [];
    const accepted: string[] = [];
    fc.assert(
      fc.property(hostile, input => {
        try {
          accepted.push(
            FilterEngine.build(
              demo.dataset,
              input,
              tenantContext(account, { now }),
              { kind: 'rows' },
            ).sql,
          );
        } catch (error) {
          if (
            !(error instanceof InputError) &&
            !(error instanceof NotAllowedError)
          )
            throw error;
          refusals.push((error as Error).message);
        }
      }),
      { numRuns: 3000, seed: 99 },
    );
    expect(refusals.length).toBeGreaterThan(2500);
    expect(
      refusals.filter(m => !/^(Invalid filter: filter|filter\.rules)/.test(m)),
    ).toEqual([]);
    // Accepted input must have produced a clean statement.
    expect(
      accepted.filter(sql => /['\d$]/.test(sql.replace(/\$\d+/g, ''))),
    ).toEqual([]);
  });
});
