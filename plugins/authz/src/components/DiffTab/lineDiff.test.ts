import { lineDiff } from './lineDiff';

describe('lineDiff', () => {
  it('marks removed and added lines around the common ones', () => {
    expect(lineDiff('a\nb\nc', 'a\nx\nc\nd')).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'removed', text: 'b' },
      { kind: 'added', text: 'x' },
      { kind: 'same', text: 'c' },
      { kind: 'added', text: 'd' },
    ]);
  });

  it('identical texts are all the same', () => {
    expect(lineDiff('p\nq', 'p\nq').every(l => l.kind === 'same')).toBe(true);
  });
});
