/**
 * Rego → OPA-wasm compiler: compiles Rego policies to wasm modules that
 * `@open-policy-agent/opa-wasm` evaluates, and loads them (or real
 * `opa build -t wasm` bundles).
 *
 * @packageDocumentation
 */
export { compileRego, runtimeWasmPath } from './compile';
export type { CompiledPolicy, CompileOptions } from './compile';
export { RegoCompileError } from './errors';
export type { RegoErrorDetail } from './errors';
export { loadPolicy, readBundle, customBuiltins } from './loader';
export type { RegoPolicy, LoadOptions, Bundle } from './loader';
export { runRegoTests } from './testing';
export type { RegoTestResult } from './testing';
export { runConformance } from './conformance';
export type { ConformanceReport, CaseResult } from './conformance';
export { formatReport, readSkips } from './conformance';
export { resolveConformanceDir } from './conformanceDir';
