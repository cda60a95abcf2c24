import { derivePhase, PhaseEvidence } from './phase';
import { levelFromPhases, rankByScore, scoreFromPhases } from './score';

const asOf = new Date('2026-12-01T12:00:00Z');
const rules = { legacyQuietDays: 14 };
const none: PhaseEvidence = {
  calls30d: 0,
  lastCallAt: null,
  legacyCalls30d: 0,
  lastLegacyCallAt: null,
};
const daysAgo = (d: number) =>
  new Date(asOf.getTime() - d * 86_400_000).toISOString();

describe('derivePhase', () => {
  it('is 0 without evidence and 1 once platform calls are seen', () => {
    expect(derivePhase('filtering', none, rules, asOf).phase).toBe(0);
    const one = derivePhase(
      'filtering',
      { ...none, calls30d: 4, lastCallAt: daysAgo(1) },
      rules,
      asOf,
    );
    expect(one).toEqual({
      phase: 1,
      reason: '4 calls to the platform service in 30 days',
    });
  });

  it('is 2 while the shim reports legacy calls, 3 after the quiet period', () => {
    const wrapped = { ...none, calls30d: 4, legacyCalls30d: 2 };
    expect(
      derivePhase(
        'export',
        { ...wrapped, lastLegacyCallAt: daysAgo(13) },
        rules,
        asOf,
      ).phase,
    ).toBe(2);
    expect(
      derivePhase(
        'export',
        { ...wrapped, legacyCalls30d: 0, lastLegacyCallAt: daysAgo(14) },
        rules,
        asOf,
      ).phase,
    ).toBe(3);
    // Quiet legacy path but no platform calls: not migrated, nothing uses the platform.
    expect(
      derivePhase(
        'export',
        { ...none, lastLegacyCallAt: daysAgo(20) },
        rules,
        asOf,
      ).phase,
    ).toBe(0);
  });

  it('permissions: shadow mode is 2 with its rate, enforcement without legacy calls is 3', () => {
    const shadow = derivePhase(
      'permissions',
      {
        ...none,
        shadow: { mode: 'shadow', checks: 1000, discrepancies: 3, rate: 0.003 },
      },
      rules,
      asOf,
    );
    expect(shadow.phase).toBe(2);
    expect(shadow.reason).toContain('0.300%');
    const enforce = {
      ...none,
      shadow: {
        mode: 'enforce' as const,
        checks: 10,
        discrepancies: 0,
        rate: 0,
      },
    };
    expect(derivePhase('permissions', enforce, rules, asOf).phase).toBe(3);
    expect(
      derivePhase(
        'permissions',
        { ...enforce, legacyCalls30d: 5, lastLegacyCallAt: daysAgo(1) },
        rules,
        asOf,
      ).phase,
    ).toBe(2);
    // Calls alone, shadow off: phase 1.
    expect(
      derivePhase(
        'permissions',
        {
          ...none,
          calls30d: 3,
          shadow: { mode: 'off', checks: 0, discrepancies: 0, rate: null },
        },
        rules,
        asOf,
      ).phase,
    ).toBe(1);
  });
});

describe('scores', () => {
  it('weights phases by capability and levels by the lowest phase', () => {
    const { score, checks } = scoreFromPhases([
      { capability: 'permissions', phase: 3 },
      { capability: 'filtering', phase: 1 },
      { capability: 'export', phase: 0 },
    ]);
    // 0.4 * 3/3 + 0.35 * 1/3 + 0 = 0.5167
    expect(score).toBe(51.7);
    expect(checks.map(c => c.points)).toEqual([40, 11.7, 0]);
    expect(levelFromPhases([3, 1, 0])).toBe('none');
    expect(levelFromPhases([3, 1, 1])).toBe('bronze');
    expect(levelFromPhases([2, 2, 3])).toBe('silver');
    expect(levelFromPhases([3, 3, 3])).toBe('gold');
    expect(
      scoreFromPhases([
        { capability: 'permissions', phase: 3 },
        { capability: 'filtering', phase: 3 },
        { capability: 'export', phase: 3 },
      ]).score,
    ).toBe(100);
  });

  it('ranks ties equally', () => {
    const ranked = rankByScore([
      { team: 'a', score: 10 },
      { team: 'b', score: 50 },
      { team: 'c', score: 10 },
    ]);
    expect(ranked.map(r => [r.team, r.rank])).toEqual([
      ['b', 1],
      ['a', 2],
      ['c', 2],
    ]);
  });
});
