import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalExportStorage } from '../LocalExportStorage';
import { ExportStorage } from './ExportStorage';
import { exportStorageContract } from './storageContract';

describe('LocalExportStorage (ExportStorage contract)', () => {
  it.each(Object.entries(exportStorageContract))('%s', async (_name, check) => {
    expect.hasAssertions();
    const storage: ExportStorage = new LocalExportStorage(
      await mkdtemp(join(tmpdir(), 'exports-storage-contract-')),
    );
    await check(storage);
  });
});
