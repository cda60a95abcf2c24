import { createHash } from 'node:crypto';
import { compileRego, loadPolicy, RegoPolicy } from '@internal/rego-wasm';

/** A policy as stored in a revision: Rego modules by file name, data, and the rule to query. */
export interface PolicySource {
  modules: Record<string, string>;
  data: unknown;
  /** Rule path relative to data, e.g. `product/authz/decision`. */
  entrypoint: string;
}

/** What the policy's decision rule must produce. */
export interface PolicyDecision {
  allowed: boolean;
  reason: string;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 over the modules, data and entrypoint: the revision's identity. */
export function policySha256(source: PolicySource): string {
  return createHash('sha256').update(canonicalJson(source)).digest('hex');
}

function asDecision(value: unknown): PolicyDecision {
  if (value === null || typeof value !== 'object') {
    throw new Error('the decision rule did not produce an object');
  }
  const { allowed, reason } = value as Record<string, unknown>;
  if (typeof allowed !== 'boolean' || typeof reason !== 'string') {
    throw new Error(
      'the decision rule must produce {allowed: boolean, reason: string}',
    );
  }
  return { allowed, reason };
}

/**
 * A policy revision compiled to wasm by rego-wasm and loaded into @open-policy-agent/opa-wasm.
 * `evaluate` throws on any evaluation problem; callers turn that into a fail-closed deny.
 */
export class CompiledPolicy {
  private constructor(
    readonly sha256: string,
    readonly source: PolicySource,
    readonly wasm: Uint8Array,
    private readonly policy: RegoPolicy,
  ) {}

  /** Compiles and loads; RegoCompileError names the file, line, column (and a missing builtin). */
  static async compile(source: PolicySource): Promise<CompiledPolicy> {
    const { wasm } = compileRego(source.modules, [source.entrypoint]);
    const policy = await loadPolicy(wasm);
    policy.setData(source.data ?? {});
    return new CompiledPolicy(policySha256(source), source, wasm, policy);
  }

  /**
   * Loads an already compiled module (a stored revision, or the policy.wasm of an OPA bundle);
   * no recompilation. `sha256` names the revision when it is not derived from Rego sources.
   */
  static async load(
    source: PolicySource,
    wasm: Uint8Array,
    sha256 = policySha256(source),
  ): Promise<CompiledPolicy> {
    const policy = await loadPolicy(wasm);
    if (!(source.entrypoint in policy.entrypoints)) {
      throw new Error(
        `${
          source.entrypoint
        } is not an entrypoint of the module (it has: ${Object.keys(
          policy.entrypoints,
        ).join(', ')})`,
      );
    }
    policy.setData(source.data ?? {});
    return new CompiledPolicy(sha256, source, wasm, policy);
  }

  evaluate(input: unknown): PolicyDecision {
    const result = this.evaluateRaw(input);
    if (result === undefined) {
      throw new Error(
        `the decision rule ${this.source.entrypoint} is undefined for this input`,
      );
    }
    return asDecision(result);
  }

  /** The entrypoint's value for `input`, undefined when the rule is undefined. */
  evaluateRaw(input: unknown): unknown {
    const rows = this.policy.evaluate(input, this.source.entrypoint);
    return rows.length === 0 ? undefined : rows[0].result;
  }

  /** Checks a value has the decision shape (`{allowed: boolean, reason: string}`). */
  asDecision(value: unknown): PolicyDecision {
    return asDecision(value);
  }
}
