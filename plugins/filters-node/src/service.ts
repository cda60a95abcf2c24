import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { platformEventsServiceRef } from '@internal/plugin-platform-node';
import { FilterAccess } from './access';
import { readDatasets } from './datasets';
import { FilterEngine } from './FilterEngine';
import { FilterExporter } from './export';

/**
 * The filter engine for backend plugins (e.g. the export service). Use `access.authorize(...)`
 * for portal callers, or `contextForVerifiedIdentity(...)` for a customer user your service
 * verified, then `engine.query/count/explain` or `FilterEngine.build`.
 */
export interface FilterEngineService {
  engine: FilterEngine;
  access: FilterAccess;
  /** Whole results as CSV (COPY) under `filters.export` limits. */
  exporter: FilterExporter;
}

export const filterEngineServiceRef = createServiceRef<FilterEngineService>({
  id: 'filters.engine',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        permissions: coreServices.permissions,
        lifecycle: coreServices.lifecycle,
        events: platformEventsServiceRef,
      },
      async factory({ config, logger, permissions, lifecycle, events }) {
        const engine = new FilterEngine({
          datasets: readDatasets(config),
          events,
          logger,
        });
        lifecycle.addShutdownHook(() => engine.close());
        const access = new FilterAccess(permissions, {
          piiServiceSubjects:
            config.getOptionalStringArray('filters.piiServiceSubjects') ?? [],
        });
        const exporter = new FilterExporter(engine, {
          costThreshold: config.getOptionalNumber(
            'filters.export.costThreshold',
          ),
          statementTimeoutMs: config.getOptionalNumber(
            'filters.export.statementTimeoutMs',
          ),
          logger,
        });
        return { engine, access, exporter };
      },
    }),
});
