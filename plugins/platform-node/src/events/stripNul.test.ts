import { stripNul } from './stripNul';

const NUL = String.fromCharCode(0);

describe('stripNul', () => {
  it('removes U+0000 from strings and keys at any depth, leaving the input unchanged', () => {
    const input = {
      [`a${NUL}b`]: [`x${NUL}`, { deep: `${NUL}y${NUL}z` }, 3, null],
      when: new Date(0),
      flag: true,
    };
    const copy = JSON.parse(JSON.stringify(input));
    expect(stripNul(input)).toEqual({
      ab: ['x', { deep: 'yz' }, 3, null],
      when: new Date(0),
      flag: true,
    });
    expect(JSON.parse(JSON.stringify(input))).toEqual(copy);
    expect(stripNul(`${NUL}`)).toBe('');
  });

  it('returns a value without U+0000 as it is (no copy)', () => {
    const clean = { a: ['x', { b: 'y' }], n: 1 };
    expect(stripNul(clean)).toBe(clean);
  });
});
