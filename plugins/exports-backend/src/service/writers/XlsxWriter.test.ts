import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import { crc32 } from 'node:zlib';
import { XlsxWriter } from './XlsxWriter';
import { columnLetters, escapeXmlText, excelSerial } from './xlsxParts';

async function writeXlsx(
  rows: unknown[][],
  maxRowsPerSheet?: number,
): Promise<ExcelJS.Workbook> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', c => chunks.push(c));
  const writer = new XlsxWriter(out, { maxRowsPerSheet });
  await writer.columns([
    { name: 'id', type: 'uuid' },
    { name: 'at', type: 'timestamp' },
    { name: 'amount', type: 'number' },
    { name: 'note', type: 'string' },
    { name: 'flag', type: 'boolean' },
  ]);
  for (let i = 0; i < rows.length; i += 3)
    await writer.rows(rows.slice(i, i + 3));
  await writer.end();
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.concat(chunks) as never);
  return workbook;
}

describe('XlsxWriter', () => {
  const at = new Date('2026-11-30T12:34:56.000Z');
  const rows = Array.from({ length: 10 }, (_, i) => [
    `id-${i}`,
    at,
    i % 3 === 0 ? null : i * 1.25,
    i === 4 ? 'a,"b" <c> & d\nline\u0001' : `note ${i}`,
    i % 2 === 0,
  ]);

  it('writes typed cells under a header: numbers, dates, booleans, strings, NULL as empty', async () => {
    const workbook = await writeXlsx(rows);
    expect(workbook.worksheets.map(w => w.name)).toEqual(['Export']);
    const sheet = workbook.worksheets[0];
    expect(sheet.getRow(1).values).toEqual([
      undefined,
      'id',
      'at',
      'amount',
      'note',
      'flag',
    ]);
    expect(sheet.rowCount).toBe(11);
    const second = sheet.getRow(3);
    expect(second.getCell(1).value).toBe('id-1');
    expect(second.getCell(2).value).toEqual(at);
    expect(second.getCell(3).value).toBe(1.25);
    expect(second.getCell(5).value).toBe(false);
    expect(sheet.getRow(2).getCell(3).value).toBeNull();
    expect(sheet.getRow(6).getCell(4).value).toBe('a,"b" <c> & d\nline_x0001_');
  });

  it('continues on a new sheet with the header repeated past the sheet row limit', async () => {
    const workbook = await writeXlsx(rows, 4);
    expect(workbook.worksheets.map(w => w.name)).toEqual([
      'Export',
      'Export (2)',
      'Export (3)',
    ]);
    const ids = workbook.worksheets.flatMap(sheet => {
      expect(sheet.getRow(1).getCell(1).value).toBe('id');
      const values: unknown[] = [];
      sheet.eachRow((row, n) => {
        if (n > 1) values.push(row.getCell(1).value);
      });
      return values;
    });
    expect(ids).toEqual(rows.map(r => r[0]));
    expect(workbook.worksheets.map(s => s.rowCount)).toEqual([5, 5, 3]);
  });

  it('keeps enum values in a shared strings table and whitespace as written', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', c => chunks.push(c));
    const writer = new XlsxWriter(out);
    await writer.columns([
      { name: 'kind', type: 'enum' },
      { name: 'note', type: 'string' },
    ]);
    const kinds = ['query.run', 'user.login', 'a & <b>'];
    const notes = [
      '  leading',
      'trailing ',
      'two\nlines',
      'tab\there',
      '',
      'x  y',
    ];
    const written = Array.from({ length: 12 }, (_, i) => [
      kinds[i % kinds.length],
      notes[i % notes.length],
    ]);
    await writer.rows(written.slice(0, 5));
    await writer.rows(written.slice(5));
    await writer.end();
    const file = Buffer.concat(chunks);
    const entries = Object.keys(unzipSync(new Uint8Array(file)));
    expect(entries).toContain('xl/sharedStrings.xml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file as never);
    const sheet = workbook.worksheets[0];
    const read: unknown[][] = [];
    sheet.eachRow((row, n) => {
      if (n > 1) read.push([row.getCell(1).value, row.getCell(2).value]);
    });
    // An empty string is an empty text cell, which reads back as no value (as in Excel).
    expect(read).toEqual(written.map(([k, n]) => [k, n === '' ? null : n]));
  });

  it('records each entry with the CRC-32 and size of its content', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', c => chunks.push(c));
    const writer = new XlsxWriter(out, { maxRowsPerSheet: 1800 });
    await writer.columns([
      { name: 'id', type: 'string' },
      { name: 'kind', type: 'enum' },
    ]);
    for (let i = 0; i < 2000; i += 500) {
      await writer.rows(
        // ~0.3 MB of XML per batch: the 1 MiB XML buffer fills within the first sheet.
        Array.from({ length: 500 }, (_, j) => [
          `row ${i + j} ${'x'.repeat(600)}`,
          `k${j % 7}`,
        ]),
      );
    }
    await writer.end();
    const file = Buffer.concat(chunks);
    const contents = unzipSync(new Uint8Array(file));
    // The end record gives the central directory: 46 bytes + name, extra, comment per entry.
    const end = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const recorded: Record<string, { crc: number; size: number }> = {};
    let offset = file.readUInt32LE(end + 16);
    for (let n = file.readUInt16LE(end + 10); n > 0; n--) {
      expect(file.readUInt32LE(offset)).toBe(0x02014b50);
      const nameLength = file.readUInt16LE(offset + 28);
      recorded[file.toString('utf8', offset + 46, offset + 46 + nameLength)] = {
        crc: file.readUInt32LE(offset + 16),
        size: file.readUInt32LE(offset + 24),
      };
      offset +=
        46 +
        nameLength +
        file.readUInt16LE(offset + 30) +
        file.readUInt16LE(offset + 32);
    }
    expect(Object.keys(recorded).sort()).toEqual(Object.keys(contents).sort());
    for (const [name, content] of Object.entries(contents)) {
      expect(recorded[name]).toEqual({
        crc: crc32(content),
        size: content.length,
      });
    }
  });

  it('writes a row larger than its XML buffer', async () => {
    const wide = Array.from({ length: 12 }, (_, i) =>
      String.fromCharCode(97 + i).repeat(30_000),
    );
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', c => chunks.push(c));
    const writer = new XlsxWriter(out);
    await writer.columns(
      wide.map((_, i) => ({ name: `c${i}`, type: 'string' as const })),
    );
    await writer.rows([['before'], wide, ['after']]);
    await writer.end();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.concat(chunks) as never);
    const sheet = workbook.worksheets[0];
    expect(sheet.getRow(2).getCell(1).value).toBe('before');
    expect((sheet.getRow(3).values as unknown[]).slice(1)).toEqual(wide);
    expect(sheet.getRow(4).getCell(1).value).toBe('after');
  });

  it('writes a header-only workbook for an empty result', async () => {
    const workbook = await writeXlsx([]);
    expect(workbook.worksheets[0].rowCount).toBe(1);
  });

  it('refuses a cell longer than Excel allows with size_limit naming the field', async () => {
    await expect(
      writeXlsx([['x', null, null, 'y'.repeat(40_000), true]]),
    ).rejects.toMatchObject({
      type: 'size_limit',
      message: expect.stringMatching(/Field "note" of row 2.*32767/),
    });
  });

  it('computes column letters, escapes and serial dates', () => {
    expect([0, 25, 26, 701, 702].map(columnLetters)).toEqual([
      'A',
      'Z',
      'AA',
      'ZZ',
      'AAA',
    ]);
    expect(escapeXmlText('plain')).toBe('plain');
    expect(excelSerial(new Date('1970-01-01T00:00:00Z'))).toBe(25569);
    expect(excelSerial(new Date('2026-01-01T12:00:00Z'))).toBe(46023.5);
  });
});
