import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  CheckRequest,
  Decision,
  POLICY_ERROR_REASON,
} from '@internal/plugin-authz-common';
import { Registry, register as globalRegistry } from 'prom-client';
import { DecisionCache, DecisionCacheOptions } from './cache/DecisionCache';
import { AuthzMetrics, authzMetrics } from './metrics';
import { CompiledPolicy, PolicyDecision } from './policy/CompiledPolicy';
import { ProductUserSource } from './subjects/ProductUserDirectory';
import { PortalUserSource } from './subjects/PortalUserDirectory';

/** One evaluated check, as handed to a decision log. */
export interface DecisionRecord {
  check: CheckRequest;
  decision: Decision;
  /** The evaluator's latency for this decision in µs (see `TimedDecisions`). */
  latencyUs: number;
}

/** Decisions in the order of their checks, with the evaluator's latency of each. */
export interface TimedDecisions {
  decisions: Decision[];
  /**
   * Per decision, in µs: its cache lookup; on a miss also the batch's subject load and its own
   * policy evaluation. From the check's arrival at the evaluator to its answer, never a log
   * commit. Internal (the decision log records it), not part of the Decision answered.
   */
  latencyUs: number[];
}

/** Writes in-process (SDK) decisions durably; resolves once they are committed. */
export type SdkDecisionRecorder = (
  records: DecisionRecord[],
  caller: string,
) => Promise<void>;

export interface AuthzEvaluatorOptions {
  productUsers: ProductUserSource;
  /** Catalog attributes of `portal-user` subjects; without it they carry only type and id. */
  portalUsers?: PortalUserSource;
  logger?: LoggerService;
  cache?: DecisionCacheOptions;
  /** An evaluation slower than this denies with `policy_error` (default 50 ms). */
  maxEvaluationMs?: number;
  metrics?: Registry;
  /** Called for every decision (cached ones too), e.g. to write the decision log. */
  onDecision?: (records: DecisionRecord[]) => void;
}

type PolicyInput = {
  subject: Record<string, unknown>;
  action: string;
  resource: Record<string, unknown>;
  context?: Record<string, unknown>;
};

/**
 * Check(subject, action, resource) against the active policy revision: the semantics shared by
 * the HTTP API (authz-backend) and the in-process SDK. Fails closed: no active policy, a trap,
 * a non-conforming result or a slow evaluation all deny with reason `policy_error`.
 */
export class AuthzEvaluator {
  private policy?: CompiledPolicy;
  private sdkRecorder?: SdkDecisionRecorder;
  private portalUsers?: PortalUserSource;
  private readonly cache: DecisionCache;
  private readonly metrics: AuthzMetrics;
  private readonly maxEvaluationMs: number;
  /** Bumped whenever cached decisions are dropped (revision, data or subject source change). */
  private generation = 0;

  constructor(private readonly options: AuthzEvaluatorOptions) {
    this.cache = new DecisionCache(options.cache);
    this.metrics = authzMetrics(options.metrics ?? globalRegistry);
    this.maxEvaluationMs = options.maxEvaluationMs ?? 50;
    this.portalUsers = options.portalUsers;
  }

  /** Where `portal-user` subjects' teams come from (the authz backend wires the catalog). */
  setPortalUsers(source: PortalUserSource): void {
    this.portalUsers = source;
    this.clearCache();
  }

  /** Makes `policy` the active revision; cached decisions of the previous one are dropped. */
  activate(policy: CompiledPolicy): void {
    this.policy = policy;
    this.clearCache();
  }

  /**
   * Where SDK checks are logged: the authz backend registers its decision log when it runs in
   * this process; without it, SDK checks are decided but not logged.
   */
  setSdkRecorder(recorder: SdkDecisionRecorder): void {
    this.sdkRecorder = recorder;
  }

  /** Decides like `checkBatch`, then waits for the decisions to be logged as `caller`'s. */
  async checkBatchAs(
    caller: string,
    checks: CheckRequest[],
  ): Promise<Decision[]> {
    const { decisions, latencyUs } = await this.checkBatchTimed(checks);
    await this.sdkRecorder?.(records(checks, decisions, latencyUs), caller);
    return decisions;
  }

  /** The product data changed: forget subjects and decisions. */
  invalidateData(): void {
    this.options.productUsers.invalidate();
    this.portalUsers?.invalidate();
    this.clearCache();
  }

  private clearCache(): void {
    this.generation++;
    this.cache.clear();
  }

  get activeRevision(): string | undefined {
    return this.policy?.sha256;
  }

  get cacheHitRate(): number {
    return this.cache.hitRate;
  }

  /**
   * One check. A cached answer is returned without a batch: no arrays and no awaits, the
   * in-process SDK's hot path.
   */
  check(check: CheckRequest): Promise<Decision> {
    const policy = this.policy;
    const started = this.options.onDecision ? performance.now() : 0;
    const hit = policy && this.cache.get(check);
    if (hit) {
      const decision = this.decision(hit, policy.sha256, true);
      this.options.onDecision?.([
        { check, decision, latencyUs: (performance.now() - started) * 1000 },
      ]);
      return Promise.resolve(decision);
    }
    const decisions: Decision[] = [undefined as never];
    const latencyUs = [0];
    return this.decideMisses(
      policy,
      [check],
      [0],
      { decisions, latencyUs },
      started || performance.now(),
    ).then(() => decisions[0]);
  }

  async checkBatch(checks: CheckRequest[]): Promise<Decision[]> {
    return (await this.checkBatchTimed(checks)).decisions;
  }

  /** `checkBatch` with each decision's latency (for the decision log). */
  async checkBatchTimed(checks: CheckRequest[]): Promise<TimedDecisions> {
    const policy = this.policy;
    const decided: TimedDecisions = {
      decisions: new Array(checks.length),
      latencyUs: new Array(checks.length),
    };
    const { decisions, latencyUs } = decided;
    const misses: number[] = [];
    let t = performance.now();
    for (let i = 0; i < checks.length; i++) {
      const hit = policy && this.cache.get(checks[i]);
      if (hit) {
        decisions[i] = this.decision(hit, policy.sha256, true);
      } else misses.push(i);
      const now = performance.now();
      latencyUs[i] = (now - t) * 1000;
      t = now;
    }
    if (misses.length > 0) {
      await this.decideMisses(policy, checks, misses, decided, t);
    } else {
      this.options.onDecision?.(records(checks, decisions, latencyUs));
    }
    return decided;
  }

  /**
   * Evaluates the checks at `misses` (their subjects loaded in one call) into `decided`, adding
   * to each latency the subject load and its evaluation; `since` is when the lookups ended.
   */
  private async decideMisses(
    policy: CompiledPolicy | undefined,
    checks: CheckRequest[],
    misses: number[],
    decided: TimedDecisions,
    since: number,
  ): Promise<void> {
    const { decisions, latencyUs } = decided;
    const generation = this.generation;
    const revision = policy?.sha256 ?? 'none';
    const subjects = await this.subjectsOf(misses.map(i => checks[i]));
    // a revision or data change while the subjects loaded: answer, but cache nothing stale
    const cacheable = generation === this.generation;
    let t = performance.now();
    // every miss of the batch waited for the subjects' load
    const loadUs = (t - since) * 1000;
    for (const i of misses) {
      const check = checks[i];
      const subject = subjects(check);
      const evaluated = subject
        ? this.evaluate(policy, policyInput(check, subject))
        : this.policyError('subject_load');
      if (cacheable && evaluated.reason !== POLICY_ERROR_REASON) {
        this.cache.set(check, evaluated);
      }
      decisions[i] = this.decision(evaluated, revision, false);
      const now = performance.now();
      latencyUs[i] += loadUs + (now - t) * 1000;
      t = now;
    }
    this.options.onDecision?.(records(checks, decisions, latencyUs));
  }

  /**
   * Decides `checks` with `policy` instead of the active revision, bypassing cache, metrics
   * and `onDecision` (replay of recorded checks against a candidate). Subjects are resolved
   * as today (current product data).
   */
  async decideWith(
    policy: CompiledPolicy,
    checks: CheckRequest[],
  ): Promise<PolicyDecision[]> {
    const subjects = await this.subjectsOf(checks);
    return checks.map(check => {
      const subject = subjects(check);
      if (!subject) return { allowed: false, reason: POLICY_ERROR_REASON };
      try {
        return policy.evaluate(policyInput(check, subject));
      } catch {
        return { allowed: false, reason: POLICY_ERROR_REASON };
      }
    });
  }

  private decision(
    d: PolicyDecision,
    policyRevision: string,
    cacheHit: boolean,
  ): Decision {
    this.metrics.countDecision(d.allowed, cacheHit);
    return {
      allowed: d.allowed,
      reason: d.reason,
      decisionId: randomUUID(),
      policyRevision,
      cacheHit,
    };
  }

  /**
   * Subject attributes: passed by a trusted caller, else product users from the product
   * database and portal users from the catalog. `undefined` for a subject whose load failed
   * (its checks deny with `policy_error`; the batch's other checks are still decided).
   */
  private async subjectsOf(
    checks: CheckRequest[],
  ): Promise<(check: CheckRequest) => Record<string, unknown> | undefined> {
    const [products, portal] = await Promise.all([
      loadSubjects(this.options.productUsers, checks, 'product-user', false),
      loadSubjects(this.portalUsers, checks, 'portal-user', true),
    ]);
    for (const [kind, loaded] of [
      ['product-user', products],
      ['portal-user', portal],
    ] as const) {
      if (loaded.failed.size > 0) {
        this.options.logger?.warn(
          `authz: ${loaded.failed.size} ${kind} subject(s) could not be loaded, their checks deny: ${loaded.error}`,
        );
      }
    }
    return check => {
      const { type, id, attributes } = check.subject;
      if (attributes) return { ...attributes, type, id };
      const loaded = type === 'portal-user' ? portal : products;
      if (loaded.failed.has(id)) return undefined;
      return { ...loaded.found.get(id), type, id };
    };
  }

  private evaluate(
    policy: CompiledPolicy | undefined,
    input: PolicyInput,
  ): PolicyDecision {
    if (!policy) return this.policyError('no_active_policy');
    const started = performance.now();
    let decision: PolicyDecision;
    try {
      decision = policy.evaluate(input);
    } catch (error) {
      this.options.logger?.warn(
        `authz: policy ${policy.sha256.slice(0, 12)} failed: ${
          (error as Error).message
        }`,
      );
      return this.policyError('evaluation');
    }
    // wasm cannot be interrupted; a slow answer is discarded, never trusted
    if (performance.now() - started > this.maxEvaluationMs) {
      return this.policyError('timeout');
    }
    return decision;
  }

  private policyError(kind: string): PolicyDecision {
    this.metrics.policyErrors.inc({ kind });
    return { allowed: false, reason: POLICY_ERROR_REASON };
  }
}

/** The policy's input for a check: the subject's attributes, the resource's with its id. */
function policyInput(
  check: CheckRequest,
  subject: Record<string, unknown>,
): PolicyInput {
  return {
    subject,
    action: check.action,
    resource: {
      ...check.resource.attributes,
      type: check.resource.type,
      id: check.resource.id,
    },
    context: check.context,
  };
}

function records(
  checks: CheckRequest[],
  decisions: Decision[],
  latencyUs: number[],
): DecisionRecord[] {
  return checks.map((check, i) => ({
    check,
    decision: decisions[i],
    latencyUs: latencyUs[i],
  }));
}

interface LoadedSubjects<T> {
  found: Map<string, T>;
  /** Ids whose load failed (not the same as unknown: an unknown subject is just absent). */
  failed: Set<string>;
  error?: unknown;
}

/**
 * Loads the subjects of `type` the checks name without attributes, in one call. When that call
 * fails and `perId` is set (the catalog resolves each user on its own), each id is retried
 * alone so one unresolvable user fails only its own checks; otherwise every id failed.
 */
async function loadSubjects<T>(
  source: { load(ids: string[]): Promise<Map<string, T>> } | undefined,
  checks: CheckRequest[],
  type: string,
  perId: boolean,
): Promise<LoadedSubjects<T>> {
  const ids = [
    ...new Set(
      checks
        .filter(c => c.subject.type === type && !c.subject.attributes)
        .map(c => c.subject.id),
    ),
  ];
  if (!source || ids.length === 0)
    return { found: new Map(), failed: new Set() };
  try {
    return { found: await source.load(ids), failed: new Set() };
  } catch (error) {
    if (!perId || ids.length === 1) {
      return { found: new Map(), failed: new Set(ids), error };
    }
    const loaded: LoadedSubjects<T> = {
      found: new Map(),
      failed: new Set(),
      error,
    };
    const each = await Promise.allSettled(ids.map(id => source.load([id])));
    each.forEach((result, i) => {
      if (result.status === 'rejected') loaded.failed.add(ids[i]);
      else result.value.forEach((v, k) => loaded.found.set(k, v));
    });
    return loaded;
  }
}
