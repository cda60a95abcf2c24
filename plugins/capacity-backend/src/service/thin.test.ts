import { thin } from './CapacityService';

describe('thin', () => {
  it('keeps short series whole', () => {
    expect(thin([1, 2, 3], 200)).toEqual([1, 2, 3]);
  });
  it('keeps first and newest and at most max items, evenly spaced', () => {
    const items = Array.from({ length: 4032 }, (_, i) => i);
    const out = thin(items, 200);
    expect(out).toHaveLength(200);
    expect(out[0]).toBe(0);
    expect(out[199]).toBe(4031);
    expect(out[100]).toBe(Math.round(100 * (4031 / 199)));
  });
});
