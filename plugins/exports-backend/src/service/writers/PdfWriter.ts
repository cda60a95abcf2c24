import { finished } from 'node:stream/promises';
import { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { FilterExportColumn } from '@internal/plugin-filters-node';
import { RowFileWriter } from './RowFileWriter';

export interface PdfWriterOptions {
  /** Printed above the header on every page, with the page number. */
  title?: string;
  fontSize?: number;
}

const PAGE = { width: 841.89, height: 595.28 }; // A4 landscape
const MARGIN = 28;
/** Courier's advance width is 600/1000 em for every glyph: columns are character counts. */
const COURIER_EM = 0.6;
const GAP = 2;
/** Characters a column gets before the page width is shared out. */
const CHARS_BY_TYPE: Record<string, number> = {
  uuid: 36,
  timestamp: 19,
  number: 12,
  boolean: 5,
  enum: 14,
  string: 24,
  jsonb: 40,
};
/** Output the document may buffer ahead of storage before a batch waits. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    return Number.isNaN(value.getTime())
      ? ''
      : value.toISOString().slice(0, 19).replace('T', ' ');
  }
  return String(value).replace(/[\r\n\t]+/g, ' ');
}

/**
 * A PDF table with pdfkit: one text run per row in Courier, whose fixed glyph width makes
 * each column a number of characters (cut with "…" when longer), so no cell is measured or
 * wrapped; the header (bold, ruled) opens every page. Pages are written as they fill, and a
 * batch waits while more than 1 MB of output is waiting for storage.
 */
export class PdfWriter implements RowFileWriter {
  private readonly doc: PDFKit.PDFDocument;
  private readonly fontSize: number;
  private readonly lineHeight: number;
  private widths: number[] = [];
  private numeric: boolean[] = [];
  private header = '';
  private page = 0;
  private y = 0;
  rowsWritten = 0;

  constructor(
    private readonly out: Writable,
    private readonly options: PdfWriterOptions = {},
  ) {
    this.fontSize = options.fontSize ?? 7;
    this.lineHeight = this.fontSize * 1.3;
    this.doc = new PDFDocument({
      size: 'A4',
      layout: 'landscape',
      margin: MARGIN,
      autoFirstPage: false,
      info: { Title: options.title ?? 'Export', Producer: 'Platform Portal' },
    });
    this.doc.pipe(out);
  }

  async columns(columns: FilterExportColumn[]): Promise<void> {
    const lineChars = Math.floor(
      (PAGE.width - 2 * MARGIN) / (this.fontSize * COURIER_EM),
    );
    const wanted = columns.map(c =>
      Math.max(c.name.length, CHARS_BY_TYPE[c.type] ?? 16),
    );
    const available = lineChars - GAP * (columns.length - 1);
    const total = wanted.reduce((a, b) => a + b, 0);
    this.widths =
      total <= available
        ? wanted
        : wanted.map(w => Math.max(3, Math.floor((w * available) / total)));
    this.numeric = columns.map(c => c.type === 'number');
    this.header = this.line(columns.map(c => c.name));
    this.newPage();
  }

  async rows(batch: unknown[][]): Promise<void> {
    const bottom = PAGE.height - MARGIN - this.lineHeight;
    for (const row of batch) {
      if (this.y > bottom) this.newPage();
      this.doc.text(this.line(row.map(cellText)), MARGIN, this.y, {
        lineBreak: false,
      });
      this.y += this.lineHeight;
      this.rowsWritten++;
    }
    while (this.doc.readableLength > MAX_BUFFERED_BYTES) {
      await new Promise(resolve => setTimeout(resolve, 5));
    }
  }

  async end(): Promise<void> {
    if (this.page === 0) this.newPage();
    this.doc.end();
    await finished(this.out);
  }

  private line(cells: string[]): string {
    let text = '';
    for (let i = 0; i < cells.length; i++) {
      const width = this.widths[i];
      let cell = cells[i];
      if (cell.length > width) cell = `${cell.slice(0, width - 1)}…`;
      else if (i < cells.length - 1 || this.numeric[i]) {
        cell = this.numeric[i] ? cell.padStart(width) : cell.padEnd(width);
      }
      text += i === 0 ? cell : `${' '.repeat(GAP)}${cell}`;
    }
    return text;
  }

  private newPage() {
    this.doc.addPage();
    this.page++;
    let y = MARGIN;
    const title = `${this.options.title ?? 'Export'} · page ${this.page}`;
    this.doc
      .font('Courier')
      .fontSize(this.fontSize)
      .text(title, MARGIN, y, { lineBreak: false });
    y += this.lineHeight * 1.5;
    this.doc
      .font('Courier-Bold')
      .text(this.header, MARGIN, y, { lineBreak: false });
    y += this.lineHeight;
    this.doc
      .moveTo(MARGIN, y - 1.5)
      .lineTo(PAGE.width - MARGIN, y - 1.5)
      .lineWidth(0.5)
      .stroke();
    this.doc.font('Courier');
    this.y = y + 1;
  }
}
