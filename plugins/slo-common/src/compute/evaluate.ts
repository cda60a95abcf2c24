import {
  AlertRule,
  AlertState,
  RESOLVED_HOLD_MINUTES,
  replayAlertState,
} from './alerts';
import { MINUTE_MS, MinuteSeries } from './series';

/** Windows reported by `GET /slos/:id` (minutes). */
export const BURN_RATE_WINDOWS = [5, 30, 60, 120, 360, 1440, 4320] as const;

/** Error-budget policy: below this share of budget left, freeze non-critical deploys. */
export const FREEZE_BELOW_REMAINING = 0.25;

export interface BudgetAt {
  /** good/total over the SLO window; null without traffic. */
  sli: number | null;
  good: number;
  total: number;
  /** (bad/total) / (1 − objective); null without traffic. */
  consumed: number | null;
  /** 1 − consumed (negative when overspent); null without traffic. */
  remaining: number | null;
  /** The window's minutes: (afterMinute, throughMinute]. */
  afterMinute: number;
  throughMinute: number;
}

export interface BurnRate {
  windowMinutes: number;
  /** null when the window saw no traffic. */
  value: number | null;
}

export interface AlertEvaluation extends AlertRule {
  longBurnRate: number | null;
  shortBurnRate: number | null;
  condition: boolean;
  state: AlertState;
  sinceMinute: number;
}

export type PolicyState = 'normal' | 'freeze' | 'unknown';

export interface PolicyEvaluation {
  state: PolicyState;
  reason: string;
}

export interface WindowSpec {
  /** `rolling-<N>d` or `calendar-month`. */
  window: string;
}

/** The minute just before the SLO window that ends at minute `at` (window = (after, at]). */
export function windowStartAfter(window: string, at: number): number {
  const rolling = /^rolling-(\d+)d$/.exec(window);
  if (rolling) return at - Number(rolling[1]) * 1440;
  if (window === 'calendar-month') {
    const d = new Date(at * MINUTE_MS);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / MINUTE_MS - 1;
  }
  throw new Error(`Unknown SLO window ${window}`);
}

/** Longest history (minutes) an evaluation at one minute may read, for loading series. */
export function lookbackMinutes(
  window: string,
  rules: readonly AlertRule[],
  forMinutes: number,
): number {
  const rolling = /^rolling-(\d+)d$/.exec(window);
  const windowMinutes = rolling ? Number(rolling[1]) * 1440 : 31 * 1440;
  const longest = Math.max(
    ...BURN_RATE_WINDOWS,
    ...rules.map(r => r.longWindowMinutes),
  );
  // Alert replay looks back forMinutes + hold + 2 minutes, each reading its long window.
  return Math.max(
    windowMinutes,
    longest + forMinutes + RESOLVED_HOLD_MINUTES + 2,
  );
}

export function budgetAt(
  series: MinuteSeries,
  objective: number,
  window: string,
  at: number,
): BudgetAt {
  const afterMinute = windowStartAfter(window, at);
  const { good, total } = series.sum(afterMinute, at);
  if (total <= 0) {
    return {
      sli: null,
      good,
      total,
      consumed: null,
      remaining: null,
      afterMinute,
      throughMinute: at,
    };
  }
  const consumed = (total - good) / total / (1 - objective);
  return {
    sli: good / total,
    good,
    total,
    consumed,
    remaining: 1 - consumed,
    afterMinute,
    throughMinute: at,
  };
}

/** Burn rate over the minutes (at − w, at]: error rate divided by the budgeted error rate. */
export function burnRate(
  series: MinuteSeries,
  objective: number,
  windowMinutes: number,
  at: number,
): number | null {
  const { good, total } = series.sum(at - windowMinutes, at);
  if (total <= 0) return null;
  return (total - good) / total / (1 - objective);
}

/** Both windows strictly above the factor. */
export function alertCondition(
  series: MinuteSeries,
  objective: number,
  rule: AlertRule,
  at: number,
): boolean {
  const long = burnRate(series, objective, rule.longWindowMinutes, at);
  if (long === null || long <= rule.factor) return false;
  const short = burnRate(series, objective, rule.shortWindowMinutes, at);
  return short !== null && short > rule.factor;
}

export function evaluateAlert(
  series: MinuteSeries,
  objective: number,
  rule: AlertRule,
  at: number,
  forMinutes: number,
): AlertEvaluation {
  const longBurnRate = burnRate(series, objective, rule.longWindowMinutes, at);
  const shortBurnRate = burnRate(
    series,
    objective,
    rule.shortWindowMinutes,
    at,
  );
  const { state, sinceMinute } = replayAlertState(
    m => alertCondition(series, objective, rule, m),
    at,
    forMinutes,
  );
  return {
    ...rule,
    longBurnRate,
    shortBurnRate,
    condition:
      longBurnRate !== null &&
      shortBurnRate !== null &&
      longBurnRate > rule.factor &&
      shortBurnRate > rule.factor,
    state,
    sinceMinute,
  };
}

export function evaluatePolicy(
  budget: BudgetAt,
  window: string,
): PolicyEvaluation {
  if (budget.remaining === null) {
    return { state: 'unknown', reason: 'no traffic in the SLO window' };
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (budget.remaining < FREEZE_BELOW_REMAINING) {
    return {
      state: 'freeze',
      reason: `Freeze non-critical deploys: ${pct(
        budget.remaining,
      )} of the error budget remains over the ${window} window (policy: freeze below ${pct(
        FREEZE_BELOW_REMAINING,
      )}); prioritise reliability work until it recovers.`,
    };
  }
  return {
    state: 'normal',
    reason: `${pct(
      budget.remaining,
    )} of the error budget remains (freeze below ${pct(
      FREEZE_BELOW_REMAINING,
    )}).`,
  };
}

/** Samples of remaining budget for a burn-down chart: every `stepMinutes` through `at`. */
export function burnDown(
  series: MinuteSeries,
  objective: number,
  window: string,
  at: number,
  stepMinutes: number,
): Array<{ minute: number; remaining: number | null }> {
  const start = windowStartAfter(window, at) + 1;
  const points: Array<{ minute: number; remaining: number | null }> = [];
  for (let m = at; m >= start; m -= stepMinutes) {
    // Budget consumed so far in this window (bad minutes since the window start), against
    // the window's total traffic to date: how the budget at `at` was spent over time.
    const spent = series.sum(start - 1, m);
    const total = series.sum(start - 1, at).total;
    points.push({
      minute: m,
      remaining:
        total > 0
          ? 1 - (spent.total - spent.good) / total / (1 - objective)
          : null,
    });
  }
  return points.reverse();
}
