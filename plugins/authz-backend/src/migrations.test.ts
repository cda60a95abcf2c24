import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';

jest.setTimeout(60_000);

const TABLES = [
  'authz_policy_revisions',
  'authz_policy_activations',
  'authz_enforcement_modes',
  'authz_shadow_decisions',
  'authz_decisions',
  'authz_decision_latency_minutes',
  'authz_portal_decisions',
];

describe('authz migrations (real Postgres)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

  it('go up and all the way down again', async () => {
    const knex = await databases.init('POSTGRES_18');
    const directory = resolvePackagePath(
      '@internal/plugin-authz-backend',
      'migrations',
    );
    await knex.migrate.latest({ directory });
    for (const table of TABLES) {
      expect(await knex.schema.hasTable(table)).toBe(true);
    }
    await expect(
      knex('authz_enforcement_modes').insert({
        team: 't',
        endpoint: 'e',
        mode: 'sometimes',
        updated_by: 'x',
      }),
    ).rejects.toThrow(/authz_enforcement_mode_check/);
    expect(await knex.schema.hasColumn('authz_decisions', 'latency_us')).toBe(
      true,
    );
    await knex.migrate.rollback({ directory }, true);
    for (const table of TABLES) {
      expect(await knex.schema.hasTable(table)).toBe(false);
    }
  });
});
