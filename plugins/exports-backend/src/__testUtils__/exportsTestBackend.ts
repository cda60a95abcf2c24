import request from 'supertest';
import { ServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { seedProductData } from '@internal/dev-database';
import {
  connectionOfKnex,
  demoEventsDatasetConfig,
} from '@internal/plugin-filters-node/testUtils';
import {
  RecordedEvent,
  recordingEvents,
  waitFor,
} from '@internal/plugin-platform-node/testUtils';
import { Knex } from 'knex';
import { exportsPlugin } from '../plugin';

/** The exports plugin in a test backend, on a seeded product database and a database of its own. */
export interface ExportsTestBackend {
  server: any;
  product: Knex;
  own: Knex;
  stop(): Promise<void>;
  /** Headers of a signed-in user. */
  as(user: string): { Authorization: string };
  create(user: string, body: object): request.Test;
  /** The job once it succeeded, failed or was cancelled. */
  finished(user: string, id: string): Promise<any>;
}

/**
 * Starts the plugin with `exports` config over fast test timings (and a signing secret);
 * `permissions` decides every permission, `events` records what it emits.
 */
export async function startExportsTestBackend(options: {
  databases: TestDatabases;
  eventRows: number;
  permissions: ServiceFactory;
  exportsConfig: Record<string, unknown>;
  events?: RecordedEvent[];
}): Promise<ExportsTestBackend> {
  const product = await options.databases.init('POSTGRES_18');
  const own = await options.databases.init('POSTGRES_18');
  await seedProductData(product, { eventRows: options.eventRows });
  const backend = await startTestBackend({
    features: [
      exportsPlugin,
      options.permissions,
      mockServices.database.factory({ knex: own }),
      mockServices.rootConfig.factory({
        data: {
          platform: {
            productDatabase: {
              connection: JSON.parse(JSON.stringify(connectionOfKnex(product))),
            },
            datasets: { events: demoEventsDatasetConfig() },
          },
          exports: {
            signingSecret: 'exports-test-signing-secret',
            pollSeconds: 0.1,
            heartbeatSeconds: 0.2,
            ...options.exportsConfig,
          },
        },
      }),
      recordingEvents(options.events ?? []),
    ],
  });
  const server = backend.server;
  const as = (user: string) => ({
    Authorization: mockCredentials.user.header(user),
  });
  return {
    server,
    product,
    own,
    stop: () => backend.stop(),
    as,
    create: (user, body) =>
      request(server).post('/api/exports/v1/exports').set(as(user)).send(body),
    finished: (user, id) =>
      waitFor(async () => {
        const res = await request(server)
          .get(`/api/exports/v1/exports/${id}`)
          .set(as(user));
        return ['succeeded', 'failed', 'cancelled'].includes(res.body.status)
          ? res.body
          : undefined;
      }),
  };
}

/** The seeded account with the most events in `region`. */
export async function busiestAccountIn(
  product: Knex,
  region: 'us' | 'eu',
): Promise<string> {
  const row = await product('events')
    .join('accounts', 'accounts.id', 'events.account_id')
    .where('accounts.region', region)
    .select('events.account_id')
    .count('* as n')
    .groupBy('events.account_id')
    .orderBy('n', 'desc')
    .first();
  return String(row!.account_id);
}
