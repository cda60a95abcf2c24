import fc from 'fast-check';
import { CheckRequest } from '@internal/plugin-authz-common';
import { DecisionCache } from './DecisionCache';

// Strings drawn from a small alphabet, to provoke collisions between parts.
const text = fc.stringOf(fc.constantFrom('a', 'b', '\u0000', '[', 's', '-'), {
  maxLength: 4,
});
const value = fc.oneof(
  text,
  fc.array(fc.oneof(text, fc.integer({ min: 0, max: 2 })), { maxLength: 3 }),
  fc.integer({ min: -2, max: 2 }),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(text, text, { maxKeys: 2 }),
);
const attrs = fc.option(fc.dictionary(text, value, { maxKeys: 3 }), {
  nil: undefined,
});
const check: fc.Arbitrary<CheckRequest> = fc
  .record({
    st: fc.constantFrom('product-user', 'service'),
    sid: text,
    sa: attrs,
    action: text,
    rt: text,
    rid: text,
    ra: attrs,
    ctx: attrs,
  })
  .map(({ st, sid, sa, action, rt, rid, ra, ctx }) => ({
    subject: {
      type: st as CheckRequest['subject']['type'],
      id: sid,
      ...(sa ? { attributes: sa } : {}),
    },
    action,
    resource: { type: rt, id: rid, ...(ra ? { attributes: ra } : {}) },
    ...(ctx ? { context: ctx } : {}),
  }));

/** Structural identity of a check (what the cache must distinguish). */
const identity = (c: CheckRequest) =>
  JSON.stringify([
    c.subject.type,
    c.subject.id,
    c.subject.attributes ? Object.entries(c.subject.attributes) : null,
    c.action,
    c.resource.type,
    c.resource.id,
    c.resource.attributes ? Object.entries(c.resource.attributes) : null,
    c.context ? Object.entries(c.context) : null,
  ]);

const sample: CheckRequest = {
  subject: { type: 'product-user', id: 'u1' },
  action: 'dashboard.read',
  resource: {
    type: 'dashboard',
    id: 'd1',
    attributes: { account: 'acc', data_classes: ['pii'] },
  },
};

const allow = { allowed: true, reason: 'a' };

describe('DecisionCache', () => {
  it('answers a check only with the decision of an equal check (property)', () => {
    fc.assert(
      fc.property(check, check, (a, b) => {
        const cache = new DecisionCache({ maxEntries: 4 });
        cache.set(a, allow);
        const shared = cache.get(b) !== undefined;
        return shared === (identity(a) === identity(b));
      }),
      { numRuns: 20000 },
    );
    const cache = new DecisionCache();
    cache.set(sample, allow);
    expect(cache.get(JSON.parse(JSON.stringify(sample)))).toBe(allow);
  });

  it('tells arrays, nested objects and look-alike values apart', () => {
    const cache = new DecisionCache();
    const withAttrs = (attributes: Record<string, unknown>): CheckRequest => ({
      ...sample,
      resource: { type: 't', id: 'i', attributes },
    });
    cache.set(withAttrs({ x: ['a', 'b'] }), allow);
    expect(cache.get(withAttrs({ x: '[2', a: 'b' }))).toBeUndefined();
    expect(cache.get(withAttrs({ x: ['a'], b: 'b' }))).toBeUndefined();
    expect(cache.get(withAttrs({ x: { 0: 'a', 1: 'b' } }))).toBeUndefined();
    expect(cache.get(withAttrs({ x: 2 }))).toBeUndefined();
    expect(cache.get(withAttrs({ x: '2' }))).toBeUndefined();
    expect(cache.get(withAttrs({ x: ['a', 'b'] }))).toBe(allow);
  });

  it('keeps the size limit and prunes evicted and expired checks from the trie', async () => {
    // a TTL far above the time 1,000 sets take on a busy machine (50 ms failed under load)
    const cache = new DecisionCache({ maxEntries: 10, ttlMs: 1000 });
    const nth = (n: number): CheckRequest => ({
      ...sample,
      resource: { ...sample.resource, id: `d${n}` },
    });
    cache.set(nth(0), allow);
    const nodesOfOne = cache.trieNodes;
    for (let n = 1; n < 1000; n++) cache.set(nth(n), allow);
    expect(cache.size).toBe(10);
    expect(cache.get(nth(0))).toBeUndefined();
    expect(cache.get(nth(999))).toBe(allow);
    // one shared prefix (subject type, id, no attributes, action, resource type) and one
    // chain per held check: evicted checks left nothing behind
    const prefix = 5;
    expect(cache.trieNodes).toBe(prefix + 10 * (nodesOfOne - prefix));
    await new Promise(resolve => setTimeout(resolve, 1100));
    for (let n = 990; n < 1000; n++) expect(cache.get(nth(n))).toBeUndefined();
    expect(cache.trieNodes).toBe(0);
    expect(cache.hitRate).toBeCloseTo(1 / 12);
  });

  it('clear drops every decision and node', () => {
    const cache = new DecisionCache();
    cache.set(sample, allow);
    cache.clear();
    expect(cache.get(sample)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.trieNodes).toBe(0);
  });
});
