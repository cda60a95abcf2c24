import { ConfigReader } from '@backstage/config';
import { readDatasets } from '@internal/plugin-filters-node';
import { demoEventsDatasetConfig } from '@internal/plugin-filters-node/testUtils';

/** The demo dataset's definitions (no database): `email` is of data class pii. */
export const [eventsDataset] = readDatasets(
  new ConfigReader({
    platform: {
      productDatabase: {
        connection: {
          host: 'unused',
          port: 5432,
          user: 'unused',
          password: 'unused',
          database: 'unused',
        },
      },
      datasets: { events: demoEventsDatasetConfig() },
    },
  }),
);
