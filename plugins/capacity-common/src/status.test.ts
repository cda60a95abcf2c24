import { evaluateStatus } from './status';

const now = new Date('2026-12-01T00:00:00Z');
const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000);
const base = { trigger: 300, critical: 380, now, yellowWithinDays: 14 };

describe('evaluateStatus at each boundary', () => {
  it.each([
    [299.99, null, 'green'],
    [300, null, 'yellow'], // trigger reached
    [379.99, null, 'yellow'],
    [380, null, 'red'], // critical reached
    [100, inDays(15), 'green'],
    [100, inDays(14), 'yellow'], // act-by exactly yellowWithinDays away
    [100, inDays(0.001), 'yellow'],
    [100, inDays(0), 'red'], // act-by now = passed
    [100, inDays(-1), 'red'],
  ] as const)('value %p, act-by %p → %s', (value, actBy, expected) => {
    expect(evaluateStatus({ ...base, value, actBy }).status).toBe(expected);
  });

  it('names the reason', () => {
    expect(evaluateStatus({ ...base, value: 380, actBy: null }).reason).toBe(
      'current 380 ≥ critical 380',
    );
    expect(
      evaluateStatus({ ...base, value: 100, actBy: inDays(-1) }).reason,
    ).toBe('act-by date 2026-11-30 has passed');
  });
});
