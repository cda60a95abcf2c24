import { ALERT_PRESETS, AlertRule } from './alerts';
import {
  budgetAt,
  burnRate,
  evaluateAlert,
  evaluatePolicy,
  windowStartAfter,
} from './evaluate';
import { latencyGood } from './histogram';
import { MINUTE_MS, MinutePoint, MinuteSeries } from './series';

// Golden tests: every expected value below is computed by hand in the comment beside it.

const T0 = Date.UTC(2026, 10, 1) / MINUTE_MS; // 2026-11-01T00:00Z as an epoch minute
const DAY = 1440;

function constantSeries(
  first: number,
  last: number,
  perMinute: (minute: number) => { good: number; total: number },
): MinuteSeries {
  const points: MinutePoint[] = [];
  for (let m = first; m <= last; m++) {
    points.push({ minuteMs: m * MINUTE_MS, ...perMinute(m) });
  }
  return new MinuteSeries(first, last, points);
}

const rule = (preset: keyof typeof ALERT_PRESETS, name: string): AlertRule =>
  ALERT_PRESETS[preset].find(r => r.name === name)!;

describe('error budget', () => {
  it('a constant error rate equal to the budget rate consumes exactly the budget over the window', () => {
    // objective 99.9 %: budget rate 0.1 %. 1,000 requests a minute, 1 bad: error rate 0.1 %.
    const last = T0 + 30 * DAY - 1;
    const series = constantSeries(T0, last, () => ({ good: 999, total: 1000 }));
    const budget = budgetAt(series, 0.999, 'rolling-30d', last);
    // 30 days × 1,440 minutes × 1,000 = 43,200,000 requests, 43,200 bad.
    expect(budget.total).toBe(43_200_000);
    expect(budget.good).toBe(43_200_000 - 43_200);
    // consumed = (43,200 / 43,200,000) / 0.001 = 1; remaining = 0.
    expect(budget.consumed).toBeCloseTo(1, 9);
    expect(budget.remaining).toBeCloseTo(0, 9);
    expect(budget.sli).toBeCloseTo(0.999, 12);
    // Every burn rate is exactly 1 ×.
    for (const w of [5, 60, 4320]) {
      expect(burnRate(series, 0.999, w, last)).toBeCloseTo(1, 9);
    }
    expect(evaluatePolicy(budget, 'rolling-30d').state).toBe('freeze');
  });

  it('the window roll restores the budget when the bad minutes leave a rolling window', () => {
    // Day one of 31 days has a 10-minute outage (all bad); otherwise 100 good per minute.
    const outageFirst = T0 + 600; // 10:00 on day one
    const outageLast = outageFirst + 9;
    const last = T0 + 31 * DAY;
    const series = constantSeries(T0, last, m =>
      m >= outageFirst && m <= outageLast
        ? { good: 0, total: 100 }
        : { good: 100, total: 100 },
    );
    const objective = 0.999;
    // Window (m − 43,200, m]: minute x is inside while x > m − 43,200. At
    // m = outageFirst + 43,199 all ten outage minutes are inside:
    // total = 43,200 × 100; bad = 1,000 → error rate 1,000 / 4,320,000; / 0.001 = 0.231481…
    const m1 = outageFirst + 30 * DAY - 1;
    const b1 = budgetAt(series, objective, 'rolling-30d', m1);
    expect(b1.total - b1.good).toBe(1000);
    expect(b1.consumed).toBeCloseTo(1000 / 4_320_000 / 0.001, 9);
    expect(b1.remaining).toBeCloseTo(1 - 0.23148148148, 9);
    // Five minutes later five outage minutes have left: bad = 500.
    const b2 = budgetAt(series, objective, 'rolling-30d', m1 + 5);
    expect(b2.total - b2.good).toBe(500);
    // One minute after the last one left, the budget is whole again.
    const b3 = budgetAt(
      series,
      objective,
      'rolling-30d',
      outageLast + 30 * DAY,
    );
    expect(b3.total - b3.good).toBe(0);
    expect(b3.consumed).toBe(0);
    expect(b3.remaining).toBe(1);
  });

  it('a calendar-month window starts at the first minute of the month', () => {
    const at = Date.UTC(2026, 10, 17, 12, 30) / MINUTE_MS;
    expect(windowStartAfter('calendar-month', at)).toBe(T0 - 1);
    // A bad minute on 31 October is not in November's budget.
    const series = constantSeries(T0 - 60, at, m =>
      m < T0 ? { good: 0, total: 10 } : { good: 10, total: 10 },
    );
    expect(budgetAt(series, 0.99, 'calendar-month', at).consumed).toBe(0);
    expect(budgetAt(series, 0.99, 'rolling-30d', at).consumed).toBeGreaterThan(
      0,
    );
  });

  it('reports no SLI and an unknown policy without traffic', () => {
    const series = new MinuteSeries(T0, T0 + 10, []);
    const budget = budgetAt(series, 0.99, 'rolling-1d', T0 + 10);
    expect(budget).toMatchObject({
      sli: null,
      consumed: null,
      remaining: null,
    });
    expect(evaluatePolicy(budget, 'rolling-1d').state).toBe('unknown');
    expect(burnRate(series, 0.99, 5, T0 + 10)).toBeNull();
  });
});

describe('burn-rate alerts', () => {
  // 1,000 requests a minute, no errors, except a one-hour spike of 2 % errors from minute S:
  // objective 99.9 % → burn rate 0.02 / 0.001 = 20 × during the spike.
  const S = T0 + 2 * DAY;
  const spikeLast = S + 59;
  const series = constantSeries(T0, S + 3 * 60, m =>
    m >= S && m <= spikeLast
      ? { good: 980, total: 1000 }
      : { good: 1000, total: 1000 },
  );
  const at = (m: number, r: AlertRule, forMinutes = 0) =>
    evaluateAlert(series, 0.999, r, m, forMinutes);

  it('a one-hour spike fires the fast page alert (10× over 1 h and 5 m) and resolves when the short window drops', () => {
    const fast = rule('spec', 'fast-burn');
    // With k spike minutes in the last hour the 1 h burn rate is 20k/60: above 10 from k = 31.
    // The 5 m window is all spike by then (20 ×). So minute S+29 (k = 30, exactly 10) is not
    // strictly above the factor; S+30 (k = 31, 10.33) fires.
    expect(at(S + 29, fast).longBurnRate).toBeCloseTo(10, 9);
    expect(at(S + 29, fast)).toMatchObject({
      condition: false,
      state: 'inactive',
    });
    expect(at(S + 30, fast)).toMatchObject({
      condition: true,
      state: 'firing',
    });
    expect(at(S + 30, fast).sinceMinute).toBe(S + 30);
    expect(at(spikeLast, fast).state).toBe('firing');
    // After the spike, the 5 m window holds j spike minutes: 20j/5 > 10 needs j ≥ 3.
    // spikeLast+2: j = 3 (12 ×) still firing; spikeLast+3: j = 2 (8 ×) → resolved, although
    // the 1 h window (57 spike minutes, 19 ×) is still far above the factor.
    expect(at(spikeLast + 2, fast)).toMatchObject({ state: 'firing' });
    const resolved = at(spikeLast + 3, fast);
    expect(resolved.shortBurnRate).toBeCloseTo(8, 9);
    expect(resolved.longBurnRate).toBeCloseTo(19, 9);
    expect(resolved).toMatchObject({ condition: false, state: 'resolved' });
    expect(resolved.sinceMinute).toBe(spikeLast + 3);
    // Resolved is shown for an hour, then inactive.
    expect(at(spikeLast + 3 + 59, fast).state).toBe('resolved');
    expect(at(spikeLast + 3 + 60, fast).state).toBe('inactive');
  });

  it('the SRE workbook 14.4× page alert fires later and resolves sooner on the same spike', () => {
    const page1h = rule('sre-workbook', 'page-1h');
    // 20k/60 > 14.4 needs k > 43.2: fires at k = 44, minute S+43.
    expect(at(S + 42, page1h).condition).toBe(false);
    expect(at(S + 43, page1h)).toMatchObject({
      condition: true,
      state: 'firing',
    });
    // 20j/5 > 14.4 needs j ≥ 4: spikeLast+1 (j = 4) fires, spikeLast+2 (j = 3) resolves.
    expect(at(spikeLast + 1, page1h).state).toBe('firing');
    expect(at(spikeLast + 2, page1h).state).toBe('resolved');
    // A 1 h spike at 20 × never holds the 6 h window above 6 (max 20 × 60/360 = 3.33).
    expect(at(spikeLast, rule('sre-workbook', 'page-6h')).condition).toBe(
      false,
    );
  });

  it('a `for` duration adds a pending state', () => {
    const fast = rule('spec', 'fast-burn');
    // Condition from S+30; with for = 10 it is pending S+30 … S+39 and fires at S+40.
    expect(at(S + 30, fast, 10).state).toBe('pending');
    expect(at(S + 39, fast, 10).state).toBe('pending');
    expect(at(S + 40, fast, 10)).toMatchObject({
      state: 'firing',
      sinceMinute: S + 40,
    });
    // With for = 40 the condition (S+30 … spikeLast+2, 32 minutes) never holds long enough.
    expect(at(spikeLast + 2, fast, 40).state).toBe('pending');
    expect(at(spikeLast + 3, fast, 40).state).toBe('inactive');
  });
});

describe('latency SLI from histogram buckets', () => {
  it('equals a direct count of requests at or under the threshold', () => {
    const bounds = [1, 5, 10, 25, 50, 100, 200, 500, 1000, 2000];
    // Deterministic pseudo-random durations (LCG) spread over 0–3,000 ms.
    let seed = 42;
    const durations = Array.from({ length: 5000 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31) ** 3 * 3000;
    });
    // The telemetry's bucketing: first bound ≥ duration, else overflow.
    const buckets = new Array(bounds.length + 1).fill(0);
    for (const d of durations) {
      const i = bounds.findIndex(b => d <= b);
      buckets[i < 0 ? bounds.length : i]++;
    }
    for (const threshold of [5, 200, 500, 2000]) {
      const direct = durations.filter(d => d <= threshold).length;
      expect(latencyGood(buckets, bounds, threshold)).toBe(direct);
    }
    expect(() => latencyGood(buckets, bounds, 300)).toThrow(
      /not a histogram bound/,
    );
  });
});
