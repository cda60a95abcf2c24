import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { waitFor } from '../testUtils/waitFor';
import { NotificationListener } from './NotificationListener';

jest.setTimeout(60_000);

describe('NotificationListener (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;
  const listeners: NotificationListener[] = [];

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
  });
  afterEach(async () => {
    await Promise.all(listeners.splice(0).map(l => l.stop()));
  });

  function listen(channel = 'test_channel', probe = {}) {
    const payloads: string[] = [];
    const listening: boolean[] = [];
    const listener = new NotificationListener({
      db: knex,
      channel,
      logger: mockServices.logger.mock(),
      onNotification: p => payloads.push(p),
      onListening: catchUp => listening.push(catchUp),
      reconnectMs: 50,
      ...probe,
    });
    listeners.push(listener);
    return { listener, payloads, listening };
  }

  const backendsListening = async () =>
    (
      await knex.raw(
        `SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN test_channel%' AND pid <> pg_backend_pid()`,
      )
    ).rows.map((r: { pid: number }) => r.pid);

  it('hands each committed notification payload over, none of a rolled-back transaction', async () => {
    const { listener, payloads, listening } = listen();
    await listener.start();
    expect([listener.listening, listening]).toEqual([true, [false]]);
    await knex.raw(`SELECT pg_notify('test_channel', 'users')`);
    await knex
      .transaction(async tx => {
        await tx.raw(`SELECT pg_notify('test_channel', 'rolled-back')`);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await knex.raw(`SELECT pg_notify('test_channel', 'accounts')`);
    await waitFor(async () => (payloads.length >= 2 ? true : undefined), 5000);
    expect(payloads).toEqual(['users', 'accounts']);
  });

  it('reconnects after its connection is killed and asks the caller to catch up', async () => {
    const { listener, payloads, listening } = listen();
    await listener.start();
    const [pid] = await backendsListening();
    await knex.raw('SELECT pg_terminate_backend(?)', [pid]);
    await waitFor(
      async () => (listening.length === 2 ? true : undefined),
      10_000,
    );
    expect(listening).toEqual([false, true]);
    await knex.raw(`SELECT pg_notify('test_channel', 'after')`);
    await waitFor(
      async () => (payloads.includes('after') ? true : undefined),
      5000,
    );
  });

  it('notices a connection that stopped answering (no error, no end) and reconnects', async () => {
    const { listener, payloads, listening } = listen('test_channel', {
      probeMs: 400, // its first probe comes after the pid is read (the query text changes)
      probeTimeoutMs: 300,
    });
    await listener.start();
    const [pid] = await backendsListening();
    // a frozen server process: the socket stays open and silent, like a half-open connection
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor(
        async () => (listening.length === 2 ? true : undefined),
        10_000,
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(listening).toEqual([false, true]);
    await knex.raw(`SELECT pg_notify('test_channel', 'after-freeze')`);
    await waitFor(
      async () => (payloads.includes('after-freeze') ? true : undefined),
      5000,
    );
  });

  it('stops listening on stop and refuses a channel that is not an identifier', async () => {
    const { listener } = listen();
    await listener.start();
    await listener.stop();
    expect(listener.listening).toBe(false);
    expect(await backendsListening()).toEqual([]);
    expect(() => listen('x; DROP TABLE y')).toThrow(/channel must match/);
  });
});
