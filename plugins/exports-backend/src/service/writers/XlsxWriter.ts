import { finished } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { Zip } from 'fflate';
import { FilterExportColumn } from '@internal/plugin-filters-node';
import { NativeZipDeflate } from './NativeZipDeflate';
import { RowFileWriter, writeWithBackpressure } from './RowFileWriter';
import { RunAbortedError } from './RunAbortedError';
import {
  columnLetters,
  contentTypesXml,
  escapeXmlText,
  excelSerial,
  ROOT_RELS_XML,
  SHEET_END,
  sheetPath,
  sheetStart,
  STYLE_DATE,
  STYLE_HEADER,
  STYLES_XML,
  workbookRelsXml,
  workbookXml,
} from './xlsxParts';

/** Rows of a worksheet (1,048,576) minus the header row. */
export const XLSX_MAX_DATA_ROWS_PER_SHEET = 1_048_575;
/** Characters a cell holds at most. */
export const XLSX_MAX_CELL_CHARS = 32_767;

export interface XlsxWriterOptions {
  /** Data rows per sheet before the next sheet (with the header again) begins. */
  maxRowsPerSheet?: number;
  /** Deflate level of the sheets (default 1: fast, the XML still shrinks ~10×). */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

const WIDTH_BY_TYPE: Record<string, number | undefined> = {
  timestamp: 20,
  uuid: 38,
};

/**
 * Streams an XLSX workbook: the sheet XML is generated per batch (inline strings, no shared
 * strings table, so memory does not grow with the rows) and deflated by fflate's streaming
 * zip (entries deflated by Node's zlib) as it is pushed; each batch waits for `out` to drain, so the database is read only as
 * fast as storage takes the file. Numbers are number cells, timestamps date cells (UTC),
 * booleans boolean cells, NULL an absent cell.
 */
export class XlsxWriter implements RowFileWriter {
  private readonly zip: Zip;
  private readonly maxRowsPerSheet: number;
  private readonly level: NonNullable<XlsxWriterOptions['level']>;
  private readonly output: Uint8Array[] = [];
  private zipError: Error | undefined;
  private columnRefs: string[] = [];
  private columnNames: string[] = [];
  private widths: (number | undefined)[] = [];
  private sheet: NativeZipDeflate | undefined;
  private sheets = 0;
  /** Data rows in the current sheet. */
  private sheetRows = 0;
  rowsWritten = 0;

  constructor(private readonly out: Writable, options: XlsxWriterOptions = {}) {
    this.maxRowsPerSheet =
      options.maxRowsPerSheet ?? XLSX_MAX_DATA_ROWS_PER_SHEET;
    this.level = options.level ?? 1;
    this.zip = new Zip((error, data) => {
      if (error) this.zipError = error;
      else this.output.push(data);
    });
  }

  async columns(columns: FilterExportColumn[]): Promise<void> {
    this.columnRefs = columns.map((_, i) => columnLetters(i));
    this.columnNames = columns.map(c => c.name);
    this.widths = columns.map(c => WIDTH_BY_TYPE[c.type]);
    this.startSheet();
    await this.flush();
  }

  async rows(batch: unknown[][]): Promise<void> {
    let xml = '';
    for (const row of batch) {
      if (this.sheetRows === this.maxRowsPerSheet) {
        this.push(xml);
        xml = '';
        this.endSheet();
        this.startSheet();
      }
      this.sheetRows++;
      this.rowsWritten++;
      xml += this.rowXml(this.sheetRows + 1, row);
    }
    this.push(xml);
    await this.flush();
  }

  async end(): Promise<void> {
    if (!this.sheet) this.startSheet();
    this.endSheet();
    this.addPart('[Content_Types].xml', contentTypesXml(this.sheets));
    this.addPart('_rels/.rels', ROOT_RELS_XML);
    this.addPart('xl/workbook.xml', workbookXml(this.sheets));
    this.addPart('xl/_rels/workbook.xml.rels', workbookRelsXml(this.sheets));
    this.addPart('xl/styles.xml', STYLES_XML);
    this.zip.end();
    await this.flush();
    this.out.end();
    await finished(this.out);
  }

  private startSheet() {
    this.sheets++;
    this.sheetRows = 0;
    this.sheet = new NativeZipDeflate(sheetPath(this.sheets), this.level);
    this.zip.add(this.sheet);
    let header = '<row r="1">';
    this.columnNames.forEach((name, i) => {
      header += `<c r="${
        this.columnRefs[i]
      }1" t="inlineStr" s="${STYLE_HEADER}"><is><t>${escapeXmlText(
        name,
      )}</t></is></c>`;
    });
    this.push(`${sheetStart(this.widths)}${header}</row>`);
  }

  private endSheet() {
    this.sheet!.push(Buffer.from(SHEET_END), true);
    this.sheet = undefined;
  }

  private addPart(name: string, xml: string) {
    const part = new NativeZipDeflate(name, this.level);
    this.zip.add(part);
    part.push(Buffer.from(xml), true);
  }

  private push(xml: string) {
    if (xml) this.sheet!.push(Buffer.from(xml));
  }

  private rowXml(r: number, row: unknown[]): string {
    let xml = `<row r="${r}">`;
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (v === null || v === undefined) continue;
      const ref = `${this.columnRefs[i]}${r}`;
      if (typeof v === 'number') {
        xml += Number.isFinite(v)
          ? `<c r="${ref}"><v>${v}</v></c>`
          : this.stringCell(ref, String(v), r, i);
      } else if (v instanceof Date) {
        const t = v.getTime();
        if (!Number.isNaN(t)) {
          xml += `<c r="${ref}" s="${STYLE_DATE}"><v>${excelSerial(v)}</v></c>`;
        }
      } else if (typeof v === 'boolean') {
        xml += `<c r="${ref}" t="b"><v>${v ? 1 : 0}</v></c>`;
      } else {
        xml += this.stringCell(ref, String(v), r, i);
      }
    }
    return `${xml}</row>`;
  }

  private stringCell(ref: string, text: string, r: number, column: number) {
    if (text.length > XLSX_MAX_CELL_CHARS) {
      throw new RunAbortedError(
        'size_limit',
        `Field "${this.columnNames[column]}" of row ${r} in sheet ${this.sheets} has ${text.length} characters; an XLSX cell holds at most ${XLSX_MAX_CELL_CHARS}: export it as CSV`,
      );
    }
    return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeXmlText(
      text,
    )}</t></is></c>`;
  }

  /** Hands the zip's output to `out`, waiting whenever `out` is full. */
  private async flush() {
    if (this.zipError) throw this.zipError;
    while (this.output.length > 0) {
      await writeWithBackpressure(this.out, this.output.shift()!);
    }
  }
}
