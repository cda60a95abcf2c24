import {
  linearRegression,
  linearRegressionLine,
  rSquared,
} from 'simple-statistics';
import { Forecast, ScenarioForecast } from './types';

export const DAY_MS = 86_400_000;

export interface ForecastOptions {
  /** Fit over samples of the last `windowDays` (default 14). */
  windowDays: number;
  /** Refuse with fewer samples than this. */
  minPoints: number;
  /** Refuse when the fit explains less than this share of the variance. */
  minR2: number;
}

export const DEFAULT_FORECAST_OPTIONS: ForecastOptions = {
  windowDays: 14,
  minPoints: 6,
  minR2: 0.7,
};

export interface ForecastInput {
  samples: Array<{ at: Date; value: number }>;
  now: Date;
  trigger: number;
  critical: number;
  /** Upper bound of the mitigation's lead time. */
  leadTimeWeeksMax: number;
}

const roundToSecond = (ms: number) => Math.round(ms / 1000) * 1000;

function crossing(
  intercept: number,
  slope: number,
  origin: number,
  threshold: number,
): Date | null {
  if (slope <= 0) return null;
  return new Date(
    roundToSecond(origin + ((threshold - intercept) / slope) * DAY_MS),
  );
}

function formatR2(r2: number) {
  return Number.isFinite(r2) ? r2.toFixed(2) : String(r2);
}

/**
 * Least-squares line over the window; refuses (with the reason) when there are too few points,
 * the series is flat, or R² is below the minimum. Dates are where the fitted line crosses the
 * thresholds; act-by = trigger date − the lead time's upper bound.
 */
export function forecastLimit(
  input: ForecastInput,
  options: ForecastOptions = DEFAULT_FORECAST_OPTIONS,
): Forecast {
  const { windowDays, minPoints, minR2 } = options;
  const from = input.now.getTime() - windowDays * DAY_MS;
  const inWindow = input.samples
    .filter(
      s => s.at.getTime() >= from && s.at.getTime() <= input.now.getTime(),
    )
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const points = inWindow.length;
  const refuse = (refused: string): Forecast => ({
    refused,
    points,
    windowDays,
  });
  if (points < minPoints) {
    return refuse(
      `only ${points} sample${
        points === 1 ? '' : 's'
      } in the last ${windowDays} days; a forecast needs at least ${minPoints}`,
    );
  }
  const origin = inWindow[0].at.getTime();
  const spanDays = (inWindow[points - 1].at.getTime() - origin) / DAY_MS;
  if (spanDays <= 0) {
    return refuse('all samples share one timestamp; no time trend to fit');
  }
  const first = inWindow[0].value;
  if (inWindow.every(s => s.value === first)) {
    return refuse(
      `flat series: every sample in the window is ${first}; there is no growth to extrapolate`,
    );
  }
  const data = inWindow.map(s => [(s.at.getTime() - origin) / DAY_MS, s.value]);
  const { m, b } = linearRegression(data);
  const r2 = rSquared(data, linearRegressionLine({ m, b }));
  if (!(r2 >= minR2)) {
    return refuse(
      `R² ${formatR2(
        r2,
      )} is below ${minR2}: the samples are too noisy for a straight-line forecast`,
    );
  }
  const triggerAt = crossing(b, m, origin, input.trigger);
  const criticalAt = crossing(b, m, origin, input.critical);
  const actBy = triggerAt
    ? new Date(triggerAt.getTime() - input.leadTimeWeeksMax * 7 * DAY_MS)
    : null;
  return {
    slopePerDay: m,
    intercept: b,
    origin: new Date(origin).toISOString(),
    r2,
    points,
    windowDays,
    triggerAt: triggerAt?.toISOString() ?? null,
    criticalAt: criticalAt?.toISOString() ?? null,
    actBy: actBy?.toISOString() ?? null,
  };
}

/** Value of a fitted forecast's line at `at`. */
export function fitValueAt(
  forecast: Extract<Forecast, { slopePerDay: number }>,
  at: Date,
): number {
  return (
    forecast.intercept +
    forecast.slopePerDay *
      ((at.getTime() - new Date(forecast.origin).getTime()) / DAY_MS)
  );
}

export interface ScenarioInput {
  traffic: 'level' | 'rate';
  /** Value now (the fit's value now when a trend exists, else the current value). */
  valueNow: number;
  /** Fitted growth per day, when a trend was fitted. */
  slopePerDay?: number;
  now: Date;
  trigger: number;
  leadTimeWeeksMax: number;
  /** Traffic multiplier reached after `overDays` (the spec: 5× in 6 months). */
  multiplier: number;
  overDays: number;
  /** Stop searching after this many days (default 3 years). */
  horizonDays?: number;
}

/**
 * The growth scenario: traffic ramps linearly to `multiplier`× over `overDays`. A `level`
 * limit scales with traffic (value × ramp, on top of its trend); a `rate` limit's growth per
 * day scales with traffic, so it needs a fitted trend. Day resolution.
 */
export function scenarioForecast(
  input: ScenarioInput,
): ScenarioForecast | { refused: string } {
  const { multiplier, overDays, now, trigger } = input;
  const horizon = input.horizonDays ?? 3 * 365;
  const ramp = (day: number) =>
    1 + (multiplier - 1) * Math.min(day / overDays, 1);
  const slope = input.slopePerDay ?? 0;
  if (input.traffic === 'rate' && input.slopePerDay === undefined) {
    return {
      refused:
        'this limit grows with the rate of traffic; the scenario needs a fitted trend',
    };
  }
  let value = input.valueNow;
  let hit: number | null = null;
  for (let day = 0; day <= horizon; day++) {
    if (day > 0) {
      value =
        input.traffic === 'level'
          ? (input.valueNow + slope * day) * ramp(day)
          : value + slope * ramp(day);
    }
    if (value >= trigger) {
      hit = day;
      break;
    }
  }
  const triggerAt =
    hit === null ? null : new Date(now.getTime() + hit * DAY_MS);
  return {
    multiplier,
    overDays,
    basis: input.slopePerDay === undefined ? 'current' : 'trend',
    triggerAt: triggerAt?.toISOString() ?? null,
    actBy: triggerAt
      ? new Date(
          triggerAt.getTime() - input.leadTimeWeeksMax * 7 * DAY_MS,
        ).toISOString()
      : null,
  };
}
