import { Metric, Registry } from 'prom-client';

/** Returns the metric registered under `name`, creating it once per registry. */
export function singletonMetric<T extends Metric<string>>(
  registry: Registry,
  name: string,
  create: () => T,
): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
