/*
 * `opa test`-style runner: every rule named test_* is a test; it passes when
 * it evaluates to true. For a failing test, the first body expression (in
 * source order) after which the body no longer succeeds is reported.
 */
import { compileParsed, parseModules } from './compile';
import { loadPolicy } from './loader';
import { Rule } from './parser';

export interface RegoTestResult {
  /** Test rule path, e.g. `data.authz_test.test_admin_allowed`. */
  name: string;
  file: string;
  pass: boolean;
  /** For failures: the failing expression text and location, when found. */
  failedExpr?: { text: string; line: number; column: number };
  error?: string;
}

export async function runRegoTests(
  modules: Record<string, string>,
  data?: unknown,
): Promise<RegoTestResult[]> {
  const mods = parseModules(modules);
  const tests: {
    name: string;
    ep: string;
    file: string;
    rule: Rule;
    prefixEps: string[];
  }[] = [];
  for (const m of mods) {
    const extra: Rule[] = [];
    for (const r of m.rules) {
      const name =
        r.head.ref[0].type === 'scalar' ? String(r.head.ref[0].value) : '';
      if (!name.startsWith('test_') || r.head.ref.length !== 1 || r.head.args)
        continue;
      if (tests.some(t => t.ep === [...m.pkg, name].join('/'))) continue;
      const prefixEps: string[] = [];
      r.body.forEach((_, i) => {
        const pname = `__rw_prefix_${name}_${i}`;
        extra.push({
          ...r,
          head: {
            ref: [{ ...r.head.ref[0], value: pname } as any],
            assign: false,
          },
          body: r.body.slice(0, i + 1),
          elses: [],
        });
        prefixEps.push([...m.pkg, pname].join('/'));
      });
      tests.push({
        name: ['data', ...m.pkg, name].join('.'),
        ep: [...m.pkg, name].join('/'),
        file: m.file,
        rule: r,
        prefixEps,
      });
    }
    m.rules.push(...extra);
  }
  if (!tests.length) return [];
  const compiled = compileParsed(mods, [
    ...tests.map(t => t.ep),
    ...tests.flatMap(t => t.prefixEps),
  ]);
  const policy = await loadPolicy(compiled.wasm);
  if (data !== undefined) policy.setData(data);
  const results: RegoTestResult[] = [];
  for (const t of tests) {
    const res: RegoTestResult = { name: t.name, file: t.file, pass: false };
    try {
      const rs = policy.evaluate(undefined, t.ep);
      res.pass = rs.length > 0 && rs[0].result === true;
      if (!res.pass) {
        for (let i = 0; i < t.prefixEps.length; i++) {
          const p = policy.evaluate(undefined, t.prefixEps[i]);
          if (!(p.length > 0 && p[0].result === true)) {
            const e = t.rule.body[i];
            res.failedExpr = {
              text: e.text ?? '',
              line: e.loc.line,
              column: e.loc.col,
            };
            break;
          }
        }
      }
    } catch (e) {
      res.error = typeof e === 'string' ? e : (e as Error).message;
    }
    results.push(res);
  }
  return results;
}
