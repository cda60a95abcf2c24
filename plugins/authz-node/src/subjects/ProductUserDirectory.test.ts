import { TestDatabases } from '@backstage/backend-test-utils';
import { seedProductData } from '@internal/dev-database';
import { ProductUserDirectory } from './ProductUserDirectory';

jest.setTimeout(120_000);

describe('ProductUserDirectory (real Postgres product data)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

  it('loads a batch in one query, caches known and unknown users, forgets on invalidate', async () => {
    const knex = await databases.init('POSTGRES_18');
    await seedProductData(knex, { eventRows: 0 });
    const rows = await knex('users')
      .join('accounts', 'accounts.id', 'users.account_id')
      .orderBy('users.id')
      .limit(3)
      .select('users.id', 'users.account_id', 'users.role', 'accounts.plan');
    let queries = 0;
    knex.on('query', () => queries++);
    const directory = new ProductUserDirectory(knex);
    const missing = '00000000-0000-4000-8000-000000000000';
    const loaded = await directory.load([
      ...rows.map(r => r.id),
      missing,
      'not-a-uuid',
      rows[0].id,
    ]);
    expect(queries).toBe(1);
    expect([...loaded.keys()].sort()).toEqual(rows.map(r => r.id).sort());
    expect(loaded.get(rows[0].id)).toMatchObject({
      account: rows[0].account_id,
      role: rows[0].role,
      plan: rows[0].plan,
    });
    await directory.load([rows[1].id, missing, 'not-a-uuid']);
    expect(queries).toBe(1);
    directory.invalidate();
    await directory.load([rows[1].id]);
    expect(queries).toBe(2);
  });

  it('does not cache rows read by a query that straddled an invalidation', async () => {
    const knex = await databases.init('POSTGRES_18');
    await seedProductData(knex, { eventRows: 0 });
    const [{ id }] = await knex('users').orderBy('id').limit(1).select('id');
    const directory = new ProductUserDirectory(knex);
    let queries = 0;
    knex.on('query', () => queries++);
    // another session holds the table: the directory's query waits behind it
    const blocker = await knex.transaction();
    await blocker.raw('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
    const inFlight = directory.load([id]);
    await new Promise(resolve => setTimeout(resolve, 200));
    directory.invalidate(); // the change's notification arrives while the query waits
    await blocker.raw(`UPDATE users SET role = 'admin' WHERE id = ?`, [id]);
    await blocker.commit();
    await inFlight;
    const afterFirst = queries;
    const again = await directory.load([id]);
    expect(queries).toBe(afterFirst + 1); // read again, not the straddling read's cache
    expect(again.get(id)?.role).toBe('admin');
  });
});
