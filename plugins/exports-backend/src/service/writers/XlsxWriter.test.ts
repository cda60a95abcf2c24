import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
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
