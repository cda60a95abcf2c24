import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Registry, register as globalRegistry } from 'prom-client';
import { AuthzMetrics, authzMetrics } from '../metrics';
import { CompiledPolicy, PolicySource } from '../policy/CompiledPolicy';
import {
  defaultPolicyRoot,
  readPolicyDirectory,
} from '../policy/policyDirectory';

/** The portal policy's rule (`policies/portal/portal.rego`). */
export const PORTAL_ENTRYPOINT = 'portal/authz/decision';

/** What a Backstage permission request and its user look like to the portal policy. */
export interface PortalPolicyInput {
  permission: {
    name: string;
    attributes: { action?: string };
    resourceType?: string;
  };
  /** null: the request carries no user (Backstage asks about users only). */
  user: null | {
    ownershipRefs: string[];
    accountAccess: '*' | string[];
    dataClasses: string[];
  };
}

export type PortalPolicyAnswer =
  | { result: 'ALLOW' | 'DENY'; reason: string }
  | {
      result: 'CONDITIONAL';
      reason: string;
      pluginId: string;
      resourceType: string;
      conditions: {
        rule: string;
        resourceType: string;
        params: Record<string, unknown>;
      };
    };

/** The answer when the policy could not decide: fail closed. */
export const PORTAL_POLICY_ERROR: PortalPolicyAnswer = {
  result: 'DENY',
  reason: 'policy_error',
};

function asAnswer(value: unknown): PortalPolicyAnswer {
  const answer = value as Partial<PortalPolicyAnswer> | undefined;
  if (typeof answer?.reason !== 'string') {
    throw new Error('the portal decision has no reason');
  }
  if (answer.result === 'ALLOW' || answer.result === 'DENY') {
    return { result: answer.result, reason: answer.reason };
  }
  if (answer.result === 'CONDITIONAL') {
    const { pluginId, resourceType, conditions } = answer;
    if (
      typeof pluginId === 'string' &&
      typeof resourceType === 'string' &&
      typeof conditions?.rule === 'string' &&
      conditions.resourceType === resourceType &&
      conditions.params !== null &&
      typeof conditions.params === 'object'
    ) {
      return answer as PortalPolicyAnswer;
    }
    throw new Error('the conditional portal decision is malformed');
  }
  throw new Error(`the portal decision has no valid result`);
}

export interface PortalPolicyOptions {
  /** PORTAL_PLUGIN_IDS: fill `data.portal_config.plugin_ids` (the list exists once, in platform-common). */
  pluginIds: readonly string[];
  maxEvaluationMs?: number;
  metrics?: Registry;
  onError?: (error: Error) => void;
}

/** Where the portal policy in force comes from: a fixed policy, or the active stored revision. */
export interface PortalPolicyProvider {
  /** The policy deciding now; rejects when there is none (the caller then denies). */
  current(): Promise<PortalPolicy>;
}

/**
 * The source with `data.portal_config.plugin_ids` filled in, as the portal policy is always
 * evaluated (stored revisions and `policies/portal` keep the list out of their data).
 */
export function withPortalPluginIds(
  source: PolicySource,
  pluginIds: readonly string[],
): PolicySource {
  const data = (source.data ?? {}) as {
    portal_config?: Record<string, unknown>;
  };
  return {
    ...source,
    data: {
      ...data,
      portal_config: { ...data.portal_config, plugin_ids: [...pluginIds] },
    },
  };
}

/**
 * The portal's Backstage permission policy (Rego, `policies/portal`) evaluated in-process by
 * opa-wasm. `decide` never throws: a load or evaluation error, a malformed answer or a slow
 * evaluation all deny with reason `policy_error` and count in `authz_policy_errors_total`.
 */
export class PortalPolicy implements PortalPolicyProvider {
  private constructor(
    private readonly policy: CompiledPolicy,
    private readonly metrics: AuthzMetrics,
    private readonly maxEvaluationMs: number,
    private readonly onError?: (error: Error) => void,
  ) {}

  /**
   * Compiles the portal policy. `pluginIds` (PORTAL_PLUGIN_IDS) fill
   * `data.portal_config.plugin_ids`: the repository keeps that list once, in platform-common.
   */
  static async load(
    options: PortalPolicyOptions & { directory?: string },
  ): Promise<PortalPolicy> {
    const source = readPolicyDirectory(
      options.directory ?? path.join(defaultPolicyRoot(), 'portal'),
      { entrypoint: PORTAL_ENTRYPOINT },
    );
    const policy = await CompiledPolicy.compile(
      withPortalPluginIds(source, options.pluginIds),
    );
    return PortalPolicy.of(policy, options);
  }

  /**
   * A stored revision (its compiled wasm, no recompilation); `revision` stays the stored
   * sha256. Throws when the module lacks the portal entrypoint.
   */
  static async fromRevision(
    revision: { source: PolicySource; wasm: Uint8Array; sha256: string },
    options: PortalPolicyOptions,
  ): Promise<PortalPolicy> {
    const policy = await CompiledPolicy.load(
      withPortalPluginIds(revision.source, options.pluginIds),
      revision.wasm,
      revision.sha256,
    );
    return PortalPolicy.of(policy, options);
  }

  private static of(policy: CompiledPolicy, options: PortalPolicyOptions) {
    return new PortalPolicy(
      policy,
      authzMetrics(options.metrics ?? globalRegistry),
      options.maxEvaluationMs ?? 50,
      options.onError,
    );
  }

  /** A fixed policy is its own active revision. */
  async current(): Promise<PortalPolicy> {
    return this;
  }

  /** sha256 of the modules, data and entrypoint evaluated. */
  get revision(): string {
    return this.policy.sha256;
  }

  decide(input: PortalPolicyInput): PortalPolicyAnswer {
    const started = performance.now();
    let answer: PortalPolicyAnswer;
    try {
      answer = asAnswer(this.policy.evaluateRaw(input));
    } catch (error) {
      return this.failed('portal_evaluation', error as Error);
    }
    // wasm cannot be interrupted; a slow answer is discarded, never trusted
    const ms = performance.now() - started;
    if (ms > this.maxEvaluationMs) {
      return this.failed(
        'portal_timeout',
        new Error(`portal policy took ${ms.toFixed(1)} ms`),
      );
    }
    return answer;
  }

  private failed(kind: string, error: Error): PortalPolicyAnswer {
    this.metrics.policyErrors.inc({ kind });
    this.onError?.(error);
    return PORTAL_POLICY_ERROR;
  }
}
