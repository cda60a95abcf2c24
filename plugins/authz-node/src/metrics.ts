import { Counter, Registry } from 'prom-client';

/** Metric names are process-wide: every plugin's evaluator shares the same series. */
export interface AuthzMetrics {
  decisions: Counter<'allowed' | 'cache'>;
  policyErrors: Counter<'kind'>;
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
  return {
    decisions: counter(
      registry,
      'authz_decisions_total',
      'Permission decisions, by outcome and whether the decision cache answered',
      ['allowed', 'cache'],
    ),
    policyErrors: counter(
      registry,
      'authz_policy_errors_total',
      'Checks denied because the policy could not be evaluated (fail closed)',
      ['kind'],
    ),
  };
}
