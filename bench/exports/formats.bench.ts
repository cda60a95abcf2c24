/**
 * Export format writers benchmark. Run: see bench/exports/README.md
 *
 * One query (the demo `events` dataset, one tenant's rows through the filter engine's export
 * path), each contender against its baseline in the same run:
 *   1. CSV: FilterExporter.exportCsv (COPY through pg-copy-streams into a file) vs `psql \copy`
 *      of the same statement with the same settings in the same snapshot mode. MB/s, ratio.
 *   2. XLSX: XlsxWriter (sheet XML on fflate's streaming zip, waits for the disk) vs exceljs'
 *      streaming WorkbookWriter (row.commit() per row), both fed by FilterExporter.exportRows.
 *      Each run in its own child process: rows/s and peak RSS (getrusage maxrss).
 *   3. PDF: PdfWriter (one Courier text run per row) vs pdfkit with hand-placed cells
 *      (`doc.text(value, x, y, {width, height, ellipsis})` per cell), on the same rows.
 * Medians of the runs and ratios; prints a JSON report and a Markdown table.
 */
import { execFile, spawn } from 'node:child_process';
import {
  createWriteStream,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createBenchDatabase } from '@internal/dev-database';
import {
  contextForVerifiedIdentity,
  FilterEngine,
  FilterExporter,
  FilterExportRequest,
} from '../../plugins/filters-node/src';
import { demoEngine } from '../../plugins/exports-backend/src/__testUtils__/throttledExporter';
import { setConfigStatement } from '../../plugins/filters-node/src/export/settingsSql';
import { PdfWriter } from '../../plugins/exports-backend/src/service/writers/PdfWriter';
import { XlsxWriter } from '../../plugins/exports-backend/src/service/writers/XlsxWriter';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CSV_RUNS = Number(process.env.BENCH_CSV_RUNS ?? 5);
const XLSX_RUNS = Number(process.env.BENCH_XLSX_RUNS ?? 1);
const PDF_RUNS = Number(process.env.BENCH_PDF_RUNS ?? 3);
const PDF_ROWS = Number(process.env.BENCH_PDF_ROWS ?? 10_000);
/** Which parts run (comma-separated): csv, xlsx, pdf. */
const FORMATS = new Set(
  (process.env.BENCH_FORMATS ?? 'csv,xlsx,pdf').split(',').map(f => f.trim()),
);
const ACCOUNT = '00000000-0000-4000-8000-0000000be0c0';
const FIELDS = [
  'id',
  'occurred_at',
  'event_type',
  'country',
  'plan',
  'amount',
  'properties',
];

interface ChildSpec {
  connection: object;
  contender: 'ours' | 'exceljs' | 'cursor';
  file: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const context = () =>
  contextForVerifiedIdentity({
    accountId: ACCOUNT,
    verifiedBy: 'bench',
    readableDataClasses: ['public'],
  });
const request: FilterExportRequest = { dataset: 'events', fields: FIELDS };

/** Child process: one XLSX contender from the cursor to a file; prints rows, seconds, maxrss. */
async function child(spec: ChildSpec) {
  const engine = demoEngine(spec.connection);
  const exporter = new FilterExporter(engine, { costThreshold: 1e12 });
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  let rows = 0;
  if (spec.contender === 'cursor') {
    // The rows alone (no file): the ceiling the query sets for any XLSX writer.
    writeFileSync(spec.file, '');
    await exporter.exportRows(request, context(), {
      columns: () => undefined,
      rows: batch => {
        rows += batch.length;
      },
    });
  } else if (spec.contender === 'ours') {
    const writer = new XlsxWriter(createWriteStream(spec.file));
    await exporter.exportRows(request, context(), {
      columns: c => writer.columns(c),
      rows: async batch => {
        await writer.rows(batch);
        rows += batch.length;
      },
    });
    await writer.end();
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ExcelJS = require('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: spec.file,
      useStyles: true,
      useSharedStrings: false,
    });
    const sheet = workbook.addWorksheet('Export');
    await exporter.exportRows(request, context(), {
      columns: c => {
        sheet.columns = c.map(col => ({ header: col.name, key: col.name }));
      },
      rows: batch => {
        for (const r of batch) sheet.addRow(r).commit();
        rows += batch.length;
      },
    });
    sheet.commit();
    await workbook.commit();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  await engine.close();
  process.stdout.write(
    JSON.stringify({
      rows,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      bytes: statSync(spec.file).size,
    }),
  );
}

async function runChild(spec: ChildSpec) {
  const proc = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      __filename,
    ],
    {
      env: { ...process.env, FORMATS_BENCH_CHILD: JSON.stringify(spec) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  proc.stdout.on('data', d => (out += d));
  const code = await new Promise(resolve => proc.on('exit', resolve));
  if (code !== 0) throw new Error(`${spec.contender} child exited ${code}`);
  return JSON.parse(out) as {
    rows: number;
    seconds: number;
    cpuSeconds: number;
    maxRssMB: number;
    bytes: number;
  };
}

/** pdfkit the plain way: every cell placed and fitted by pdfkit's text layout. */
async function pdfHandPlaced(
  out: Writable,
  columns: string[],
  rows: unknown[][],
) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const PDFDocument = require('pdfkit');
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 28 });
  doc.pipe(out);
  const width = (841.89 - 56) / columns.length;
  const lineHeight = 9.1;
  let y = 28;
  const header = () => {
    doc.font('Helvetica-Bold').fontSize(7);
    columns.forEach((c, i) =>
      doc.text(c, 28 + i * width, y, {
        width: width - 4,
        height: lineHeight,
        ellipsis: true,
      }),
    );
    y += lineHeight;
    doc.font('Helvetica');
  };
  header();
  for (const row of rows) {
    if (y > 595.28 - 28 - lineHeight) {
      doc.addPage();
      y = 28;
      header();
    }
    row.forEach((v, i) => {
      const text =
        v === null ? '' : v instanceof Date ? v.toISOString() : String(v);
      doc.text(text, 28 + i * width, y, {
        width: width - 4,
        height: lineHeight,
        ellipsis: true,
        lineBreak: false,
      });
    });
    y += lineHeight;
  }
  doc.end();
  await finished(out);
}

async function main() {
  const loadAtStart = os.loadavg()[0];
  const db = await createBenchDatabase({ productData: { eventRows: 10_000 } });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'formats-bench-'));
  const connection = { ...db.connection };
  try {
    await db.knex.raw(
      `INSERT INTO events (id, account_id, user_id, event_type, occurred_at, country, plan, amount, properties)
       SELECT ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid, ?::uuid,
              CASE WHEN i % 4 = 0 THEN NULL ELSE gen_random_uuid() END,
              (ARRAY['query.run','user.login','dashboard.view'])[1 + i % 3],
              timestamptz '2026-01-01' + i * interval '1 second',
              CASE i % 10 WHEN 0 THEN 'a,b "c"' ELSE 'DE' END, 'enterprise',
              CASE WHEN i % 3 = 0 THEN NULL ELSE i / 100.0 END,
              jsonb_build_object('browser', 'chrome', 'duration_ms', i % 1000)
       FROM generate_series(1, ?) AS i`,
      [ACCOUNT, ROWS],
    );
    await db.knex.raw('VACUUM ANALYZE events');
    const engine = demoEngine(connection);
    const exporter = new FilterExporter(engine, { costThreshold: 1e12 });
    const report: Record<string, unknown> = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model}, ${Math.round(
        os.totalmem() / 1e9,
      )} GB`,
      node: process.version,
      rows: ROWS,
      fields: FIELDS,
    };

    // 1. CSV vs psql \copy, interleaved.
    if (FORMATS.has('csv')) {
      const built = FilterEngine.build(
        engine.getDataset('events'),
        undefined,
        context(),
        {
          kind: 'rows',
          fields: FIELDS,
          unbounded: true,
        },
      );
      const settings = setConfigStatement(built.bindings);
      const settingsSql = settings.text.replace(
        /\$(\d+)/g,
        (_, n) => `'${settings.values[Number(n) - 1]}'`,
      );
      const c = connection as {
        host: string;
        port: number;
        user: string;
        password: string;
        database: string;
      };
      const url = `postgres://${c.user}:${encodeURIComponent(c.password)}@${
        c.host
      }:${c.port}/${c.database}`;
      const ours: number[] = [];
      const psql: number[] = [];
      let csvBytes = 0;
      for (let run = 0; run < CSV_RUNS; run++) {
        const file = path.join(dir, 'ours.csv');
        let t = performance.now();
        const result = await exporter.exportCsv(
          request,
          context(),
          createWriteStream(file),
        );
        ours.push((performance.now() - t) / 1000);
        csvBytes = result.bytes;
        const script = path.join(dir, 'copy.sql');
        writeFileSync(
          script,
          `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSET LOCAL TimeZone = 'UTC';\n${settingsSql};\n\\copy (${result.copySql
            .replace(/^COPY \(/, '')
            .replace(
              /\) TO STDOUT WITH \(FORMAT csv, HEADER\)$/,
              '',
            )}) TO '${path.join(
            dir,
            'psql.csv',
          )}' WITH (FORMAT csv, HEADER)\nCOMMIT;\n`,
        );
        t = performance.now();
        await promisify(execFile)('/usr/bin/psql', [
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-f',
          script,
          url,
        ]);
        psql.push((performance.now() - t) / 1000);
        const psqlBytes = statSync(path.join(dir, 'psql.csv')).size;
        if (psqlBytes !== csvBytes)
          throw new Error(`psql wrote ${psqlBytes} bytes, ours ${csvBytes}`);
      }
      const mb = csvBytes / 1e6;
      report.csv = {
        bytes: csvBytes,
        runs: CSV_RUNS,
        oursMBps: mb / median(ours),
        psqlMBps: mb / median(psql),
        ratio: median(psql) / median(ours),
        oursSeconds: ours,
        psqlSeconds: psql,
      };
    }

    // 2. XLSX, one child process per contender and run (peak RSS is per process).
    if (FORMATS.has('xlsx')) {
      const xlsx: Record<
        string,
        {
          rowsPerS: number[];
          cpuSeconds: number[];
          maxRssMB: number[];
          bytes: number;
        }
      > = {
        ours: { rowsPerS: [], cpuSeconds: [], maxRssMB: [], bytes: 0 },
        exceljs: { rowsPerS: [], cpuSeconds: [], maxRssMB: [], bytes: 0 },
        cursor: { rowsPerS: [], cpuSeconds: [], maxRssMB: [], bytes: 0 },
      };
      const contenders = ['ours', 'exceljs', 'cursor'] as const;
      for (let run = 0; run < XLSX_RUNS; run++) {
        // Order rotated per run: no contender always runs first or last.
        for (let k = 0; k < contenders.length; k++) {
          const contender = contenders[(run + k) % contenders.length];
          const file = path.join(dir, `${contender}.xlsx`);
          const r = await runChild({ connection, contender, file });
          if (r.rows !== ROWS)
            throw new Error(`${contender} wrote ${r.rows} rows`);
          xlsx[contender].rowsPerS.push(r.rows / r.seconds);
          xlsx[contender].cpuSeconds.push(r.cpuSeconds);
          xlsx[contender].maxRssMB.push(r.maxRssMB);
          xlsx[contender].bytes = r.bytes;
          rmSync(file);
        }
      }
      report.xlsx = {
        runs: XLSX_RUNS,
        oursRowsPerS: median(xlsx.ours.rowsPerS),
        exceljsRowsPerS: median(xlsx.exceljs.rowsPerS),
        ratio: median(xlsx.ours.rowsPerS) / median(xlsx.exceljs.rowsPerS),
        oursCpuSeconds: median(xlsx.ours.cpuSeconds),
        exceljsCpuSeconds: median(xlsx.exceljs.cpuSeconds),
        cursorOnlyCpuSeconds: median(xlsx.cursor.cpuSeconds),
        oursPeakRssMB: median(xlsx.ours.maxRssMB),
        oursMaxPeakRssMB: Math.max(...xlsx.ours.maxRssMB),
        exceljsPeakRssMB: median(xlsx.exceljs.maxRssMB),
        cursorOnlyRowsPerS: median(xlsx.cursor.rowsPerS),
        cursorOnlyPeakRssMB: median(xlsx.cursor.maxRssMB),
        oursBytes: xlsx.ours.bytes,
        exceljsBytes: xlsx.exceljs.bytes,
        detail: xlsx,
      };
    }

    // 3. PDF on the first PDF_ROWS rows of the same query.
    if (FORMATS.has('pdf')) {
      const rows: unknown[][] = [];
      let columns: { name: string; type: never }[] = [];
      await exporter
        .exportRows(request, context(), {
          columns: cs => {
            columns = cs as never;
          },
          rows: batch => {
            if (rows.length < PDF_ROWS)
              rows.push(...batch.slice(0, PDF_ROWS - rows.length));
            if (rows.length >= PDF_ROWS) throw new Error('enough');
          },
        })
        .catch(e => {
          if (e.message !== 'enough') throw e;
        });
      const pdfOurs: number[] = [];
      const pdfBase: number[] = [];
      for (let run = 0; run < PDF_RUNS; run++) {
        let t = performance.now();
        const w = new PdfWriter(createWriteStream(path.join(dir, 'ours.pdf')), {
          title: 'bench',
        });
        await w.columns(columns);
        for (let i = 0; i < rows.length; i += 2000)
          await w.rows(rows.slice(i, i + 2000));
        await w.end();
        pdfOurs.push((performance.now() - t) / 1000);
        t = performance.now();
        await pdfHandPlaced(
          createWriteStream(path.join(dir, 'base.pdf')),
          columns.map(col => col.name),
          rows,
        );
        pdfBase.push((performance.now() - t) / 1000);
      }
      report.pdf = {
        rows: rows.length,
        runs: PDF_RUNS,
        oursRowsPerS: rows.length / median(pdfOurs),
        handPlacedRowsPerS: rows.length / median(pdfBase),
        ratio: median(pdfBase) / median(pdfOurs),
        oursBytes: statSync(path.join(dir, 'ours.pdf')).size,
        handPlacedBytes: statSync(path.join(dir, 'base.pdf')).size,
        oursSeconds: pdfOurs,
        handPlacedSeconds: pdfBase,
      };
    }
    await engine.close();

    console.log(JSON.stringify(report, null, 2));
    const f = (n: number, d = 0) =>
      n.toLocaleString('en-US', {
        maximumFractionDigits: d,
        minimumFractionDigits: d,
      });
    const csv = report.csv as any;
    const x = report.xlsx as any;
    const p = report.pdf as any;
    const lines = [
      '| format | contender | median | baseline | baseline median | ratio |',
      '| --- | --- | --- | --- | --- | --- |',
    ];
    if (csv) {
      lines.push(
        `| CSV (${f(
          csv.bytes / 1e6,
        )} MB, ${CSV_RUNS} runs) | FilterExporter.exportCsv | ${f(
          csv.oursMBps,
          1,
        )} MB/s | psql \\copy | ${f(csv.psqlMBps, 1)} MB/s | ${f(
          csv.ratio,
          2,
        )}× |`,
      );
    }
    if (x) {
      lines.push(
        `| XLSX (${f(ROWS)} rows, ${XLSX_RUNS} run(s)) | XlsxWriter | ${f(
          x.oursRowsPerS,
        )} rows/s, peak RSS ${f(x.oursPeakRssMB)} MB, CPU ${f(
          x.oursCpuSeconds,
          1,
        )} s | exceljs streaming | ${f(x.exceljsRowsPerS)} rows/s, peak RSS ${f(
          x.exceljsPeakRssMB,
        )} MB, CPU ${f(x.exceljsCpuSeconds, 1)} s | ${f(x.ratio, 2)}× |`,
        `| XLSX ceiling | the cursor alone (rows read, no file) | ${f(
          x.cursorOnlyRowsPerS,
        )} rows/s, peak RSS ${f(x.cursorOnlyPeakRssMB)} MB, CPU ${f(
          x.cursorOnlyCpuSeconds,
          1,
        )} s | | | |`,
      );
    }
    if (p) {
      lines.push(
        `| PDF (${f(p.rows)} rows, ${PDF_RUNS} runs) | PdfWriter | ${f(
          p.oursRowsPerS,
        )} rows/s | pdfkit hand-placed cells | ${f(
          p.handPlacedRowsPerS,
        )} rows/s | ${f(p.ratio, 2)}× |`,
      );
    }
    console.log(`\n${lines.join('\n')}`);
    console.log(
      `load average (1 min) at start ${f(loadAtStart, 2)}, at end ${f(
        os.loadavg()[0],
        2,
      )} on ${os.cpus().length} cores`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.destroy();
  }
}

if (process.env.FORMATS_BENCH_CHILD) {
  child(JSON.parse(process.env.FORMATS_BENCH_CHILD)).catch(e => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch(e => {
    console.error(e);
    process.exit(1);
  });
}
