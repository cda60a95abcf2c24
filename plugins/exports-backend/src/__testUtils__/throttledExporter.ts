import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigReader } from '@backstage/config';
import {
  FilterEngine,
  FilterExporter,
  readDatasets,
} from '@internal/plugin-filters-node';
import { demoEventsDatasetConfig } from '@internal/plugin-filters-node/testUtils';
import { CsvExporter } from '../service/ExportRunner';

/** The real FilterExporter on the demo events dataset of `connection`. */
export function demoEngine(connection: object): FilterEngine {
  return new FilterEngine({
    datasets: readDatasets(
      new ConfigReader(
        JSON.parse(
          JSON.stringify({
            platform: {
              productDatabase: { connection },
              datasets: { events: demoEventsDatasetConfig() },
            },
          }),
        ),
      ),
    ),
  });
}

/**
 * The real exporter, with the bytes passing through a delay per chunk so a test can act while
 * an export is running (cancel, kill the worker). The data still comes from COPY on Postgres.
 */
export function throttledExporter(
  engine: FilterEngine,
  delayMsPerChunk: number,
): CsvExporter {
  const real = new FilterExporter(engine);
  return {
    estimate: (request, context) => real.estimate(request, context),
    async exportCsv(request, context, destination: Writable) {
      if (delayMsPerChunk <= 0) {
        return real.exportCsv(request, context, destination);
      }
      const slow = new Transform({
        highWaterMark: 1,
        transform(chunk, _enc, done) {
          setTimeout(() => done(null, chunk), delayMsPerChunk);
        },
      });
      const piped = pipeline(slow, destination);
      const result = await real.exportCsv(request, context, slow);
      await piped;
      return result;
    },
  };
}
