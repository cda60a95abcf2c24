import { GroupCommit, GroupResult } from './GroupCommit';

describe('GroupCommit', () => {
  it('commits the items added in one turn of the event loop together, each getting its own result', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>(async items => {
      batches.push(items);
      return items.map(
        (n): GroupResult<number> =>
          n === 3 ? { error: new Error('three') } : { value: n * 10 },
      );
    });
    const first = [1, 2, 3].map(n => group.add(n));
    const settled = await Promise.allSettled(first);
    const later = await group.add(4);

    expect(batches).toEqual([[1, 2, 3], [4]]);
    expect(
      settled.map(s => (s.status === 'fulfilled' ? s.value : 'x')),
    ).toEqual([10, 20, 'x']);
    expect((settled[2] as PromiseRejectedResult).reason.message).toBe('three');
    expect(later).toBe(40);
  });

  it('splits batches at maxBatch and rejects a whole batch when the commit throws', async () => {
    const batches: string[][] = [];
    const group = new GroupCommit<string, string>(async items => {
      batches.push(items);
      if (items.includes('c')) throw new Error('database down');
      return items.map(value => ({ value }));
    }, 2);
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map(s => group.add(s)),
    );

    expect(batches).toEqual([['a', 'b'], ['c']]);
    expect(results.map(r => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
  });
});
