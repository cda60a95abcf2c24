/*
 * Conformance harness for OPA's YAML test cases: compiles every case's modules
 * and query with compileRego, evaluates through @open-policy-agent/opa-wasm and
 * compares with the expectation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPolicy as sdkLoadPolicy } from '@open-policy-agent/opa-wasm';
import { parseAllDocuments } from 'yaml';
import { compileParsed, parseModules } from './compile';
import { RegoCompileError } from './errors';
import { customBuiltins } from './loader';
import { parseQuery, parseTermText, Term } from './parser';

export interface CaseResult {
  dir: string;
  file: string;
  note: string;
  status: 'pass' | 'fail' | 'skip';
  reason?: string;
}

export interface ConformanceReport {
  dirs: Record<string, { passed: number; failed: number; skipped: number }>;
  passed: number;
  failed: number;
  skipped: number;
  cases: CaseResult[];
}

interface Case {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_defined?: boolean;
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
}

/** Follows symlinks (suites are often assembled from links); each real directory once. */
function yamlFiles(dir: string, visited = new Set<string>()): string[] {
  const real = fs.realpathSync(dir);
  if (visited.has(real)) return [];
  visited.add(real);
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    let stat: fs.Stats | fs.Dirent = e;
    if (e.isSymbolicLink()) {
      try {
        stat = fs.statSync(p);
      } catch {
        continue; // dangling link
      }
    }
    if (stat.isDirectory()) out.push(...yamlFiles(p, visited));
    else if (stat.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Skips: YAML map of case note → reason. */
export function readSkips(file: string): Map<string, string> {
  const skips = new Map<string, string>();
  if (!fs.existsSync(file)) return skips;
  for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    const m = doc.toJS() ?? {};
    for (const [k, v] of Object.entries(m)) skips.set(k, String(v));
  }
  return skips;
}

function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map(k => `${JSON.stringify(k)}:${canon((v as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function termToJSON(t: Term): unknown {
  switch (t.type) {
    case 'scalar':
      return t.value;
    case 'array':
    case 'set':
      return t.items.map(termToJSON);
    case 'object':
      return Object.fromEntries(
        t.items.map(([k, v]) => [String(termToJSON(k)), termToJSON(v)]),
      );
    default:
      throw new Error('input_term is not a ground JSON term');
  }
}

function sameRows(got: unknown[], want: unknown[]): boolean {
  if (got.length !== want.length) return false;
  const a = got.map(canon).sort();
  const b = want.map(canon).sort();
  return a.every((x, i) => x === b[i]);
}

function errorCode(e: unknown): string {
  if (e instanceof RegoCompileError)
    return e.errors[0]?.code ?? 'rego_compile_error';
  const msg = typeof e === 'string' ? e : (e as any)?.message ?? String(e);
  const m = /^(\w+_error)/.exec(msg);
  return m ? m[1] : 'eval_error';
}

function errorText(e: unknown): string {
  return typeof e === 'string' ? e : (e as any)?.message ?? String(e);
}

async function runCase(c: Case): Promise<{ ok: boolean; reason?: string }> {
  const wantsError =
    c.want_error_code !== undefined || c.want_error !== undefined;
  const errorMatches = (e: unknown) => {
    if (c.want_error_code !== undefined && errorCode(e) !== c.want_error_code)
      return false;
    return true;
  };
  let compiled;
  try {
    const mods: Record<string, string> = {};
    (c.modules ?? []).forEach((m, i) => (mods[`mod${i}.rego`] = m));
    const parsed = parseModules(mods);
    compiled = compileParsed(
      parsed,
      [],
      [{ name: 'q', body: parseQuery(c.query) }],
    );
  } catch (e) {
    if (wantsError && errorMatches(e)) return { ok: true };
    return { ok: false, reason: `compile: ${errorText(e).split('\n')[0]}` };
  }
  let rows: unknown[];
  try {
    const policy = await sdkLoadPolicy(
      compiled.wasm.buffer as ArrayBuffer,
      { initial: 8 },
      customBuiltins(),
    );
    policy.setData(c.data ?? {});
    let input: unknown;
    if (c.input_term !== undefined)
      input = termToJSON(parseTermText(c.input_term));
    else input = c.input;
    const buf =
      input === undefined
        ? undefined
        : (new TextEncoder().encode(JSON.stringify(input))
            .buffer as ArrayBuffer);
    const res = policy.evaluate(buf, 'q') as { result: unknown }[];
    rows = res.map(r => r.result);
  } catch (e) {
    if (wantsError && !c.strict_error && errorMatches(e)) return { ok: true };
    return { ok: false, reason: `eval: ${errorText(e).split('\n')[0]}` };
  }
  if (wantsError) {
    // OPA's wasm target reports strict builtin errors as an empty result
    if (c.strict_error && rows.length === 0) return { ok: true };
    return {
      ok: false,
      reason: `expected error ${
        c.want_error_code ?? c.want_error
      }, got ${JSON.stringify(rows)}`,
    };
  }
  if (c.want_defined !== undefined) {
    const ok = rows.length > 0 === c.want_defined;
    return ok ? { ok } : { ok, reason: `defined=${rows.length > 0}` };
  }
  if (c.want_result !== undefined) {
    const ok = sameRows(rows, c.want_result);
    return ok
      ? { ok }
      : {
          ok,
          reason: `got ${JSON.stringify(rows).slice(
            0,
            300,
          )} want ${JSON.stringify(c.want_result).slice(0, 300)}`,
        };
  }
  return { ok: rows.length === 0, reason: 'no expectation' };
}

/** Runs every case below `dir` (any directory in OPA's YAML case format). */
export async function runConformance(
  dir: string,
  options: {
    skips?: Map<string, string>;
    filter?: RegExp;
    onCase?: (r: CaseResult) => void;
  } = {},
): Promise<ConformanceReport> {
  const root = path.resolve(dir);
  const report: ConformanceReport = {
    dirs: {},
    passed: 0,
    failed: 0,
    skipped: 0,
    cases: [],
  };
  for (const file of yamlFiles(root)) {
    const rel = path.relative(root, file);
    const group =
      path.dirname(rel) === '.' ? path.basename(root) : path.dirname(rel);
    let cases: Case[] = [];
    try {
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
        const js = doc.toJS();
        if (js && Array.isArray(js.cases)) cases.push(...js.cases);
      }
    } catch {
      cases = [];
    }
    for (const c of cases) {
      if (options.filter && !options.filter.test(c.note)) continue;
      const d = (report.dirs[group] ??= { passed: 0, failed: 0, skipped: 0 });
      let r: CaseResult;
      const skip = options.skips?.get(c.note);
      if (skip !== undefined) {
        r = {
          dir: group,
          file: rel,
          note: c.note,
          status: 'skip',
          reason: skip,
        };
      } else {
        let out: { ok: boolean; reason?: string };
        try {
          out = await runCase(c);
        } catch (e) {
          out = { ok: false, reason: `harness: ${errorText(e)}` };
        }
        r = {
          dir: group,
          file: rel,
          note: c.note,
          status: out.ok ? 'pass' : 'fail',
          reason: out.reason,
        };
      }
      if (r.status === 'pass') {
        d.passed++;
        report.passed++;
      } else if (r.status === 'fail') {
        d.failed++;
        report.failed++;
      } else {
        d.skipped++;
        report.skipped++;
      }
      report.cases.push(r);
      options.onCase?.(r);
    }
  }
  return report;
}

export function formatReport(r: ConformanceReport): string {
  const lines = Object.entries(r.dirs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([d, s]) =>
        `${d}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`,
    );
  lines.push(`${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  return lines.join('\n');
}
