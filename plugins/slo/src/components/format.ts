export const pct = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`;

export const times = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${x.toFixed(2)}×`;

export function windowLabel(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} d`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}

export function objectiveLabel(slo: {
  objective: number;
  sliKind?: string;
  thresholdMs?: number;
}) {
  const target = pct(slo.objective, slo.objective >= 0.999 ? 1 : 0);
  return slo.sliKind === 'latency' && slo.thresholdMs !== undefined
    ? `${target} within ${slo.thresholdMs} ms`
    : `${target} good`;
}

/** Status colour of an SLO by remaining budget. */
export function budgetStatus(
  remaining: number | null,
): 'ok' | 'warning' | 'error' | 'pending' {
  if (remaining === null) return 'pending';
  if (remaining < 0.25) return 'error';
  if (remaining < 0.5) return 'warning';
  return 'ok';
}
