import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  compileRego,
  loadPolicy,
  RegoCompileError,
  runRegoTests,
  readBundle,
} from './index';

const RBAC = `package authz
import rego.v1

default allow := false

allow if {
  some role in input.user.roles
  some grant in data.grants[role]
  grant.action == input.action
  glob.match(grant.resource, ["/"], input.resource)
}

reasons contains msg if {
  not allow
  msg := sprintf("%s may not %s %s", [input.user.name, input.action, input.resource])
}
`;

const DATA = {
  grants: {
    admin: [{ action: 'delete', resource: 'catalog/*' }],
    viewer: [{ action: 'read', resource: 'catalog/*' }],
  },
};

beforeAll(() => {
  execFileSync(process.execPath, [
    path.resolve(__dirname, '../scripts/build-runtime.js'),
  ]);
});

function tarGz(files: Record<string, string | Uint8Array>): Uint8Array {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const body = Buffer.from(content);
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('        ', 148);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

describe('compileRego + loadPolicy (real opa-wasm SDK)', () => {
  it('evaluates allow and deny paths, sets and host builtins', async () => {
    const c = compileRego({ 'authz.rego': RBAC }, [
      'authz/allow',
      'authz/reasons',
    ]);
    expect(c.entrypoints).toEqual(['authz/allow', 'authz/reasons']);
    expect(c.hostBuiltins.sort()).toEqual(['glob.match', 'sprintf']);
    const p = await loadPolicy(c.wasm);
    p.setData(DATA);
    const viewer = {
      user: { name: 'ann', roles: ['viewer'] },
      action: 'read',
      resource: 'catalog/x',
    };
    expect(p.evaluate(viewer, 'authz/allow')).toEqual([{ result: true }]);
    const denied = { ...viewer, action: 'delete' };
    expect(p.evaluate(denied, 'authz/allow')).toEqual([{ result: false }]);
    expect(p.evaluate(denied, 'authz/reasons')).toEqual([
      { result: ['ann may not delete catalog/x'] },
    ]);
    expect(p.evaluate(viewer, 'authz/reasons')).toEqual([{ result: [] }]);
  });

  it('returns [] for undefined and evaluates queries with several bindings', async () => {
    const c = compileRego(
      {
        'p.rego':
          'package p\nq contains x if { some x in [3, 1, 2]; x > 1 }\nu if false',
      },
      ['p/u'],
      { queries: { q: 'some x in data.p.q; y := x * 10' } },
    );
    const p = await loadPolicy(c.wasm);
    expect(p.evaluate({}, 'p/u')).toEqual([]);
    const rows = p.evaluate({}, 'q').map(r => r.result);
    expect(rows).toEqual([
      { x: 2, y: 20 },
      { x: 3, y: 30 },
    ]);
  });

  it('supports the eval-context ABI path as well as the fast path', async () => {
    const c = compileRego({ 'p.rego': 'package p\nx := input.a + 1' }, ['p/x']);
    const memory = new WebAssembly.Memory({ initial: 5 });
    const abort = (addr: number) => {
      throw new Error(`abort ${addr}`);
    };
    const noop = () => 0;
    const { instance } = (await WebAssembly.instantiate(c.wasm, {
      env: {
        memory,
        opa_abort: abort,
        opa_println: noop,
        opa_builtin0: noop,
        opa_builtin1: noop,
        opa_builtin2: noop,
        opa_builtin3: noop,
        opa_builtin4: noop,
      },
    })) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
    const ex = instance.exports as any;
    expect(ex.opa_wasm_abi_version.value).toBe(1);
    expect(ex.opa_wasm_abi_minor_version.value).toBe(2);
    const load = (json: string) => {
      const bytes = new TextEncoder().encode(json);
      const at = ex.opa_malloc(bytes.length);
      new Uint8Array(memory.buffer).set(bytes, at);
      return ex.opa_json_parse(at, bytes.length);
    };
    const dump = (addr: number) => {
      const buf = new Uint8Array(memory.buffer);
      let end = addr;
      while (buf[end]) end++;
      return JSON.parse(Buffer.from(buf.subarray(addr, end)).toString('utf8'));
    };
    const ctx = ex.opa_eval_ctx_new();
    ex.opa_eval_ctx_set_input(ctx, load('{"a": 41}'));
    ex.opa_eval_ctx_set_data(ctx, load('{}'));
    ex.opa_eval_ctx_set_entrypoint(ctx, 0);
    ex.eval(ctx);
    expect(dump(ex.opa_json_dump(ex.opa_eval_ctx_get_result(ctx)))).toEqual([
      { result: 42 },
    ]);
    expect(dump(ex.opa_json_dump(ex.entrypoints()))).toEqual({ 'p/x': 0 });
  });

  it('reports rule conflicts as evaluation errors', async () => {
    const c = compileRego(
      { 'p.rego': 'package p\nx := 1 if input.a\nx := 2 if input.b' },
      ['p/x'],
    );
    const p = await loadPolicy(c.wasm);
    expect(p.evaluate({ a: true }, 'p/x')).toEqual([{ result: 1 }]);
    expect(() => p.evaluate({ a: true, b: true }, 'p/x')).toThrow(
      /eval_conflict_error/,
    );
  });

  it('loads an OPA bundle (.tar.gz with /policy.wasm and /data.json)', async () => {
    const c = compileRego({ 'authz.rego': RBAC }, ['authz/allow']);
    const bundle = tarGz({
      '/policy.wasm': c.wasm,
      '/data.json': JSON.stringify(DATA),
      '/.manifest': '{}',
    });
    expect(readBundle(bundle).data).toEqual(DATA);
    const p = await loadPolicy(bundle);
    const input = {
      user: { name: 'bo', roles: ['admin'] },
      action: 'delete',
      resource: 'catalog/y',
    };
    expect(p.evaluate(input, 'authz/allow')).toEqual([{ result: true }]);
  });
});

describe('Rego v0 rule bodies', () => {
  it('accepts `p { }`, `p = v { }` and `p[x] { }` (partial set) without `if`', async () => {
    const src =
      'package v0\ndefault allow = false\nallow { input.role == "admin" }\nroles[r] { r := input.roles[_] }\nlevel = 2 { allow }';
    const c = compileRego({ 'v0.rego': src }, ['v0']);
    const p = await loadPolicy(c.wasm);
    expect(p.evaluate({ role: 'admin', roles: ['a', 'b', 'a'] }, 'v0')).toEqual(
      [{ result: { allow: true, level: 2, roles: ['a', 'b'] } }],
    );
  });
});

describe('every', () => {
  it('scopes its key and value: two every loops in one body may use the same name', async () => {
    const src = [
      'package ev',
      'import rego.v1',
      'f(x) := x',
      'ok if {',
      '  every name in input.first { f(name) == name }',
      '  every name in input.second { startswith(name, "c") }',
      '}',
    ].join('\n');
    const p = await loadPolicy(compileRego({ 'ev.rego': src }, ['ev/ok']).wasm);
    expect(p.evaluate({ first: ['a', 'b'], second: ['c1'] }, 'ev/ok')).toEqual([
      { result: true },
    ]);
    expect(p.evaluate({ first: ['a'], second: ['x'] }, 'ev/ok')).toEqual([]);
  });
});

describe('time.now_ns', () => {
  it('is the same value everywhere within one evaluation', async () => {
    const src =
      'package t\nx := [a, b] if { a := time.now_ns(); some i in numbers.range(1, 2000); b := time.now_ns(); i == 2000 }';
    const p = await loadPolicy(compileRego({ 't.rego': src }, ['t/x']).wasm);
    const [{ result }] = p.evaluate({}, 't/x') as { result: number[] }[];
    expect(result[0]).toBe(result[1]);
    expect(Math.abs(result[0] / 1e6 - Date.now())).toBeLessThan(60_000);
  });
});

describe('lower/upper', () => {
  it('uses the native ASCII path and the host for other text', async () => {
    const c = compileRego(
      { 'l.rego': 'package l\nx := [lower(input.a), upper(input.b)]' },
      ['l/x'],
    );
    const p = await loadPolicy(c.wasm);
    expect(p.evaluate({ a: 'AbC', b: 'xYz' }, 'l/x')).toEqual([
      { result: ['abc', 'XYZ'] },
    ]);
    expect(p.evaluate({ a: 'ÅÉ', b: 'straße' }, 'l/x')).toEqual([
      { result: ['åé', 'STRASSE'] },
    ]);
  });
});

describe('large policies', () => {
  it('loads a module whose data needs more than the SDK default memory', async () => {
    const rules = Array.from(
      { length: 4000 },
      (_, i) =>
        `r${i} := {"id": ${i}, "name": "rule number ${i}"} if input.x == ${i}`,
    );
    const c = compileRego({ 'big.rego': `package big\n${rules.join('\n')}` }, [
      'big/r3999',
      'big',
    ]);
    expect(c.wasm.length).toBeGreaterThan(5 * 65536);
    const p = await loadPolicy(c.wasm);
    expect(p.evaluate({ x: 3999 }, 'big/r3999')).toEqual([
      { result: { id: 3999, name: 'rule number 3999' } },
    ]);
  });
});

describe('compile errors', () => {
  it('carry file, line, column and message', () => {
    let err: unknown;
    try {
      compileRego(
        {
          'a.rego': 'package a\n\nallow if {\n  x == 1\n}\n',
          'b.rego': 'package b\np := [1,\n',
        },
        [],
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegoCompileError);
    expect((err as RegoCompileError).errors).toEqual([
      expect.objectContaining({
        file: 'b.rego',
        line: 3,
        code: 'rego_parse_error',
      }),
    ]);
    let unsafe: RegoCompileError | undefined;
    try {
      compileRego({ 'a.rego': 'package a\n\nallow if {\n  x == 1\n}\n' }, [
        'a/allow',
      ]);
    } catch (e) {
      unsafe = e as RegoCompileError;
    }
    expect(unsafe?.errors[0]).toEqual({
      file: 'a.rego',
      line: 4,
      column: 3,
      code: 'rego_unsafe_var_error',
      message: 'var x is unsafe',
    });
  });
});

describe('recursion and falsy input', () => {
  it('rejects recursive rules at compile time', () => {
    expect(() =>
      compileRego({ 'r.rego': 'package r\np if q\nq if p' }, ['r/p']),
    ).toThrow(/rego_recursion_error/);
  });

  it('passes falsy inputs through (the bare SDK would drop them)', async () => {
    const p = await loadPolicy(
      compileRego({ 'f.rego': 'package f\nx := input' }, ['f/x']).wasm,
    );
    expect(p.evaluate(false, 'f/x')).toEqual([{ result: false }]);
    expect(p.evaluate(0, 'f/x')).toEqual([{ result: 0 }]);
    expect(p.evaluate(undefined, 'f/x')).toEqual([]);
  });
});

describe('runRegoTests', () => {
  it('runs test_ rules like opa test and names the failing expression', async () => {
    const results = await runRegoTests(
      {
        'authz.rego': RBAC,
        'authz_test.rego': `package authz_test
import rego.v1
import data.authz

test_viewer_reads if {
  authz.allow with input as {"user": {"name": "a", "roles": ["viewer"]}, "action": "read", "resource": "catalog/c"}
}

test_viewer_deletes if {
  r := {"user": {"name": "a", "roles": ["viewer"]}, "action": "delete", "resource": "catalog/c"}
  authz.allow with input as r
}
`,
      },
      DATA,
    );
    expect(results).toEqual([
      expect.objectContaining({
        name: 'data.authz_test.test_viewer_reads',
        pass: true,
      }),
      expect.objectContaining({
        name: 'data.authz_test.test_viewer_deletes',
        pass: false,
        failedExpr: {
          text: 'authz.allow with input as r',
          line: 11,
          column: 3,
        },
      }),
    ]);
  });
});
