import { createTestDatabase, TestDatabase } from './createTestDatabase';
import { ensureProductDatabase } from './ensureProductDatabase';
import { ACCOUNT_COUNT, USERS_PER_ACCOUNT } from './productSchema';

describe('ensureProductDatabase (real Postgres)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('seeds once, deterministically, and leaves a second call alone', async () => {
    const first = await ensureProductDatabase({
      connection: db.connection,
      eventRows: 3000,
    });
    expect(first).toMatchObject({ seeded: true, eventRows: 3000 });

    const counts = await db.knex.raw(`SELECT
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
      connection: db.connection,
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
    const mismatches = await db.knex.raw(`
      SELECT count(*)::int AS n FROM events e
      JOIN accounts a ON a.id = e.account_id
      LEFT JOIN users u ON u.id = e.user_id
      WHERE e.plan <> a.plan
         OR (e.user_id IS NOT NULL AND (u.account_id <> e.account_id OR u.email <> e.email))
         OR (e.user_id IS NULL AND (e.anonymous_id IS NULL OR e.email IS NOT NULL))`);
    expect(mismatches.rows[0].n).toBe(0);
  });

  it('generates the same rows in another database', async () => {
    const other = await createTestDatabase({
      productData: { eventRows: 3000 },
    });
    try {
      const digest = (knex: TestDatabase['knex']) =>
        knex.raw(
          `SELECT md5(string_agg(id::text || account_id::text || event_type || coalesce(email, ''), ',' ORDER BY id)) AS d FROM events`,
        );
      expect((await digest(other.knex)).rows[0].d).toBe(
        (await digest(db.knex)).rows[0].d,
      );
    } finally {
      await other.destroy();
    }
  });

  it('rejects a nonsensical row count with a message naming the setting', async () => {
    await expect(
      ensureProductDatabase({ connection: db.connection, eventRows: -1 }),
    ).rejects.toThrow(
      /platform\.demoData\.eventRows must be a non-negative integer/,
    );
  });
});
