import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { PgConnection } from './connection';
import { ensureProductDatabase } from './ensureProductDatabase';
import { ACCOUNT_COUNT, USERS_PER_ACCOUNT } from './productSchema';
import { seedProductData } from './seedProductData';

function connectionOf(knex: Knex): PgConnection {
  const c = knex.client.config.connection as Record<string, unknown>;
  return {
    host: String(c.host),
    port: Number(c.port ?? 5432),
    user: String(c.user),
    password: String(c.password),
    database: String(c.database),
  };
}

describe('demo product data (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let knex: Knex;
  beforeAll(async () => {
    knex = await databases.init('POSTGRES_18');
  });

  it('seeds once through ensureProductDatabase, deterministically, and leaves a second call alone', async () => {
    const first = await ensureProductDatabase({
      connection: connectionOf(knex),
      eventRows: 3000,
    });
    expect(first).toMatchObject({
      created: false,
      seeded: true,
      eventRows: 3000,
    });

    const counts = await knex.raw(`SELECT
      (SELECT count(*)::int FROM accounts) AS accounts,
      (SELECT count(*)::int FROM users) AS users,
      (SELECT count(*)::int FROM events) AS events,
      (SELECT count(DISTINCT account_id)::int FROM events) AS tenants`);
    expect(counts.rows[0]).toEqual({
      accounts: ACCOUNT_COUNT,
      users: ACCOUNT_COUNT * USERS_PER_ACCOUNT,
      events: 3000,
      tenants: ACCOUNT_COUNT,
    });

    const second = await ensureProductDatabase({
      connection: connectionOf(knex),
      eventRows: 3000,
    });
    expect(second).toEqual({
      created: false,
      seeded: false,
      eventRows: 3000,
      seededAt: first.seededAt,
    });
  });

  it('keeps every event consistent with its tenant: user, plan and PII email belong to the account', async () => {
    const mismatches = await knex.raw(`
      SELECT count(*)::int AS n FROM events e
      JOIN accounts a ON a.id = e.account_id
      LEFT JOIN users u ON u.id = e.user_id
      WHERE e.plan <> a.plan
         OR (e.user_id IS NOT NULL AND (u.account_id <> e.account_id OR u.email <> e.email))
         OR (e.user_id IS NULL AND (e.anonymous_id IS NULL OR e.email IS NOT NULL))`);
    expect(mismatches.rows[0].n).toBe(0);
  });

  it('generates the same rows in another database seeded with seedProductData', async () => {
    const other = await databases.init('POSTGRES_18');
    await expect(
      seedProductData(other, { eventRows: 3000 }),
    ).resolves.toMatchObject({
      seeded: true,
      eventRows: 3000,
    });
    const digest = (k: Knex) =>
      k.raw(
        `SELECT md5(string_agg(id::text || account_id::text || event_type || coalesce(email, ''), ',' ORDER BY id)) AS d FROM events`,
      );
    expect((await digest(other)).rows[0].d).toBe(
      (await digest(knex)).rows[0].d,
    );
  });

  it('rejects a nonsensical row count with a message naming the setting', async () => {
    await expect(
      ensureProductDatabase({ connection: connectionOf(knex), eventRows: -1 }),
    ).rejects.toThrow(
      /platform\.demoData\.eventRows must be a non-negative integer/,
    );
    await expect(seedProductData(knex, { eventRows: 1.5 })).rejects.toThrow(
      /platform\.demoData\.eventRows must be a non-negative integer/,
    );
  });
});
