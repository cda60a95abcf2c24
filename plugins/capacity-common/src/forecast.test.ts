import { DAY_MS, forecastLimit, scenarioForecast } from './forecast';

const now = new Date('2026-12-01T00:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY_MS);

describe('forecastLimit', () => {
  it('gives the exact trigger, critical and act-by dates for an exact linear series', () => {
    // 500 GB 13 days ago, +2 GB/day: 526 GB now; 650 GB is 62 days after now.
    const samples = Array.from({ length: 14 }, (_, i) => ({
      at: daysAgo(13 - i),
      value: 500 + 2 * i,
    }));
    const f = forecastLimit({
      samples,
      now,
      trigger: 650,
      critical: 836,
      leadTimeWeeksMax: 8,
    });
    if ('refused' in f) throw new Error(f.refused);
    expect(f.slopePerDay).toBeCloseTo(2, 10);
    expect(f.r2).toBeCloseTo(1, 10);
    expect(f.points).toBe(14);
    expect(f.triggerAt).toBe('2027-02-01T00:00:00.000Z'); // now + 62 days
    expect(f.criticalAt).toBe('2027-05-05T00:00:00.000Z'); // now + 155 days
    expect(f.actBy).toBe('2026-12-07T00:00:00.000Z'); // trigger − 8 weeks
  });

  it('refuses a flat series and says why', () => {
    const samples = Array.from({ length: 10 }, (_, i) => ({
      at: daysAgo(i),
      value: 150,
    }));
    const f = forecastLimit({
      samples,
      now,
      trigger: 300,
      critical: 380,
      leadTimeWeeksMax: 3,
    });
    expect(f).toEqual({
      refused:
        'flat series: every sample in the window is 150; there is no growth to extrapolate',
      points: 10,
      windowDays: 14,
    });
  });

  it('refuses a noisy series with its R²', () => {
    const noise = [5, -7, 9, -4, 6, -8, 3, -6, 8, -5, 7, -9];
    const samples = noise.map((n, i) => ({
      at: daysAgo(12 - i),
      value: 100 + n,
    }));
    const f = forecastLimit({
      samples,
      now,
      trigger: 300,
      critical: 380,
      leadTimeWeeksMax: 3,
    });
    expect('refused' in f && f.refused).toMatch(
      /^R² 0\.\d\d is below 0\.7: the samples are too noisy/,
    );
  });

  it('refuses with too few points, counting only the window', () => {
    const samples = [
      { at: daysAgo(30), value: 1 },
      { at: daysAgo(20), value: 2 },
      { at: daysAgo(2), value: 3 },
      { at: daysAgo(1), value: 4 },
    ];
    const f = forecastLimit({
      samples,
      now,
      trigger: 10,
      critical: 20,
      leadTimeWeeksMax: 1,
    });
    expect(f).toEqual({
      refused:
        'only 2 samples in the last 14 days; a forecast needs at least 6',
      points: 2,
      windowDays: 14,
    });
  });

  it('has no trigger date for a shrinking series', () => {
    const samples = Array.from({ length: 8 }, (_, i) => ({
      at: daysAgo(7 - i),
      value: 100 - i,
    }));
    const f = forecastLimit({
      samples,
      now,
      trigger: 300,
      critical: 400,
      leadTimeWeeksMax: 2,
    });
    if ('refused' in f) throw new Error(f.refused);
    expect(f.triggerAt).toBeNull();
    expect(f.actBy).toBeNull();
  });
});

describe('scenarioForecast', () => {
  it('level: the value scales with traffic ramping to 5× over 180 days', () => {
    // 150 connections, no trend; trigger 300 reached when the ramp hits 2× = day 45.
    const s = scenarioForecast({
      traffic: 'level',
      valueNow: 150,
      now,
      trigger: 300,
      leadTimeWeeksMax: 3,
      multiplier: 5,
      overDays: 180,
    });
    expect(s).toEqual({
      multiplier: 5,
      overDays: 180,
      basis: 'current',
      triggerAt: new Date(now.getTime() + 45 * DAY_MS).toISOString(),
      actBy: new Date(now.getTime() + 24 * DAY_MS).toISOString(),
    });
  });

  it('rate: refuses without a trend', () => {
    expect(
      scenarioForecast({
        traffic: 'rate',
        valueNow: 500,
        now,
        trigger: 650,
        leadTimeWeeksMax: 8,
        multiplier: 5,
        overDays: 180,
      }),
    ).toEqual({
      refused:
        'this limit grows with the rate of traffic; the scenario needs a fitted trend',
    });
  });

  it('rate: growth per day scales, so the trigger comes sooner than the plain trend', () => {
    const s = scenarioForecast({
      traffic: 'rate',
      valueNow: 500,
      slopePerDay: 1,
      now,
      trigger: 650,
      leadTimeWeeksMax: 8,
      multiplier: 5,
      overDays: 180,
    });
    if ('refused' in s) throw new Error(s.refused);
    const days = (new Date(s.triggerAt!).getTime() - now.getTime()) / DAY_MS;
    // Plain trend: 150 days. With the ramp, Σ (1 + 4d/180) for d = 1..n = n + n(n+1)/90 ≥ 150
    // first at n = 80 (79 gives 149.2, 80 gives 152).
    expect(days).toBe(80);
  });
});
