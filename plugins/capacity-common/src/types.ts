/** Where the current value of a limit comes from. */
export type Provenance = 'live' | 'pushed' | 'estimate';

export type CapacityStatus = 'green' | 'yellow' | 'red';

/** A limit of the doomsday clock, as declared in capacity/limits.yaml or added by API. */
export interface LimitDefinition {
  /** kebab-case id, e.g. `postgres-disk`. */
  id: string;
  name: string;
  /** What is measured, e.g. "Total DB size". */
  metric: string;
  unit: string;
  /** Where measurements come from (a collector, or who pushes them). */
  source: string;
  trigger: number;
  /** Why the trigger sits where it does (from the spec). */
  triggerBasis?: string;
  critical: number;
  criticalBasis?: string;
  /** Lead time to mitigate, in weeks; act-by dates use `max`. */
  leadTimeWeeks: { min: number; max: number };
  /** Owning catalog group, e.g. `group:default/platform-services`. */
  owner: string;
  /** Capacity project id (S1–S4) or a free-text mitigation. */
  mitigation: { project?: string; description: string };
  /** Runbook name, rendered by the portal at `/runbooks/<name>`. */
  runbook: string;
  /**
   * How the growth scenario applies: `level` — the value scales with traffic (connections,
   * IOPS); `rate` — the growth rate scales with traffic (disk, storage); `none` — not traffic-driven.
   */
  traffic: 'level' | 'rate' | 'none';
  /** The spec's current value: a declared estimate until a measurement replaces it. */
  estimate: { value: number; note: string };
}

export interface CapacityProject {
  id: string;
  name: string;
  window: string;
  summary: string;
  /** Limit ids this project relieves. */
  relieves: string[];
  expectedEffect: string;
}

export interface Sample {
  limit: string;
  value: number;
  /** ISO time of the measurement. */
  at: string;
  source: string;
  provenance: Provenance;
}

export interface ForecastPoint {
  at: string;
  value: number;
}

export type Forecast =
  | {
      slopePerDay: number;
      /** Value of the fit line at `origin` (so the line is value = intercept + slope × days). */
      intercept: number;
      origin: string;
      r2: number;
      points: number;
      windowDays: number;
      /** null when the fit never reaches the threshold (it is not growing). */
      triggerAt: string | null;
      criticalAt: string | null;
      actBy: string | null;
    }
  | { refused: string; points: number; windowDays: number };

export interface ScenarioForecast {
  multiplier: number;
  overDays: number;
  /** What the scenario starts from: the fitted trend, or the current value when no trend was fitted. */
  basis: 'trend' | 'current';
  triggerAt: string | null;
  actBy: string | null;
}

export interface CurrentValue {
  value: number;
  source: string;
  provenance: Provenance;
  at: string;
}

export interface LimitView extends LimitDefinition {
  origin: 'file' | 'api';
  current: CurrentValue;
  /** Why no live value exists (e.g. "no replicas"), when a collector said so. */
  collectorNote?: string;
  forecast: Forecast;
  scenario?: ScenarioForecast | { refused: string };
  status: CapacityStatus;
  statusReason: string;
  policy: string;
  daysToTrigger: number | null;
  percentOfTrigger: number;
}
