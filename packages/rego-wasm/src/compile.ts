import * as fs from 'node:fs';
import * as path from 'node:path';
import { RegoCompileError, RegoErrorDetail } from './errors';
import { encodeProgram } from './ir';
import { Expr, Module, parseModule, parseQuery } from './parser';
import { plan } from './planner';
import { patchRuntime } from './wasm-patch';

let runtimeCache: Uint8Array | undefined;

/** Locates the prebuilt runtime (built by `npm run build:runtime`). */
export function runtimeWasmPath(): string {
  const candidates = [
    process.env.REGO_WASM_RUNTIME,
    // relative to src/ (sources) or dist/bundle/ (bundle); set REGO_WASM_RUNTIME for other layouts
    // eslint-disable-next-line no-restricted-syntax
    path.resolve(__dirname, '../build/runtime.wasm'),
    // eslint-disable-next-line no-restricted-syntax
    path.resolve(__dirname, '../../build/runtime.wasm'),
  ].filter((p): p is string => !!p);
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(
    `rego-wasm runtime not built: run "npm run -w @internal/rego-wasm build:runtime" (looked in ${candidates.join(
      ', ',
    )})`,
  );
}

function runtime(): Uint8Array {
  if (!runtimeCache)
    runtimeCache = new Uint8Array(fs.readFileSync(runtimeWasmPath()));
  return runtimeCache;
}

export interface CompiledPolicy {
  /** A wasm module for `@open-policy-agent/opa-wasm` (ABI 1.2). */
  wasm: Uint8Array;
  /** Entrypoint names in id order. */
  entrypoints: string[];
  /** Rego builtins this policy calls on the host (see `customBuiltins`). */
  hostBuiltins: string[];
}

export interface CompileOptions {
  /** Extra entrypoints compiled from query text (name → query), e.g. `x = data.p.q`. */
  queries?: Record<string, string>;
}

export function parseModules(modules: Record<string, string>): Module[] {
  const errors: RegoErrorDetail[] = [];
  const out: Module[] = [];
  for (const [file, src] of Object.entries(modules)) {
    try {
      out.push(parseModule(file, src));
    } catch (e) {
      if (e instanceof RegoCompileError) errors.push(...e.errors);
      else throw e;
    }
  }
  if (errors.length) throw new RegoCompileError(errors);
  return out;
}

export function compileParsed(
  mods: Module[],
  entrypoints: string[],
  queries: { name: string; body: Expr[] }[] = [],
): CompiledPolicy {
  const planned = plan(mods, { entrypoints, queries });
  const ir = encodeProgram(planned.program);
  return {
    wasm: patchRuntime(runtime(), ir),
    entrypoints: planned.entrypointNames,
    hostBuiltins: planned.hostBuiltins,
  };
}

/**
 * Compiles Rego modules to an OPA wasm module.
 * Entrypoints are rule paths like `authz/allow` (relative to `data`).
 * Throws RegoCompileError with file/line/column details.
 */
export function compileRego(
  modules: Record<string, string>,
  entrypoints: string[],
  options: CompileOptions = {},
): CompiledPolicy {
  const mods = parseModules(modules);
  const queries = Object.entries(options.queries ?? {}).map(([name, q]) => ({
    name,
    body: parseQuery(q, name),
  }));
  return compileParsed(mods, entrypoints, queries);
}
