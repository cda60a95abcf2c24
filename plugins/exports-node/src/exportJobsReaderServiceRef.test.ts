import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { pluginDatabaseConfig } from '@internal/plugin-platform-node/testUtils';
import { Knex } from 'knex';
import { ExportJobsReader } from './ExportJobsReader';
import { exportJobsReaderServiceRef } from './exportJobsReaderServiceRef';
import { insertExportJob, migrateExportTables } from './testUtils';

jest.setTimeout(60_000);

describe('exportJobsReaderServiceRef default factory', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

  it("reaches the exports plugin's database through backend.database config from another plugin", async () => {
    const exportsDb: Knex = await databases.init('POSTGRES_18');
    await migrateExportTables(exportsDb);
    await insertExportJob(exportsDb, {
      status: 'succeeded',
      createdAt: new Date(Date.now() - 20_000),
      finishedAt: new Date(),
      region: 'eu',
      bytesWritten: 1234,
    });
    let reader: ExportJobsReader | undefined;
    const consumer = createBackendPlugin({
      pluginId: 'consumer',
      register(env) {
        env.registerInit({
          deps: { exportJobs: exportJobsReaderServiceRef },
          async init({ exportJobs }) {
            reader = exportJobs;
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        consumer,
        mockServices.rootConfig.factory({
          data: pluginDatabaseConfig(exportsDb, 'exports'),
        }),
      ],
    });
    try {
      expect(await reader!.storedBytesByRegion()).toEqual([
        { region: 'eu', bytes: 1234, files: 1 },
      ]);
      expect(await reader!.queue()).toMatchObject({ queued: 0, running: 0 });
    } finally {
      await backend.stop();
    }
  });
});
