import { Config } from '@backstage/config';
import { ExportFormat } from '@internal/plugin-exports-common';

/** Size limits of one format; a run over either fails with `size_limit`. */
export interface FormatLimits {
  maxRows?: number;
  maxBytes: number;
}

export type ExportLimits = Record<ExportFormat, FormatLimits>;

const GIB = 1024 ** 3;

export const DEFAULT_EXPORT_LIMITS: ExportLimits = {
  csv: { maxBytes: GIB },
  xlsx: { maxBytes: GIB },
  // A table of more rows is not read by anyone; the cap keeps a PDF run short.
  pdf: { maxRows: 10_000, maxBytes: 256 * 1024 ** 2 },
};

/** `exports.limits.<format>.{maxRows,maxBytes}` (and the older `exports.maxCsvBytes`). */
export function readExportLimits(exportsConfig?: Config): ExportLimits {
  const limits = (format: ExportFormat, legacyMaxBytes?: number) => {
    const c = exportsConfig?.getOptionalConfig(`limits.${format}`);
    return {
      maxRows:
        c?.getOptionalNumber('maxRows') ??
        DEFAULT_EXPORT_LIMITS[format].maxRows,
      maxBytes:
        c?.getOptionalNumber('maxBytes') ??
        legacyMaxBytes ??
        DEFAULT_EXPORT_LIMITS[format].maxBytes,
    };
  };
  return {
    csv: limits('csv', exportsConfig?.getOptionalNumber('maxCsvBytes')),
    xlsx: limits('xlsx'),
    pdf: limits('pdf'),
  };
}
