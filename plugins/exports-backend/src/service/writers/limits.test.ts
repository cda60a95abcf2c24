import { ConfigReader } from '@backstage/config';
import { DEFAULT_EXPORT_LIMITS, readExportLimits } from './limits';

describe('readExportLimits', () => {
  it('gives the defaults without config', () => {
    expect(readExportLimits(undefined)).toEqual(DEFAULT_EXPORT_LIMITS);
    expect(DEFAULT_EXPORT_LIMITS.pdf.maxRows).toBe(10_000);
  });

  it('reads exports.limits.<format> and the older maxCsvBytes, the former winning', () => {
    const limits = readExportLimits(
      new ConfigReader({
        maxCsvBytes: 5000,
        limits: { pdf: { maxRows: 20 }, xlsx: { maxBytes: 7, maxRows: 3 } },
      }),
    );
    expect(limits).toEqual({
      csv: { maxBytes: 5000, maxRows: undefined },
      xlsx: { maxBytes: 7, maxRows: 3 },
      pdf: { maxRows: 20, maxBytes: DEFAULT_EXPORT_LIMITS.pdf.maxBytes },
    });
    expect(
      readExportLimits(
        new ConfigReader({
          maxCsvBytes: 5000,
          limits: { csv: { maxBytes: 9 } },
        }),
      ).csv.maxBytes,
    ).toBe(9);
  });
});
