import {
  histogramQuantile,
  parseEventName,
  LATENCY_BUCKETS_MS,
} from './constants';

describe('parseEventName', () => {
  it('reads noun.verb as version 1 and noun.verb.vN as version N', () => {
    expect(parseEventName('export.completed')).toEqual({
      type: 'export.completed',
      version: 1,
    });
    expect(parseEventName('export.completed.v2')).toEqual({
      type: 'export.completed',
      version: 2,
    });
    expect(parseEventName('account.limit_approached.v12')).toEqual({
      type: 'account.limit_approached',
      version: 12,
    });
  });

  it('rejects other shapes', () => {
    for (const bad of [
      'export',
      'Export.completed',
      'export.completed.v1',
      'a.b.c',
      'x.y.v0',
    ]) {
      expect(parseEventName(bad)).toBeUndefined();
    }
  });
});

describe('histogramQuantile', () => {
  const empty = () => new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);

  it('is undefined for an empty histogram', () => {
    expect(histogramQuantile(empty(), 0.95)).toBeUndefined();
  });

  it('interpolates inside the bucket holding the rank', () => {
    const buckets = empty();
    buckets[5] = 100; // (50, 100] ms
    expect(histogramQuantile(buckets, 0.5)).toBe(75);
    expect(histogramQuantile(buckets, 1)).toBe(100);
  });

  it('reports the lower bound for the overflow bucket', () => {
    const buckets = empty();
    buckets[LATENCY_BUCKETS_MS.length] = 3;
    expect(histogramQuantile(buckets, 0.95)).toBe(10000);
  });
});
