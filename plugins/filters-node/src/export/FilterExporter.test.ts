import { PassThrough } from 'node:stream';
import { NotAllowedError } from '@backstage/errors';
import { FilterGroup } from '@internal/plugin-filters-common';
import {
  createDemoDatabases,
  datasetFor,
  DemoSetup,
  setupDemo,
  tenantContext,
} from '../__testUtils__/demo';
import { FilterRejectedError } from '../errors';
import { FilterEngine } from '../FilterEngine';
import { FilterExporter } from './FilterExporter';

jest.setTimeout(120_000);

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', c => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('FilterExporter (real Postgres)', () => {
  let demo: DemoSetup;
  let engine: FilterEngine;
  afterAll(async () => {
    await engine?.close();
  });
  const databases = createDemoDatabases();
  beforeAll(async () => {
    demo = await setupDemo(databases, 5000);
    engine = new FilterEngine({ datasets: [demo.dataset] });
  });

  const filter: FilterGroup = {
    combinator: 'and',
    rules: [
      {
        field: 'event_type',
        operator: 'in',
        value: ['query.run', 'user.login'],
      },
      { field: 'country', operator: 'neq', value: 'ZZ' },
    ],
  };

  it("streams the whole result of the tenant's filter as CSV, values kept out of the SQL text", async () => {
    const account = demo.accounts[0];
    const exporter = new FilterExporter(engine);
    const out = collect();
    const result = await exporter.exportCsv(
      { dataset: 'events', filter, fields: ['id', 'event_type', 'country'] },
      tenantContext(account.id),
      out.stream,
    );
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toBe('id,event_type,country');
    const expected = demo.rows
      .filter(
        r =>
          r.account_id === account.id &&
          ['query.run', 'user.login'].includes(String(r.event_type)),
      )
      .map(r => String(r.id))
      .sort();
    expect(expected.length).toBeGreaterThan(100); // more than one preview page
    expect(
      lines
        .slice(1)
        .map(l => l.split(',')[0])
        .sort(),
    ).toEqual(expected);
    expect(result.bytes).toBe(Buffer.byteLength(out.text()));
    expect(result.estimatedRows).toBeGreaterThan(0);
    expect(result.fields).toEqual(['id', 'event_type', 'country']);
    // No value in the statement: not the tenant, not the filter's values.
    expect(result.copySql).not.toContain(account.id);
    expect(result.copySql).not.toMatch(/query\.run|user\.login|ZZ/);
    expect(result.copySql).toMatch(
      /current_setting\('filters_export\.p1'\)::uuid/,
    );
    expect(result.copySql).not.toMatch(/LIMIT/);
  });

  it('list values with quotes and backslashes travel intact through the settings', async () => {
    const account = demo.accounts[0].id;
    const tricky: FilterGroup = {
      combinator: 'and',
      rules: [
        {
          field: 'country',
          operator: 'in',
          value: ['US', 'DE', 'a"b', 'c\\d', "e'f", 'g,h', '{i}'],
        },
      ],
    };
    const counted = await engine.count(
      { dataset: 'events', filter: tricky },
      tenantContext(account),
    );
    const out = collect();
    await new FilterExporter(engine).exportCsv(
      { dataset: 'events', filter: tricky, fields: ['id'] },
      tenantContext(account),
      out.stream,
    );
    expect(counted.count).toBeGreaterThan(0);
    expect(out.text().trimEnd().split('\n').length - 1).toBe(counted.count);
  });

  it('estimates rows with EXPLAIN without LIMIT', async () => {
    const account = demo.accounts[0];
    const estimate = await new FilterExporter(engine).estimate(
      { dataset: 'events' },
      tenantContext(account.id),
    );
    // An estimate of the whole tenant (not a page of 100): within a factor of 3 of the truth.
    expect(estimate.estimatedRows).toBeGreaterThan(account.events / 3);
    expect(estimate.estimatedRows).toBeLessThan(account.events * 3);
    expect(estimate.wouldRun).toBe(true);
  });

  it('applies the data-class checks of queries: PII only for those who may read it', async () => {
    const account = demo.accounts[1].id;
    const exporter = new FilterExporter(engine);
    await expect(
      exporter.exportCsv(
        { dataset: 'events', fields: ['id', 'email'] },
        tenantContext(account),
        collect().stream,
      ),
    ).rejects.toThrow(NotAllowedError);
    const out = collect();
    const result = await exporter.exportCsv(
      { dataset: 'events' },
      tenantContext(account),
      out.stream,
    );
    expect(result.omittedFields).toEqual(['email']);
    expect(out.text().split('\n')[0]).not.toMatch(/email/);
  });

  it('refuses above its own cost threshold before writing anything', async () => {
    const out = collect();
    const error = await new FilterExporter(engine, { costThreshold: 1 })
      .exportCsv(
        { dataset: 'events' },
        tenantContext(demo.accounts[0].id),
        out.stream,
      )
      .catch(e => e);
    expect(error).toBeInstanceOf(FilterRejectedError);
    expect(error.details).toMatchObject({ reason: 'cost', costThreshold: 1 });
    expect(out.text()).toBe('');
  });

  it('stops at its own statement timeout with a 422', async () => {
    await demo.db.knex.raw(
      `CREATE FUNCTION slow_true(uuid) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
       BEGIN PERFORM pg_sleep(0.002); RETURN true; END $$`,
    );
    await demo.db.knex.raw(
      `CREATE VIEW events_slow AS SELECT * FROM events WHERE slow_true(id)`,
    );
    const slowEngine = new FilterEngine({
      datasets: [
        datasetFor(
          demo.db,
          { table: 'events_slow', statsTable: 'events' },
          'slow',
        ),
      ],
    });
    try {
      const error = await new FilterExporter(slowEngine, {
        statementTimeoutMs: 200,
        costThreshold: 1e12,
      })
        .exportCsv(
          { dataset: 'slow' },
          tenantContext(demo.accounts[0].id),
          collect().stream,
        )
        .catch(e => e);
      expect(error).toBeInstanceOf(FilterRejectedError);
      expect(error.details).toMatchObject({
        reason: 'timeout',
        timeoutMs: 200,
      });
      const rowsError = await new FilterExporter(slowEngine, {
        statementTimeoutMs: 200,
        costThreshold: 1e12,
      })
        .exportRows({ dataset: 'slow' }, tenantContext(demo.accounts[0].id), {
          columns: () => undefined,
          rows: () => undefined,
        })
        .catch(e => e);
      expect(rowsError).toBeInstanceOf(FilterRejectedError);
      expect(rowsError.details).toMatchObject({ reason: 'timeout' });
    } finally {
      await slowEngine.close();
    }
  });

  describe('exportRows (server-side cursor)', () => {
    const collectRows = () => {
      const out: {
        columns: { name: string; type: string }[];
        rows: unknown[][];
        batches: number;
      } = { columns: [], rows: [], batches: 0 };
      return {
        out,
        sink: {
          columns: (c: { name: string; type: string }[]) => {
            out.columns = c;
          },
          rows: async (batch: unknown[][]) => {
            out.batches++;
            out.rows.push(...batch);
          },
        },
      };
    };

    it("streams the tenant's rows in batches, typed: numbers, Dates, JSON text, NULL", async () => {
      const account = demo.accounts[0];
      const { out, sink } = collectRows();
      const result = await new FilterExporter(engine).exportRows(
        {
          dataset: 'events',
          filter,
          fields: ['id', 'occurred_at', 'amount', 'properties', 'user_id'],
        },
        tenantContext(account.id),
        sink,
        { batchRows: 100 },
      );
      expect(out.columns).toEqual([
        { name: 'id', type: 'uuid' },
        { name: 'occurred_at', type: 'timestamp' },
        { name: 'amount', type: 'number' },
        { name: 'properties', type: 'jsonb' },
        { name: 'user_id', type: 'uuid' },
      ]);
      const expected = demo.rows.filter(
        r =>
          r.account_id === account.id &&
          ['query.run', 'user.login'].includes(String(r.event_type)),
      );
      expect(out.rows.length).toBe(expected.length);
      expect(result.rows).toBe(expected.length);
      expect(out.batches).toBe(Math.ceil(expected.length / 100));
      const byId = new Map(expected.map(r => [String(r.id), r]));
      for (const [id, occurredAt, amount, properties, userId] of out.rows) {
        const source = byId.get(String(id))!;
        expect(source).toBeDefined();
        expect(occurredAt).toBeInstanceOf(Date);
        expect((occurredAt as Date).getTime()).toBe(
          new Date(source.occurred_at as string).getTime(),
        );
        expect(amount).toBe(
          source.amount === null ? null : Number(source.amount),
        );
        expect(typeof properties).toBe('string');
        expect(userId).toBe(source.user_id ?? null);
      }
      expect(out.rows.some(r => typeof r[2] === 'number')).toBe(true);
      expect(result.sql).not.toContain(account.id);
      expect(result.sql).not.toMatch(/query\.run|user\.login|ZZ/);
    });

    it('applies the data-class checks and the cost gate before any row', async () => {
      const exporter = new FilterExporter(engine);
      const account = demo.accounts[1].id;
      await expect(
        exporter.exportRows(
          { dataset: 'events', fields: ['id', 'email'] },
          tenantContext(account),
          collectRows().sink,
        ),
      ).rejects.toThrow(NotAllowedError);
      const { out, sink } = collectRows();
      const error = await new FilterExporter(engine, { costThreshold: 1 })
        .exportRows({ dataset: 'events' }, tenantContext(account), sink)
        .catch(e => e);
      expect(error).toBeInstanceOf(FilterRejectedError);
      expect(error.details).toMatchObject({ reason: 'cost' });
      expect(out.columns).toEqual([]);
    });

    it('a sink that rejects stops the export and leaves the connection usable', async () => {
      const account = demo.accounts[0].id;
      let batches = 0;
      const stop = new Error('consumer gave up');
      const error = await new FilterExporter(engine)
        .exportRows(
          { dataset: 'events', fields: ['id'] },
          tenantContext(account),
          {
            columns: () => undefined,
            rows: () => {
              batches++;
              if (batches === 2) throw stop;
            },
          },
          { batchRows: 10 },
        )
        .catch(e => e);
      expect(error).toBe(stop);
      expect(batches).toBe(2);
      // The pooled connection is back in a clean state: the next export runs.
      const { out, sink } = collectRows();
      await new FilterExporter(engine).exportRows(
        { dataset: 'events', fields: ['id'] },
        tenantContext(account),
        sink,
      );
      expect(out.rows.length).toBe(demo.accounts[0].events);
    });
  });
});
