import { migratedDatabase } from '@internal/plugin-platform-node';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { PolicyRevisions, RevisionTarget } from './PolicyRevisions';
import { RevisionStore, StoredRevision } from './RevisionStore';

jest.setTimeout(120_000);

const source = { modules: {}, data: {}, entrypoint: 'product/authz/decision' };

/** A replica's target whose loads of `slow` wait until `release` is called. */
function gatedReplica(slow: string) {
  let inForce: string | undefined;
  const putInForce: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>(resolve => {
    release = resolve;
  });
  let startedSlowLoad!: () => void;
  const slowLoadStarted = new Promise<void>(resolve => {
    startedSlowLoad = resolve;
  });
  const target: RevisionTarget = {
    policy: 'product',
    activeRevision: () => inForce,
    load: async (revision: StoredRevision) => {
      if (revision.sha256 === slow) {
        startedSlowLoad();
        await gate;
      }
      return () => {
        inForce = revision.sha256;
        putInForce.push(revision.sha256);
      };
    },
  };
  return {
    target,
    inForce: () => inForce,
    putInForce,
    release,
    slowLoadStarted,
  };
}

describe('PolicyRevisions (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;

  beforeAll(async () => {
    const client = await databases.init('POSTGRES_18');
    knex = await migratedDatabase(
      { getClient: async () => client },
      '@internal/plugin-authz-backend',
    );
  });

  it('activate then rollback fired back to back: every replica ends on the rolled-back revision', async () => {
    const store = new RevisionStore(knex);
    const [older, newer] = ['a'.repeat(64), 'b'.repeat(64)];
    const first = await store.add(older, source, new Uint8Array([1]), 'test');
    const second = await store.add(newer, source, new Uint8Array([2]), 'test');
    await store.activate(first.id, 'test');
    const replicas = [gatedReplica(newer), gatedReplica(newer)].map(r => ({
      ...r,
      revisions: new PolicyRevisions(
        store,
        r.target,
        mockServices.logger.mock(),
      ),
    }));
    await Promise.all(replicas.map(r => r.revisions.sync()));
    expect(replicas.map(r => r.inForce())).toEqual([older, older]);

    // each replica hears the activation and starts loading the newer revision (slowly)...
    await store.activate(second.id, 'test');
    const syncs: Promise<void>[] = replicas.map(r =>
      r.revisions.onChange(`revision:${second.id}`),
    );
    await Promise.all(replicas.map(r => r.slowLoadStarted));
    // ...the rollback commits and is heard (and synced by the rolling-back request) meanwhile
    expect(await store.rollback('test')).toBe(first.id);
    const later = replicas.flatMap(r => [
      r.revisions.onChange(`revision:${first.id}`),
      r.revisions.sync(),
    ]);
    // unserialized, the later syncs would finish here (the rolled-back revision looks in force)
    // and the slow load would then put the newer one in force; serialized they wait for it
    await Promise.race([
      Promise.all(later),
      new Promise(resolve => setTimeout(resolve, 500)),
    ]);
    replicas.forEach(r => r.release());
    await Promise.all([...syncs, ...later]);
    expect(replicas.map(r => r.inForce())).toEqual([older, older]);
    expect(await store.activeId()).toBe(first.id);
    // the newer revision, loaded after it was rolled back, was never put in force
    replicas.forEach(r => expect(r.putInForce).toEqual([older]));
  });
});
