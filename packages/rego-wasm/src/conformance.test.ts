import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSkips, runConformance } from './conformance';
import { resolveConformanceDir } from './conformanceDir';

const pkgDir = path.resolve(__dirname, '..');
const suite = resolveConformanceDir();
const baseline = JSON.parse(
  fs.readFileSync(path.join(pkgDir, 'conformance-baseline.json'), 'utf8'),
) as {
  passed: number;
  dirs: Record<string, number>;
};

beforeAll(() => {
  execFileSync(process.execPath, [
    path.join(pkgDir, 'scripts/build-runtime.js'),
  ]);
});

describe('OPA conformance suite', () => {
  it('passes at least the recorded number of cases, per directory and in total', async () => {
    if (!fs.existsSync(suite)) {
      throw new Error(
        `conformance cases not found at ${suite} (set REGO_CONFORMANCE_DIR)`,
      );
    }
    const report = await runConformance(suite, {
      skips: readSkips(path.join(pkgDir, 'conformance-skips.yaml')),
    });
    const regressions = Object.entries(baseline.dirs)
      .filter(([d, n]) => (report.dirs[d]?.passed ?? 0) < n)
      .map(([d, n]) => `${d}: ${report.dirs[d]?.passed ?? 0} < ${n}`);
    expect(regressions).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(baseline.passed);
  }, 300_000);
});
