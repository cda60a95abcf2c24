import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { seedProductData } from '@internal/dev-database';
import { waitFor } from '@internal/plugin-platform-node/testUtils';
import { CheckRequest } from '@internal/plugin-authz-common';
import { Registry } from 'prom-client';
import { AuthzEvaluator } from '../AuthzEvaluator';
import { CompiledPolicy } from '../policy/CompiledPolicy';
import { readPolicyDirectory } from '../policy/policyDirectory';
import { ProductUserDirectory } from './ProductUserDirectory';
import { watchProductSubjects } from './productChanges';

jest.setTimeout(120_000);

// eslint-disable-next-line no-restricted-syntax
const productDir = path.resolve(__dirname, '../../../../policies/product');

describe('product subject changes (real Postgres, the demo product schema and its triggers)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

  beforeAll(() => {
    execFileSync(process.execPath, [
      require.resolve('@internal/rego-wasm/scripts/build-runtime.js'),
    ]);
  });

  it('a role change in the product database changes the next decision without waiting for any TTL', async () => {
    const productDb = await databases.init('POSTGRES_18');
    await seedProductData(productDb, { eventRows: 0 });
    const viewer = await productDb('users')
      .where({ role: 'viewer' })
      .first('id', 'account_id');
    const evaluator = new AuthzEvaluator({
      // TTLs far longer than the test: only the notification can refresh them
      productUsers: new ProductUserDirectory(productDb, { ttlMs: 600_000 }),
      cache: { ttlMs: 600_000 },
      metrics: new Registry(),
    });
    evaluator.activate(
      await CompiledPolicy.compile(readPolicyDirectory(productDir)),
    );
    const changes: string[] = [];
    const watcher = watchProductSubjects({
      productDb,
      logger: mockServices.logger.mock(),
      onChange: table => {
        changes.push(table);
        evaluator.invalidateData();
      },
    });
    await watcher.start();
    try {
      const deleteDashboard: CheckRequest = {
        subject: { type: 'product-user', id: viewer.id },
        action: 'dashboard.delete',
        resource: {
          type: 'dashboard',
          id: 'd1',
          attributes: { account: viewer.account_id },
        },
      };
      expect((await evaluator.check(deleteDashboard)).allowed).toBe(false);
      expect((await evaluator.check(deleteDashboard)).cacheHit).toBe(true);

      await productDb('users')
        .where({ id: viewer.id })
        .update({ role: 'admin' });
      const after = await waitFor(async () => {
        const d = await evaluator.check(deleteDashboard);
        return d.allowed ? d : undefined;
      }, 5000);
      expect(after).toMatchObject({ allowed: true, cacheHit: false });
      expect(changes).toContain('users');
    } finally {
      await watcher.stop();
    }
  });
});
