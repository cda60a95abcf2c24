import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { Zip } from 'fflate';
import { FilterExportColumn } from '@internal/plugin-filters-node';
import { NativeZipDeflate } from './NativeZipDeflate';
import { RowFileWriter } from './RowFileWriter';
import { RunAbortedError } from './RunAbortedError';
import {
  columnLetters,
  contentTypesXml,
  escapeXmlText,
  excelSerial,
  ROOT_RELS_XML,
  SHEET_END,
  sharedStringsXml,
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
/** Distinct enum values kept in the shared strings table; further values are inline. */
export const XLSX_MAX_SHARED_STRINGS = 10_000;
/** Sheet XML is encoded into one buffer of this size and deflated whenever it is full. */
const XML_BUFFER_BYTES = 1024 * 1024;

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

/** Leading or trailing whitespace, line breaks, tabs or runs of spaces need xml:space. */
function needsPreserve(text: string): boolean {
  const last = text.length - 1;
  return (
    text.charCodeAt(0) <= 32 ||
    text.charCodeAt(last) <= 32 ||
    text.includes('\n') ||
    text.includes('\t') ||
    text.includes('  ')
  );
}

/**
 * Streams an XLSX workbook: the sheet XML is generated per batch (inline strings; values of
 * enum columns, a bounded set, in a shared strings table written at the end), encoded into a
 * 1 MiB buffer and deflated by Node's zlib onto fflate's streaming zip whenever it fills. A
 * batch is written while the next is fetched; `rows` waits for the previous batch, which
 * waits when `out` is full, so memory stays bounded and the database is read only as fast as
 * storage takes the file. Numbers are number cells, timestamps date cells (UTC),
 * booleans boolean cells, NULL an absent cell.
 */
export class XlsxWriter implements RowFileWriter {
  private readonly zip: Zip;
  private readonly zipDone: Promise<void>;
  private readonly maxRowsPerSheet: number;
  private readonly level: NonNullable<XlsxWriterOptions['level']>;
  private zipError: Error | undefined;
  /**
   * The current sheet's XML not deflated yet, encoded row by row: neither a batch-sized
   * string nor a buffer per batch is allocated.
   */
  private readonly xml = Buffer.allocUnsafe(XML_BUFFER_BYTES);
  private xmlBytes = 0;
  /** The last batch handed to rows(), written in the background. */
  private previous: Promise<void> = Promise.resolve();
  /** `<c r="A` … per column: a cell is its prefix, the row number and the rest. */
  private cellPrefixes: string[] = [];
  private columnNames: string[] = [];
  private sharedColumns: boolean[] = [];
  private readonly shared = new Map<string, number>();
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
    let zipFinished: () => void;
    this.zipDone = new Promise(resolve => {
      zipFinished = resolve;
    });
    this.zip = new Zip((error, data, final) => {
      if (error) {
        this.zipError = error;
        zipFinished();
        return;
      }
      this.out.write(data);
      if (final) zipFinished();
    });
  }

  async columns(columns: FilterExportColumn[]): Promise<void> {
    this.cellPrefixes = columns.map((_, i) => `<c r="${columnLetters(i)}`);
    this.columnNames = columns.map(c => c.name);
    this.sharedColumns = columns.map(c => c.type === 'enum');
    this.widths = columns.map(c => WIDTH_BY_TYPE[c.type]);
    this.startSheet();
    await this.settle();
  }

  /**
   * Takes a batch and returns before its XML is built (after the previous batch was built):
   * building it then overlaps with the caller fetching the next one from the database.
   */
  async rows(batch: unknown[][]): Promise<void> {
    await this.previous;
    this.previous = new Promise(resolve => setImmediate(resolve)).then(() =>
      this.writeBatch(batch),
    );
    // Its failure is thrown by the next rows() or end().
    this.previous.catch(() => undefined);
  }

  private async writeBatch(batch: unknown[][]): Promise<void> {
    for (const row of batch) {
      if (this.sheetRows === this.maxRowsPerSheet) {
        this.endSheet();
        this.startSheet();
      }
      this.sheetRows++;
      this.rowsWritten++;
      this.write(this.rowXml(this.sheetRows + 1, row));
    }
    await this.settle();
  }

  async end(): Promise<void> {
    await this.previous;
    if (!this.sheet) this.startSheet();
    this.endSheet();
    const hasShared = this.shared.size > 0;
    if (hasShared) {
      this.addPart('xl/sharedStrings.xml', sharedStringsXml(this.shared));
    }
    this.addPart(
      '[Content_Types].xml',
      contentTypesXml(this.sheets, hasShared),
    );
    this.addPart('_rels/.rels', ROOT_RELS_XML);
    this.addPart('xl/workbook.xml', workbookXml(this.sheets));
    this.addPart(
      'xl/_rels/workbook.xml.rels',
      workbookRelsXml(this.sheets, hasShared),
    );
    this.addPart('xl/styles.xml', STYLES_XML);
    this.zip.end();
    await this.zipDone;
    if (this.zipError) throw this.zipError;
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
      header += `${
        this.cellPrefixes[i]
      }1" t="inlineStr" s="${STYLE_HEADER}"><is><t>${escapeXmlText(
        name,
      )}</t></is></c>`;
    });
    this.write(`${sheetStart(this.widths)}${header}</row>`);
  }

  private endSheet() {
    this.write(SHEET_END);
    this.sheet!.push(this.xml.subarray(0, this.xmlBytes), true);
    this.xmlBytes = 0;
    this.sheet = undefined;
  }

  private addPart(name: string, xml: string) {
    const part = new NativeZipDeflate(name, this.level);
    this.zip.add(part);
    part.push(Buffer.from(xml), true);
  }

  /** Appends XML to the current sheet, deflating the buffered XML first when it is full. */
  private write(xml: string) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.xmlBytes + xml.length * 3 > this.xml.length) {
      if (this.xmlBytes > 0)
        this.sheet!.push(this.xml.subarray(0, this.xmlBytes));
      this.xmlBytes = 0;
      if (xml.length * 3 > this.xml.length) {
        this.sheet!.push(Buffer.from(xml));
        return;
      }
    }
    this.xmlBytes += this.xml.write(xml, this.xmlBytes);
  }

  /** Throws what the zip reported; waits while `out` is full. */
  private async settle() {
    if (this.zipError) throw this.zipError;
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
  }

  private rowXml(r: number, row: unknown[]): string {
    const rs = String(r);
    let xml = `<row r="${rs}">`;
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (v === null || v === undefined) continue;
      if (typeof v === 'number') {
        xml += Number.isFinite(v)
          ? `${this.cellPrefixes[i]}${rs}"><v>${v}</v></c>`
          : this.stringCell(i, rs, String(v));
      } else if (v instanceof Date) {
        if (!Number.isNaN(v.getTime())) {
          xml += `${
            this.cellPrefixes[i]
          }${rs}" s="${STYLE_DATE}"><v>${excelSerial(v)}</v></c>`;
        }
      } else if (typeof v === 'boolean') {
        xml += `${this.cellPrefixes[i]}${rs}" t="b"><v>${v ? 1 : 0}</v></c>`;
      } else {
        xml += this.stringCell(i, rs, String(v));
      }
    }
    return `${xml}</row>`;
  }

  private stringCell(column: number, rs: string, text: string) {
    if (text.length > XLSX_MAX_CELL_CHARS) {
      throw new RunAbortedError(
        'size_limit',
        `Field "${this.columnNames[column]}" of row ${rs} in sheet ${this.sheets} has ${text.length} characters; an XLSX cell holds at most ${XLSX_MAX_CELL_CHARS}: export it as CSV`,
      );
    }
    if (this.sharedColumns[column]) {
      let index = this.shared.get(text);
      if (index === undefined && this.shared.size < XLSX_MAX_SHARED_STRINGS) {
        index = this.shared.size;
        this.shared.set(text, index);
      }
      if (index !== undefined) {
        return `${this.cellPrefixes[column]}${rs}" t="s"><v>${index}</v></c>`;
      }
    }
    return `${this.cellPrefixes[column]}${rs}" t="inlineStr"><is><t${
      needsPreserve(text) ? ' xml:space="preserve"' : ''
    }>${escapeXmlText(text)}</t></is></c>`;
  }
}
