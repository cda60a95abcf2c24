import { performance } from 'node:perf_hooks';
import {
  CompiledPolicy,
  DEFAULT_ENTRYPOINT,
  PolicySource,
  PORTAL_ENTRYPOINT,
  withPortalPluginIds,
} from '@internal/plugin-authz-node';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import {
  RegoCompileError,
  RegoErrorDetail,
  RegoTestResult,
  runRegoTests,
} from '@internal/rego-wasm';

export interface EvaluateResponse {
  errors: RegoErrorDetail[];
  result?: unknown;
  decision?: { allowed: boolean; reason: string };
  evaluationError?: string;
  compileMs: number;
  evalMs?: number;
}

/**
 * Compiles candidate sources (never stored) and evaluates one input: the playground. A portal
 * policy candidate (entrypoint portal/authz/decision) gets the portal plugin ids in its data,
 * as the permission backend evaluates it.
 */
export async function evaluateCandidate(body: {
  modules: Record<string, string>;
  data?: Record<string, unknown>;
  entrypoint?: string;
  input: Record<string, unknown>;
}): Promise<EvaluateResponse> {
  const asked: PolicySource = {
    modules: body.modules,
    data: body.data ?? {},
    entrypoint: body.entrypoint ?? DEFAULT_ENTRYPOINT,
  };
  const source =
    asked.entrypoint === PORTAL_ENTRYPOINT
      ? withPortalPluginIds(asked, PORTAL_PLUGIN_IDS)
      : asked;
  const t0 = performance.now();
  let policy: CompiledPolicy;
  try {
    policy = await CompiledPolicy.compile(source);
  } catch (error) {
    if (error instanceof RegoCompileError) {
      return { errors: error.errors, compileMs: performance.now() - t0 };
    }
    throw error;
  }
  const compileMs = performance.now() - t0;
  const t1 = performance.now();
  try {
    const result = policy.evaluateRaw(body.input);
    const evalMs = performance.now() - t1;
    let decision: EvaluateResponse['decision'];
    try {
      decision = result === undefined ? undefined : policy.asDecision(result);
    } catch {
      decision = undefined;
    }
    return {
      errors: [],
      ...(result === undefined ? {} : { result }),
      ...(decision ? { decision } : {}),
      compileMs,
      evalMs,
    };
  } catch (error) {
    return {
      errors: [],
      evaluationError: (error as Error).message,
      compileMs,
      evalMs: performance.now() - t1,
    };
  }
}

/** `opa test` over candidate sources; compile errors instead of results when they don't compile. */
export async function testCandidate(body: {
  modules: Record<string, string>;
  data?: Record<string, unknown>;
}): Promise<{ errors: RegoErrorDetail[]; results: RegoTestResult[] }> {
  try {
    return {
      errors: [],
      results: await runRegoTests(body.modules, body.data ?? {}),
    };
  } catch (error) {
    if (error instanceof RegoCompileError) {
      return { errors: error.errors, results: [] };
    }
    throw error;
  }
}
