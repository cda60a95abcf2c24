import fc from 'fast-check';
import { CheckRequest } from '@internal/plugin-authz-common';
import { decisionKey } from './decisionKey';

// Strings drawn from an alphabet rich in the separators, to provoke collisions.
const text = fc.stringOf(
  fc.constantFrom('a', 'b', '\u0000', '\u0001', '[', 's', '-'),
  {
    maxLength: 4,
  },
);
const value = fc.oneof(
  text,
  fc.array(text, { maxLength: 3 }),
  fc.integer({ min: -2, max: 2 }),
  fc.boolean(),
  fc.constant(null),
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
  })
  .map(({ st, sid, sa, action, rt, rid, ra }) => ({
    subject: {
      type: st as CheckRequest['subject']['type'],
      id: sid,
      ...(sa ? { attributes: sa } : {}),
    },
    action,
    resource: { type: rt, id: rid, ...(ra ? { attributes: ra } : {}) },
  }));

/** Structural identity of a check (what the key must distinguish). */
const identity = (c: CheckRequest) =>
  JSON.stringify([
    c.subject.type,
    c.subject.id,
    c.subject.attributes ? Object.entries(c.subject.attributes) : null,
    c.action,
    c.resource.type,
    c.resource.id,
    c.resource.attributes ? Object.entries(c.resource.attributes) : null,
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

describe('decisionKey', () => {
  it('gives distinct checks distinct keys and equal checks equal keys', () => {
    fc.assert(
      fc.property(check, check, (a, b) => {
        const sameKey = decisionKey(a) === decisionKey(b);
        const same = identity(a) === identity(b);
        return sameKey === same;
      }),
      { numRuns: 20000 },
    );
    expect(decisionKey(JSON.parse(JSON.stringify(sample)))).toBe(
      decisionKey(sample),
    );
  });

  it('tells an array attribute from strings that look like its encoding', () => {
    const a: CheckRequest = {
      ...sample,
      resource: { type: 't', id: 'i', attributes: { x: ['a', 'b'] } },
    };
    const b: CheckRequest = {
      ...sample,
      resource: { type: 't', id: 'i', attributes: { x: '[2', a: 'b' } },
    };
    expect(decisionKey(a)).not.toBe(decisionKey(b));
  });
});
