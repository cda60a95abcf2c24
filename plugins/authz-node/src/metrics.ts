import { Counter, Registry } from 'prom-client';

/** Metric names are process-wide: every plugin's evaluator shares the same series. */
export interface AuthzMetrics {
  /**
   * Counts one decision in `authz_decisions_total`. A plain increment: the labelled counter
   * is brought up to date when it is collected, since a labelled `inc` (label hashing) would
   * cost about as much as a cached decision itself.
   */
  countDecision(allowed: boolean, cacheHit: boolean): void;
  policyErrors: Counter<'kind'>;
}

/** Decisions not yet added to the counter, by `allowed * 2 + cacheHit`. */
const uncounted = new WeakMap<Registry, Float64Array>();

const DECISION_LABELS = [
  { allowed: 'false', cache: 'miss' },
  { allowed: 'false', cache: 'hit' },
  { allowed: 'true', cache: 'miss' },
  { allowed: 'true', cache: 'hit' },
] as const;

function decisionsCounter(registry: Registry): Float64Array {
  const known = uncounted.get(registry);
  if (known && registry.getSingleMetric('authz_decisions_total')) return known;
  const pending = new Float64Array(DECISION_LABELS.length);
  uncounted.set(registry, pending);
  // eslint-disable-next-line no-new
  new Counter({
    name: 'authz_decisions_total',
    help: 'Permission decisions, by outcome and whether the decision cache answered',
    labelNames: ['allowed', 'cache'],
    registers: [registry],
    collect() {
      for (let i = 0; i < pending.length; i++) {
        if (pending[i] > 0) this.inc(DECISION_LABELS[i], pending[i]);
        pending[i] = 0;
      }
    },
  });
  return pending;
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function authzMetrics(registry: Registry): AuthzMetrics {
  const pending = decisionsCounter(registry);
  return {
    countDecision(allowed, cacheHit) {
      pending[(allowed ? 2 : 0) + (cacheHit ? 1 : 0)]++;
    },
    policyErrors: counter(
      registry,
      'authz_policy_errors_total',
      'Checks denied because the policy could not be evaluated (fail closed)',
      ['kind'],
    ),
  };
}
