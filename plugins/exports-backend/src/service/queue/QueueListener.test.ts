import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { waitFor } from '@internal/plugin-platform-node/testUtils';
import knexFactory, { Knex } from 'knex';
import { newExportJob } from '../../__testUtils__/newExportJob';
import { ExportStore } from '../ExportStore';
import { QueueListener } from './QueueListener';

jest.setTimeout(60_000);

describe('QueueListener (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;
  let otherReplica: Knex;
  const listeners: QueueListener[] = [];

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest({
      directory: `${__dirname}/../../../migrations`,
    });
    otherReplica = knexFactory({
      client: 'pg',
      connection: knex.client.config.connection,
      pool: { min: 0, max: 2 },
    });
  });
  afterEach(async () => {
    await Promise.all(listeners.splice(0).map(l => l.stop()));
  });
  afterAll(async () => {
    await otherReplica.destroy();
  });

  function listen(onNotify: () => void) {
    const listener = new QueueListener({
      db: knex,
      logger: mockServices.logger.mock(),
      onNotify,
      reconnectMs: 50,
    });
    listeners.push(listener);
    return listener;
  }

  it("hears a job queued by another replica's transaction, once it commits", async () => {
    let heard = 0;
    const listener = listen(() => (heard += 1));
    await listener.start();
    expect(listener.listening).toBe(true);
    const afterConnect = heard; // one catch-up call on connecting
    await new ExportStore(otherReplica).create(newExportJob());
    await waitFor(async () => (heard > afterConnect ? true : undefined), 5000);
  });

  it('reconnects after its connection is killed, catches up, and hears new jobs again', async () => {
    let heard = 0;
    const listener = listen(() => (heard += 1));
    await listener.start();
    const listenerPids = async () =>
      (
        await otherReplica.raw(
          `SELECT pid FROM pg_stat_activity
           WHERE datname = current_database() AND query = 'LISTEN export_jobs_queued'`,
        )
      ).rows.map((r: { pid: number }) => r.pid);
    const [first] = await listenerPids();
    const beforeKill = heard;
    await otherReplica.raw('SELECT pg_terminate_backend(?)', [first]);
    const [second] = await waitFor(async () => {
      const pids = await listenerPids();
      return pids.length === 1 && pids[0] !== first ? pids : undefined;
    }, 5000);
    expect(second).not.toBe(first);
    await waitFor(async () => (heard > beforeKill ? true : undefined), 5000); // the catch-up call
    const afterReconnect = heard;
    await new ExportStore(otherReplica).create(newExportJob());
    await waitFor(
      async () => (heard > afterReconnect ? true : undefined),
      5000,
    );
  });
});
