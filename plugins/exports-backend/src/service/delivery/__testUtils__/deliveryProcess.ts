/* A backend process for the webhook crash test: delivers the webhook outbox until it is killed. */
import knexFactory from 'knex';
import { WebhookDeliverer } from '../../webhooks';
import { WebhookDispatcher } from '../WebhookDispatcher';
import { WebhookOutbox } from '../WebhookOutbox';
import { freshDownloadUrl } from '../freshDownloadUrl';

const options = JSON.parse(process.env.EXPORTS_TEST_DELIVERY!);
const db = knexFactory({ client: 'pg', connection: options.own });
new WebhookDispatcher({
  outbox: new WebhookOutbox(db),
  deliverer: new WebhookDeliverer({
    secret: options.secret,
    allowedHosts: ['127.0.0.1'],
  }),
  logger: console as any,
  freshFields: row =>
    freshDownloadUrl(row, {
      secret: options.secret,
      baseUrl: async () => 'http://backend.test/api/exports',
    }),
  backoffBaseMs: options.backoffBaseMs,
  pollMs: 50,
}).start();
process.stdout.write('ready\n');
