import { Writable } from 'node:stream';
import { ExportFormat } from '@internal/plugin-exports-common';
import { PdfWriter } from './PdfWriter';
import { RowFileWriter } from './RowFileWriter';
import { XlsxWriter, XlsxWriterOptions } from './XlsxWriter';

export interface RowWriterOptions {
  /** The PDF's title line. */
  title: string;
  xlsx?: XlsxWriterOptions;
}

/** File writers of the formats made from row batches (CSV comes straight from COPY). */
export const ROW_WRITERS: Record<
  Exclude<ExportFormat, 'csv'>,
  (out: Writable, options: RowWriterOptions) => RowFileWriter
> = {
  xlsx: (out, options) => new XlsxWriter(out, options.xlsx),
  pdf: (out, options) => new PdfWriter(out, { title: options.title }),
};
