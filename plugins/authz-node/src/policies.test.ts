import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runRegoTests } from '@internal/rego-wasm';
import { readPolicyDirectory } from './policy/policyDirectory';

// eslint-disable-next-line no-restricted-syntax
const policiesRoot = path.resolve(__dirname, '../../../policies');
const policyDirs = fs
  .readdirSync(policiesRoot, { withFileTypes: true })
  .filter(e => e.isDirectory())
  .map(e => e.name);

beforeAll(() => {
  execFileSync(process.execPath, [
    require.resolve('@internal/rego-wasm/scripts/build-runtime.js'),
  ]);
});

describe('Rego policies in policies/ (opa test semantics)', () => {
  it('has at least the product policy', () => {
    expect(policyDirs).toContain('product');
  });

  it.each(policyDirs)('%s: every test_* rule passes', async dir => {
    const source = readPolicyDirectory(path.join(policiesRoot, dir), {
      includeTests: true,
    });
    const results = await runRegoTests(source.modules, source.data);
    expect(results.length).toBeGreaterThan(0);
    const failed = results
      .filter(r => !r.pass)
      .map(
        r =>
          `${r.name}: ${r.error ?? ''} ${
            r.failedExpr
              ? `${r.failedExpr.text} (line ${r.failedExpr.line})`
              : ''
          }`,
      );
    expect(failed).toEqual([]);
  });
});
