import { Knex } from 'knex';
import knexFactory from 'knex';
import { TestDatabases } from '@backstage/backend-test-utils';
import { PreparedStatements } from './preparedStatements';

jest.setTimeout(60_000);

describe('PreparedStatements (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;
  let single: Knex;

  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
    await knex.schema.createTable('prepared_rows', t => {
      t.integer('n').notNullable().unique();
      t.jsonb('doc').notNullable();
    });
    // one pooled connection: the session that holds the prepared statements
    single = knexFactory({
      client: 'pg',
      connection: knex.client.config.connection,
      pool: { min: 1, max: 1 },
    });
  });

  afterAll(async () => {
    await single?.destroy();
  });

  const insert = 'INSERT INTO prepared_rows (n, doc) VALUES (?, ?::jsonb)';

  it('binds the values and prepares each statement text once per connection', async () => {
    const statements = new PreparedStatements(single);
    await statements.run(insert, [1, JSON.stringify({ a: "it's" })]);
    await statements.run(insert, [2, JSON.stringify({ a: '?' })]);
    await statements.run('SELECT ?::int AS x', [3]);
    expect(
      await single('prepared_rows').orderBy('n').select('n', 'doc'),
    ).toEqual([
      { n: 1, doc: { a: "it's" } },
      { n: 2, doc: { a: '?' } },
    ]);
    const { rows } = await single.raw(
      `SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'authz_log_%' ORDER BY statement`,
    );
    expect(rows.map((r: { statement: string }) => r.statement)).toEqual([
      'INSERT INTO prepared_rows (n, doc) VALUES ($1, $2::jsonb)',
      'SELECT $1::int AS x',
    ]);
  });

  it('a failing statement rejects and its connection goes back to the pool usable', async () => {
    const statements = new PreparedStatements(single);
    await expect(
      statements.run(insert, [1, JSON.stringify({ again: true })]),
    ).rejects.toThrow(/duplicate key/);
    await statements.run(insert, [4, JSON.stringify({})]);
    expect(await single('prepared_rows').count({ c: '*' })).toEqual([
      { c: '3' },
    ]);
  });
});
