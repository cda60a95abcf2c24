/**
 * SLO evaluation benchmark. Run:
 *   scripts/with-node.sh node --expose-gc --require @backstage/cli/config/nodeTransform.cjs bench/slo/slo.bench.ts
 *
 * Data: the repository's SLOs (slos/*.yaml, 9 objectives) each with 33 days of synthetic
 * per-minute (good, total) points (30-day window + the 3-day longest alert window), with
 * incidents so that alerts fire. Two tasks, each done by the prefix-sum engine (what the
 * plugin runs) and by a naive recomputation (sum the raw minutes of every window) in the
 * same run, results compared for equality:
 *   A. "evaluate now": budget over the SLO window, 7 burn rates and every alert with its
 *      state replay, at the last minute, for all SLOs (what one scheduler pass computes);
 *   B. "30-day backtest": every alert's condition at every minute of 30 days, all SLOs.
 * Prints medians of BENCH_RUNS runs (default 5), the ratio naive / engine and heap use.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ALERT_PRESETS,
  alertCondition,
  budgetAt,
  BURN_RATE_WINDOWS,
  burnRate,
  evaluateAlert,
  MINUTE_MS,
  MinutePoint,
  MinuteSeries,
  replayAlertState,
  SloDefinition,
  windowStartAfter,
} from '@internal/plugin-slo-common';
import { LATENCY_BUCKETS_MS } from '@internal/plugin-platform-common';
import { loadSloFiles } from '../../plugins/slo-backend/src/service/loadSloFiles';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DAYS = 33;
const END = Date.UTC(2026, 10, 30, 23, 59) / MINUTE_MS; // last evaluated minute
const FIRST = END - DAYS * 1440 + 1;

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function synthetic(seed: number): MinutePoint[] {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const points: MinutePoint[] = [];
  for (let m = FIRST; m <= END; m++) {
    const total = 200 + Math.floor(rand() * 100);
    // A background 0.05 % error rate, and a 90-minute incident every 5 days at 3 %.
    const incident = (m - FIRST) % (5 * 1440) < 90;
    const errorRate = incident ? 0.03 : 0.0005;
    const bad = Math.round(total * errorRate * (0.5 + rand()));
    points.push({ minuteMs: m * MINUTE_MS, good: total - bad, total });
  }
  return points;
}

/** Naive: sum the raw minutes of (after, through] every time. */
class NaiveSeries {
  constructor(
    private readonly first: number,
    private readonly points: MinutePoint[],
  ) {}
  sum(after: number, through: number) {
    let good = 0;
    let total = 0;
    const lo = Math.max(after + 1, this.first);
    for (let m = lo; m <= through; m++) {
      const p = this.points[m - this.first];
      if (!p) continue;
      good += p.good;
      total += p.total;
    }
    return { good, total };
  }
}

function naiveBurn(s: NaiveSeries, objective: number, w: number, at: number) {
  const { good, total } = s.sum(at - w, at);
  return total > 0 ? (total - good) / total / (1 - objective) : null;
}

function naiveCondition(
  s: NaiveSeries,
  objective: number,
  rule: {
    factor: number;
    longWindowMinutes: number;
    shortWindowMinutes: number;
  },
  at: number,
) {
  const long = naiveBurn(s, objective, rule.longWindowMinutes, at);
  if (long === null || long <= rule.factor) return false;
  const short = naiveBurn(s, objective, rule.shortWindowMinutes, at);
  return short !== null && short > rule.factor;
}

interface Data {
  slo: SloDefinition;
  points: MinutePoint[];
}

function engineNow(data: Data[]) {
  const out: unknown[] = [];
  for (const { slo, points } of data) {
    const series = new MinuteSeries(FIRST, END, points);
    const budget = budgetAt(series, slo.objective, slo.window, END);
    const burns = BURN_RATE_WINDOWS.map(w =>
      burnRate(series, slo.objective, w, END),
    );
    const alerts = ALERT_PRESETS[slo.alerting.preset].map(r => {
      const a = evaluateAlert(
        series,
        slo.objective,
        r,
        END,
        slo.alerting.forMinutes,
      );
      return [a.condition, a.state];
    });
    out.push([budget.consumed, burns, alerts]);
  }
  return out;
}

function naiveNow(data: Data[]) {
  const out: unknown[] = [];
  for (const { slo, points } of data) {
    const s = new NaiveSeries(FIRST, points);
    const after = windowStartAfter(slo.window, END);
    const { good, total } = s.sum(after, END);
    const consumed =
      total > 0 ? (total - good) / total / (1 - slo.objective) : null;
    const burns = BURN_RATE_WINDOWS.map(w =>
      naiveBurn(s, slo.objective, w, END),
    );
    const alerts = ALERT_PRESETS[slo.alerting.preset].map(r => {
      const state = replayAlertState(
        m => naiveCondition(s, slo.objective, r, m),
        END,
        slo.alerting.forMinutes,
      ).state;
      return [naiveCondition(s, slo.objective, r, END), state];
    });
    out.push([consumed, burns, alerts]);
  }
  return out;
}

function engineBacktest(data: Data[]) {
  let firing = 0;
  for (const { slo, points } of data) {
    const series = new MinuteSeries(FIRST, END, points);
    for (const r of ALERT_PRESETS[slo.alerting.preset]) {
      for (let m = END - 30 * 1440 + 1; m <= END; m++) {
        if (alertCondition(series, slo.objective, r, m)) firing++;
      }
    }
  }
  return firing;
}

function naiveBacktest(data: Data[]) {
  let firing = 0;
  for (const { slo, points } of data) {
    const s = new NaiveSeries(FIRST, points);
    for (const r of ALERT_PRESETS[slo.alerting.preset]) {
      for (let m = END - 30 * 1440 + 1; m <= END; m++) {
        if (naiveCondition(s, slo.objective, r, m)) firing++;
      }
    }
  }
  return firing;
}

function measure<T>(fn: () => T): { ms: number; heapMb: number; result: T } {
  (global as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().heapUsed;
  const t = performance.now();
  const result = fn();
  const ms = performance.now() - t;
  const heapMb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  return { ms, heapMb, result };
}

async function main() {
  const slos = await loadSloFiles(
    path.resolve(__dirname, '../../slos'),
    LATENCY_BUCKETS_MS,
  );
  const data = slos.map((slo, i) => ({ slo, points: synthetic(i + 1) }));
  const minutes = data.reduce((n, d) => n + d.points.length, 0);
  const alerts = slos.reduce(
    (n, s) => n + ALERT_PRESETS[s.alerting.preset].length,
    0,
  );
  const rows: string[] = [];
  const report = (
    name: string,
    engine: () => unknown,
    naive: () => unknown,
  ) => {
    const e: number[] = [];
    const n: number[] = [];
    const eh: number[] = [];
    let equal = true;
    for (let i = 0; i < RUNS; i++) {
      const a = measure(engine);
      const b = measure(naive);
      e.push(a.ms);
      n.push(b.ms);
      eh.push(a.heapMb);
      equal &&= JSON.stringify(a.result) === JSON.stringify(b.result);
    }
    rows.push(
      `| ${name} | ${median(e).toFixed(1)} ms | ${median(n).toFixed(1)} ms | ${(
        median(n) / median(e)
      ).toFixed(1)}× | ${median(eh).toFixed(1)} MB | ${equal ? 'yes' : 'NO'} |`,
    );
  };
  report(
    'A. evaluate now (budget, 7 burn rates, alerts + state replay)',
    () => engineNow(data),
    () => naiveNow(data),
  );
  report(
    'B. 30-day backtest (every alert condition at every minute)',
    () => engineBacktest(data),
    () => naiveBacktest(data),
  );
  console.log(
    JSON.stringify({
      at: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      slos: slos.length,
      alerts,
      minutes,
      runs: RUNS,
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
  console.log(
    '| task | engine (prefix sums) | naive recomputation | ratio | engine heap Δ | same results |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
