import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { PdfWriter } from './PdfWriter';
import { pdfPages } from './testUtils/pdfPages';

// Parsing the PDF back (pdf-parse) takes seconds on a busy machine: more than jest's 5 s default.
jest.setTimeout(30_000);

async function readPages(pdf: Buffer): Promise<string[]> {
  const path = join(mkdtempSync(join(tmpdir(), 'pdf-writer-')), 'out.pdf');
  writeFileSync(path, pdf);
  return pdfPages(path);
}

describe('PdfWriter', () => {
  it('writes a table over several pages with the header on every page', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', c => chunks.push(c));
    const writer = new PdfWriter(out, { title: 'events export' });
    await writer.columns([
      { name: 'id', type: 'uuid' },
      { name: 'occurred_at', type: 'timestamp' },
      { name: 'amount', type: 'number' },
      { name: 'country', type: 'string' },
    ]);
    const rows = Array.from({ length: 250 }, (_, i) => [
      `row-${String(i).padStart(4, '0')}`,
      new Date(Date.UTC(2026, 10, 30, 12, 0, i)),
      i % 4 === 0 ? null : i / 2,
      i === 7 ? `multi\nline ${'x'.repeat(80)}` : 'DE',
    ]);
    await writer.rows(rows.slice(0, 100));
    await writer.rows(rows.slice(100));
    await writer.end();
    const pdf = Buffer.concat(chunks);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.subarray(-6).toString()).toMatch(/%%EOF\s*$/);

    const pages = await readPages(pdf);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((text, i) => {
      const lines = text.split('\n');
      expect(lines[0]).toBe(`events export · page ${i + 1}`);
      expect(lines[1]).toMatch(/^id\s+occurred_at\s+amount\s+country$/);
    });
    const dataLines = pages.flatMap(p =>
      p.split('\n').filter(l => l.startsWith('row-')),
    );
    expect(dataLines.length).toBe(250);
    expect(dataLines[1]).toMatch(
      /^row-0001\s+2026-11-30 12:00:01\s+0\.5\s+DE$/,
    );
    // One line per row: newlines inside a value become spaces, long values are cut.
    expect(dataLines[7]).toMatch(/multi line x+…$/);
  });

  it('writes a valid one-page document for an empty result', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', c => chunks.push(c));
    const writer = new PdfWriter(out);
    await writer.columns([{ name: 'id', type: 'uuid' }]);
    await writer.end();
    const pages = await readPages(Buffer.concat(chunks));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatch(/^Export · page 1\nid/);
  });
});
