import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { ensureProductDatabase } from '@internal/dev-database';

export const DEFAULT_DEMO_EVENT_ROWS = 1_000_000;

/**
 * Creates and seeds the demo product database (platform.productDatabase) on first start when
 * platform.demoData.enabled is true. Later starts find it seeded and do nothing.
 */
export const productDemoDataPlugin = createBackendPlugin({
  pluginId: 'product-demo-data',
  register(env) {
    env.registerInit({
      deps: { config: coreServices.rootConfig, logger: coreServices.logger },
      async init({ config, logger }) {
        if (!config.getOptionalBoolean('platform.demoData.enabled')) return;
        const connection = config.getConfig(
          'platform.productDatabase.connection',
        );
        const rowsValue = config.getOptional('platform.demoData.eventRows');
        const eventRows =
          rowsValue === undefined || rowsValue === ''
            ? DEFAULT_DEMO_EVENT_ROWS
            : Number(rowsValue);
        const status = await ensureProductDatabase({
          connection: {
            host: connection.getString('host'),
            port: Number(connection.get('port')),
            user: connection.getString('user'),
            password: connection.getString('password'),
            database: connection.getString('database'),
          },
          eventRows,
          log: message => logger.info(message),
        });
        logger.info(
          status.seeded
            ? `Demo product database ready with ${status.eventRows} events`
            : `Demo product database already seeded (${status.eventRows} events, ${status.seededAt})`,
        );
      },
    });
  },
});
