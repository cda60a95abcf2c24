import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runConformance } from './conformance';
import { resolveConformanceDir } from './conformanceDir';

const pkgDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(pkgDir, '../..');

describe('resolveConformanceDir', () => {
  it('uses REGO_CONFORMANCE_DIR when set, resolved to an absolute path', () => {
    expect(resolveConformanceDir({ REGO_CONFORMANCE_DIR: 'cases/opa' })).toBe(
      path.resolve('cases/opa'),
    );
  });

  it('defaults to ../shared/conformance next to the repository root', () => {
    expect(resolveConformanceDir({})).toBe(
      path.resolve(repoRoot, '../shared/conformance'),
    );
  });
});

describe('runConformance directory walk', () => {
  let tmp: string;

  beforeAll(() => {
    execFileSync(process.execPath, [
      path.join(pkgDir, 'scripts/build-runtime.js'),
    ]);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rego-conformance-'));
    const real = path.join(tmp, 'real', 'arith');
    fs.mkdirSync(real, { recursive: true });
    fs.writeFileSync(
      path.join(real, 'cases.yaml'),
      [
        'cases:',
        '  - note: arith/plus',
        '    query: x := 1 + 2',
        '    want_result:',
        '      - x: 3',
        '  - note: arith/wrong',
        '    query: x := 1 + 2',
        '    want_result:',
        '      - x: 4',
        '',
      ].join('\n'),
    );
    const suite = path.join(tmp, 'suite');
    fs.mkdirSync(suite);
    fs.symlinkSync(real, path.join(suite, 'linked'), 'dir');
    // a cycle back to the suite and a dangling link must not break the walk
    fs.symlinkSync(suite, path.join(suite, 'loop'), 'dir');
    fs.symlinkSync(path.join(tmp, 'missing'), path.join(suite, 'dangling'));
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('follows symlinked directories, once per real directory', async () => {
    const report = await runConformance(path.join(tmp, 'suite'));
    expect(report.dirs).toEqual({
      linked: { passed: 1, failed: 1, skipped: 0 },
    });
    expect(report.cases.map(c => [c.note, c.status])).toEqual([
      ['arith/plus', 'pass'],
      ['arith/wrong', 'fail'],
    ]);
  }, 60_000);
});
