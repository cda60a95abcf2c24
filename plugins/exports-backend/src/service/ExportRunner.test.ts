import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { seedProductData } from '@internal/dev-database';
import { FilterEngine, FilterExporter } from '@internal/plugin-filters-node';
import { connectionOfKnex } from '@internal/plugin-filters-node/testUtils';
import ExcelJS from 'exceljs';
import { waitFor as waitForProbe } from '@internal/plugin-platform-node/testUtils';
import { Knex } from 'knex';
import {
  demoEngine,
  throttledExporter,
} from '../__testUtils__/throttledExporter';
import { ExportRunner, ExportRunnerOptions } from './ExportRunner';
import { demoCsvJob } from './storage/__testUtils__/exportRunnerFixture';
import { DbExportJobRow, ExportStore, NewExportJob } from './ExportStore';
import { LocalExportStorage } from './LocalExportStorage';
import { pdfPages } from './writers/testUtils/pdfPages';

jest.setTimeout(300_000);

const migrations = { directory: `${__dirname}/../../migrations` };

/** Runs here take longer than other tests' waits: 60 s by default. */
const waitFor = <T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  waitForProbe(probe, timeoutMs);

/** RFC 4180 fields with whether each was quoted (Postgres writes NULL unquoted, '' quoted). */
function parseCsv(text: string): { value: string; quoted: boolean }[][] {
  const rows: { value: string; quoted: boolean }[][] = [];
  let row: { value: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    let value = '';
    let quoted = false;
    if (text[i] === '"') {
      quoted = true;
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          value += text[i++];
        }
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\n') {
        value += text[i++];
      }
    }
    row.push({ value, quoted });
    if (text[i] === ',') {
      i++;
    } else {
      rows.push(row);
      row = [];
      i++;
    }
  }
  return rows;
}

describe('ExportRunner (real Postgres, real files)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let product: Knex;
  let own: Knex;
  let engine: FilterEngine;
  let store: ExportStore;
  let account: string;
  const runners: ExportRunner[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    product = await databases.init('POSTGRES_18');
    own = await databases.init('POSTGRES_18');
    await own.migrate.latest(migrations);
    await seedProductData(product, { eventRows: 20_000 });
    account = String(
      (await product('events')
        .select('account_id')
        .count('* as n')
        .groupBy('account_id')
        .orderBy('n', 'desc')
        .first())!.account_id,
    );
    engine = demoEngine(JSON.parse(JSON.stringify(connectionOfKnex(product))));
    store = new ExportStore(own);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map(r => r.stop()));
    children.splice(0).forEach(c => c.kill('SIGKILL'));
  });
  afterAll(async () => {
    await engine.close();
  });

  const newJob = (overrides: Partial<NewExportJob> = {}) =>
    demoCsvJob(account, overrides);

  function runner(
    root: string,
    overrides: Partial<ExportRunnerOptions> = {},
  ): ExportRunner {
    const r = new ExportRunner({
      store,
      storage: new LocalExportStorage(root),
      exporter: throttledExporter(engine, 0),
      logger: mockServices.logger.mock(),
      workers: 1,
      leaseMs: 30_000,
      heartbeatMs: 100,
      pollMs: 50,
      perTenantLimit: 2,
      retentionMs: 86_400_000,
      maxBytes: 1024 ** 3,
      ...overrides,
    });
    runners.push(r);
    return r;
  }

  const settled = (id: string) =>
    waitFor(async () => {
      const row = await store.get(id);
      return row && ['succeeded', 'failed', 'cancelled'].includes(row.status)
        ? row
        : undefined;
    });

  /** The attempt part of a job's storage key (`<region>/<id>.<attempt>.<ext>`): its lease token then. */
  const attemptOf = (job: DbExportJobRow) => {
    const attempt = job.storage_key!.split('.')[1];
    expect(attempt).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    return attempt;
  };

  const allFiles = (root: string): string[] =>
    ['us', 'eu'].flatMap(region => {
      const dirs = [join(root, region), join(root, region, '.tmp')];
      return dirs.flatMap(d =>
        existsSync(d)
          ? readdirSync(d)
              .filter(f => f !== '.tmp')
              .map(f => join(d, f))
          : [],
      );
    });

  it('writes correct CSV: header, row count, quoting of commas, quotes and newlines, NULL vs empty', async () => {
    const tricky = [
      { country: 'a,b', amount: null, user_id: null },
      { country: 'say "hi"', amount: '1.50', user_id: null },
      { country: 'line1\nline2\r\nline3', amount: '-2.00', user_id: null },
      { country: '', amount: null, user_id: null },
    ].map((r, n) => ({
      ...r,
      id: `00000000-0000-4000-8000-00000000000${n}`,
    }));
    await product('events').insert(
      tricky.map(r => ({
        ...r,
        account_id: account,
        event_type: 'query.run',
        occurred_at: new Date(),
        plan: 'enterprise',
        properties: JSON.stringify({ browser: 'chrome' }),
      })),
    );
    try {
      const root = mkdtempSync(join(tmpdir(), 'exports-csv-'));
      const { row } = await store.create(
        newJob({ fields: ['id', 'country', 'amount', 'user_id'] }),
      );
      runner(root).start();
      const done = await settled(row.id);
      expect(done.status).toBe('succeeded');
      const text = readFileSync(join(root, done.storage_key!), 'utf8');
      const rows = parseCsv(text);
      expect(rows[0].map(f => f.value)).toEqual([
        'id',
        'country',
        'amount',
        'user_id',
      ]);
      const [{ n }] = await product('events')
        .where({ account_id: account })
        .count({ n: '*' });
      expect(rows.length - 1).toBe(Number(n));
      // The runner's own row count (newlines outside quotes) agrees with the parse.
      expect(Number(done.rows_written)).toBe(Number(n));
      expect(Number(done.bytes_written)).toBe(Buffer.byteLength(text));
      const byId = new Map(rows.slice(1).map(r => [r[0].value, r]));
      for (const t of tricky) {
        const r = byId.get(t.id)!;
        expect(r[1]).toEqual({
          value: t.country,
          quoted: /[,"\n\r]/.test(t.country) || t.country === '',
        });
        expect(r[2]).toEqual(
          t.amount === null
            ? { value: '', quoted: false }
            : { value: t.amount, quoted: false },
        );
        expect(r[3]).toEqual({ value: '', quoted: false });
      }
    } finally {
      await product('events')
        .whereIn(
          'id',
          tricky.map(t => t.id),
        )
        .delete();
    }
  });

  it('cancel during the run leaves no file, final or temporary', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-cancel-'));
    const { row } = await store.create(newJob());
    runner(root, {
      exporter: throttledExporter(engine, 40),
    }).start();
    await waitFor(async () => {
      const r = await store.get(row.id);
      return r && Number(r.rows_written) > 0 ? r : undefined;
    });
    expect(allFiles(root).length).toBe(1); // the temporary file, being written
    await store.cancel(row.id);
    await waitFor(async () => (allFiles(root).length === 0 ? true : undefined));
    await new Promise(r => setTimeout(r, 500));
    expect(allFiles(root)).toEqual([]);
    expect((await store.get(row.id))!.status).toBe('cancelled');
  });

  it('reports progress with an estimate from EXPLAIN and an ETA while running', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-progress-'));
    const { row } = await store.create(newJob());
    runner(root, { exporter: throttledExporter(engine, 20) }).start();
    const mid = await waitFor(async () => {
      const r = await store.get(row.id);
      return r && r.status === 'running' && Number(r.rows_written) > 0
        ? r
        : undefined;
    });
    expect(Number(mid.rows_estimated)).toBeGreaterThan(0);
    expect(mid.progress).toBeGreaterThan(0);
    expect(mid.progress).toBeLessThan(1);
    expect(mid.eta_seconds).not.toBeNull();
    const done = await settled(row.id);
    expect(done.status).toBe('succeeded');
  });

  it('keeps the lease while a commit outlasts it: the job succeeds once, not re-queued by the lease check', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-slow-commit-'));
    const storage = new LocalExportStorage(root);
    const commit = storage.commit.bind(storage);
    storage.commit = async (pending, key) => {
      await new Promise(r => setTimeout(r, 3000)); // an S3 upload and copy: longer than the lease
      await commit(pending, key);
    };
    const onFinished = jest.fn();
    const { row } = await store.create(newJob({ fields: ['id'] }));
    runner(root, {
      storage,
      leaseMs: 1500,
      leaseCheckMs: 250,
      heartbeatMs: 300,
      onFinished,
    }).start();
    const done = await settled(row.id);
    expect(done.status).toBe('succeeded');
    expect(done.completions).toBe(1);
    expect(done.attempts).toBe(1);
    expect(existsSync(join(root, done.storage_key!))).toBe(true);
    expect(onFinished.mock.calls.map(c => c[1])).toEqual(['succeeded']);
  });

  it('fails the job with permission_revoked when access was revoked before it ran', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-revoked-'));
    const { row } = await store.create(newJob());
    runner(root, {
      runTimeAccessCheck: async (j: DbExportJobRow) =>
        j.requested_by === 'user:default/a'
          ? 'user:default/a may no longer act for the account'
          : undefined,
    }).start();
    const done = await settled(row.id);
    expect(done).toMatchObject({
      status: 'failed',
      error_type: 'permission_revoked',
    });
    expect(allFiles(root)).toEqual([]);
  });

  /** A backend process running the export queue (`__testUtils__/workerProcess.ts`), ready. */
  async function workerProcess(
    root: string,
    options: { leaseMs: number; delayMsPerChunk: number; workers?: number },
  ) {
    const child = spawn(
      process.execPath,
      [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        join(__dirname, '../__testUtils__/workerProcess.ts'),
      ],
      {
        env: {
          ...process.env,
          EXPORTS_TEST_WORKER: JSON.stringify({
            own: JSON.parse(JSON.stringify(connectionOfKnex(own))),
            product: JSON.parse(JSON.stringify(connectionOfKnex(product))),
            root,
            heartbeatMs: 100,
            ...options,
          }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', d => (stdout += d));
    child.stderr!.on('data', d => (stderr += d));
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`worker died: ${stderr}`);
      return stdout.includes('ready') ? true : undefined;
    }, 200_000);
    return {
      child,
      output: () => `${stdout} ${stderr}`,
      /** Ids of the jobs this process finished with `outcome`. */
      finished: (outcome: string) =>
        stdout
          .split('\n')
          .filter(l => l.startsWith(`${outcome} `))
          .map(l => l.slice(outcome.length + 1)),
    };
  }

  it('two backend processes on one Postgres complete 200 jobs, each exactly once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-two-'));
    const accounts = (await product('accounts').select('id').limit(20)).map(r =>
      String(r.id),
    );
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { row } = await store.create(
        demoCsvJob(accounts[i % accounts.length], { fields: ['id'] }),
      );
      ids.push(row.id);
    }
    const processes = await Promise.all(
      [1, 2].map(() =>
        workerProcess(root, {
          leaseMs: 30_000,
          delayMsPerChunk: 0,
          workers: 2,
        }),
      ),
    );
    const rows = await waitFor(async () => {
      const r = await own('export_jobs').whereIn('id', ids);
      return r.every(j => j.status === 'succeeded') ? r : undefined;
    }, 240_000).catch(e => {
      throw new Error(
        `${e.message}; workers said: ${processes.map(p => p.output())}`,
      );
    });
    expect(rows.every(j => j.completions === 1 && j.attempts === 1)).toBe(true);
    const [first, second] = processes.map(p => p.finished('succeeded'));
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    expect(first.filter(id => second.includes(id))).toEqual([]);
    expect([...first, ...second].sort()).toEqual([...ids].sort());
    expect(processes.flatMap(p => p.finished('lost'))).toEqual([]);
  });

  it('kill -9 of the worker process mid-export: the job is re-claimed and the file is byte-identical to an undisturbed run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-crash-'));
    // Undisturbed reference run.
    const reference = await store.create(newJob({ region: 'us' }));
    runner(root).start();
    const ref = await settled(reference.row.id);
    expect(ref.status).toBe('succeeded');
    await Promise.all(runners.splice(0).map(r => r.stop()));
    const expected = readFileSync(join(root, ref.storage_key!));

    const { row } = await store.create(newJob());
    const worker = await workerProcess(root, {
      leaseMs: 1500,
      delayMsPerChunk: 40,
    });
    const { child } = worker;
    await waitFor(async () => {
      const r = await store.get(row.id);
      if (child.exitCode !== null)
        throw new Error(`worker died: ${worker.output()}`);
      return r && r.status === 'running' && Number(r.rows_written) > 0
        ? r
        : undefined;
    }, 90_000).catch(e => {
      throw new Error(`${e.message}; worker said: ${worker.output()}`);
    });
    child.kill('SIGKILL');
    await new Promise(r => child.once('exit', r));
    const orphan = (await store.get(row.id))!;
    expect(orphan.status).toBe('running');
    expect(orphan.attempts).toBe(1);

    runner(root).start();
    const done = await settled(row.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.completions).toBe(1);
    const actual = readFileSync(join(root, done.storage_key!));
    expect(actual.length).toBe(expected.length);
    expect(Buffer.compare(actual, expected)).toBe(0);
    // The killed worker's temporary file is left in .tmp (never under a final name).
    expect(
      allFiles(root)
        .filter(f => !f.includes('.tmp'))
        .map(f => f.split('/').pop())
        .sort(),
    ).toEqual(
      [ref.storage_key!, done.storage_key!].map(k => k.slice(3)).sort(),
    );
    expect(done.storage_key).toBe(
      `${done.region}/${row.id}.${attemptOf(done)}.csv`,
    );
  });

  describe('XLSX and PDF files (rows through the filter engine cursor)', () => {
    // The real exporter: row formats need its cursor path (exportRows).
    const rowRunner = (
      root: string,
      overrides: Partial<ExportRunnerOptions> = {},
    ) => runner(root, { exporter: new FilterExporter(engine), ...overrides });
    const accountRows = async (who: string) =>
      product('events')
        .where({ account_id: who })
        .select('id', 'occurred_at', 'amount', 'country');

    it("writes the tenant's rows as typed XLSX cells, on a second sheet past the sheet limit", async () => {
      const expected = await accountRows(account);
      const perSheet = Math.ceil(expected.length / 2);
      const root = mkdtempSync(join(tmpdir(), 'exports-xlsx-'));
      const { row } = await store.create(
        newJob({
          format: 'xlsx',
          fields: ['id', 'occurred_at', 'amount', 'country'],
        }),
      );
      rowRunner(root, { xlsx: { maxRowsPerSheet: perSheet } }).start();
      const done = await settled(row.id);
      expect(done).toMatchObject({ status: 'succeeded', error_type: null });
      expect(done.storage_key).toBe(`eu/${row.id}.${attemptOf(done)}.xlsx`);
      const path = join(root, done.storage_key!);
      expect(Number(done.bytes_written)).toBe(readFileSync(path).length);
      expect(Number(done.rows_written)).toBe(expected.length);

      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(path);
      expect(workbook.worksheets.map(w => w.name)).toEqual([
        'Export',
        'Export (2)',
      ]);
      const read: ExcelJS.Row[] = [];
      for (const sheet of workbook.worksheets) {
        expect(sheet.getRow(1).values).toEqual([
          undefined,
          'id',
          'occurred_at',
          'amount',
          'country',
        ]);
        sheet.eachRow((r, n) => {
          if (n > 1) read.push(r);
        });
      }
      expect(workbook.worksheets[0].rowCount).toBe(perSheet + 1);
      expect(read.length).toBe(expected.length);
      // Tenant isolation: exactly this account's rows, none of another account's.
      const byId = new Map(expected.map(e => [String(e.id), e]));
      const ids = read.map(r => String(r.getCell(1).value));
      expect(new Set(ids)).toEqual(new Set(byId.keys()));
      const others = await product('events')
        .whereNot({ account_id: account })
        .pluck('id');
      expect(others.length).toBeGreaterThan(0);
      expect(others.filter(id => ids.includes(String(id)))).toEqual([]);
      for (const r of read) {
        const source = byId.get(String(r.getCell(1).value))!;
        expect(r.getCell(2).value).toEqual(new Date(source.occurred_at));
        expect(r.getCell(3).value).toBe(
          source.amount === null ? null : Number(source.amount),
        );
        expect(r.getCell(4).value).toBe(source.country);
      }
      expect(read.some(r => typeof r.getCell(3).value === 'number')).toBe(true);
    });

    it('writes a PDF table with the header on every page', async () => {
      const expected = await accountRows(account);
      const root = mkdtempSync(join(tmpdir(), 'exports-pdf-'));
      const { row } = await store.create(
        newJob({ format: 'pdf', fields: ['id', 'event_type', 'country'] }),
      );
      rowRunner(root, {
        limits: { pdf: { maxRows: expected.length, maxBytes: 1024 ** 3 } },
      }).start();
      const done = await settled(row.id);
      expect(done.status).toBe('succeeded');
      expect(done.storage_key).toBe(`eu/${row.id}.${attemptOf(done)}.pdf`);
      const file = readFileSync(join(root, done.storage_key!));
      expect(file.subarray(0, 5).toString()).toBe('%PDF-');
      expect(Number(done.bytes_written)).toBe(file.length);
      const pages = await pdfPages(join(root, done.storage_key!));
      expect(pages.length).toBeGreaterThan(1);
      for (const text of pages) {
        expect(text.split('\n')[1]).toMatch(/^id\s+event_type\s+country$/);
      }
      const ids = pages.flatMap(p =>
        p
          .split('\n')
          .filter(l => /^[0-9a-f]{8}-/.test(l))
          .map(l => l.split(/\s+/)[0]),
      );
      expect(new Set(ids)).toEqual(new Set(expected.map(e => String(e.id))));
    });

    it('fails a PDF over its row cap with size_limit naming the cap, leaving no file', async () => {
      const root = mkdtempSync(join(tmpdir(), 'exports-pdf-cap-'));
      const { row } = await store.create(newJob({ format: 'pdf' }));
      rowRunner(root, {
        limits: { pdf: { maxRows: 50, maxBytes: 1024 ** 3 } },
      }).start();
      const done = await settled(row.id);
      expect(done).toMatchObject({
        status: 'failed',
        error_type: 'size_limit',
      });
      expect(done.error_message).toMatch(
        /more than 50 rows.*PDF.*exports\.limits\.pdf\.maxRows/,
      );
      expect(done.attempts).toBe(1);
      expect(allFiles(root)).toEqual([]);
    });

    it('fails an XLSX over its byte limit with size_limit, leaving no file', async () => {
      const root = mkdtempSync(join(tmpdir(), 'exports-xlsx-cap-'));
      const { row } = await store.create(newJob({ format: 'xlsx' }));
      rowRunner(root, { limits: { xlsx: { maxBytes: 20_000 } } }).start();
      const done = await settled(row.id);
      expect(done).toMatchObject({
        status: 'failed',
        error_type: 'size_limit',
      });
      expect(done.error_message).toMatch(/limit of 20000 bytes/);
      expect(allFiles(root)).toEqual([]);
    });
  });

  it('writes a correct 1 M-row CSV: row count, header, quoting of commas, quotes, newlines, NULLs', async () => {
    const big = '00000000-0000-4000-8000-00000000b1b1';
    const rows = 1_000_000;
    // Row i: country cycles through a comma, quotes, LF/CRLF, an empty string and plain text;
    // amount is NULL every third row; user_id is always NULL.
    await product.raw(
      `INSERT INTO events (id, account_id, event_type, occurred_at, country, plan, amount, properties)
       SELECT ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid, ?::uuid, 'query.run',
              timestamptz '2026-01-01' + i * interval '1 second',
              CASE i % 5 WHEN 0 THEN 'a,b' || i WHEN 1 THEN 'say "hi" ' || i
                         WHEN 2 THEN 'l1' || chr(10) || 'l2' || chr(13) || chr(10) || i
                         WHEN 3 THEN '' ELSE 'DE' || i END,
              'enterprise', CASE WHEN i % 3 = 0 THEN NULL ELSE i / 100.0 END, '{}'::jsonb
       FROM generate_series(1, ?) AS i`,
      [big, rows],
    );
    await product.raw('ANALYZE events');
    try {
      const root = mkdtempSync(join(tmpdir(), 'exports-1m-'));
      const { row } = await store.create(
        newJob({
          accountId: big,
          fields: ['id', 'country', 'amount', 'user_id'],
        }),
      );
      runner(root).start();
      const done = await settled(row.id);
      expect(done.status).toBe('succeeded');
      expect(Number(done.rows_written)).toBe(rows);
      const text = readFileSync(join(root, done.storage_key!), 'utf8');
      expect(Number(done.bytes_written)).toBe(Buffer.byteLength(text));
      const parsed = parseCsv(text);
      expect(parsed[0].map(f => f.value)).toEqual([
        'id',
        'country',
        'amount',
        'user_id',
      ]);
      expect(parsed.length - 1).toBe(rows);
      // Newest first (occurred_at DESC): data row k is i = rows - k + 1.
      const mismatches: string[] = [];
      for (let k = 1; k <= rows; k++) {
        const i = rows - k + 1;
        const [id, country, amount, user] = parsed[k];
        const expectedCountry = [
          `a,b${i}`,
          `say "hi" ${i}`,
          `l1\nl2\r\n${i}`,
          '',
          `DE${i}`,
        ][i % 5];
        const ok =
          id.value ===
            `00000000-0000-4000-9000-${String(i).padStart(12, '0')}` &&
          country.value === expectedCountry &&
          country.quoted === (i % 5 !== 4) &&
          (i % 3 === 0
            ? amount.value === '' && !amount.quoted
            : Number(amount.value) === i / 100 && !amount.quoted) &&
          user.value === '' &&
          !user.quoted;
        if (!ok && mismatches.length < 5) {
          mismatches.push(`row ${k}: ${JSON.stringify(parsed[k])}`);
        }
      }
      expect(mismatches).toEqual([]);
    } finally {
      await product('events').where({ account_id: big }).delete();
    }
  });
});
