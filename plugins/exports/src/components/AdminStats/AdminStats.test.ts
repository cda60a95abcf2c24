import { stats } from '../../__testUtils__/fixtures';
import { durationBars } from './AdminStats';

describe('durationBars', () => {
  it('labels buckets by their upper bound and the open one by the last bound', () => {
    expect(durationBars(stats())).toEqual([
      { bucket: '≤ 30 s', jobs: 4 },
      { bucket: '≤ 60 s', jobs: 2 },
      { bucket: '> 60 s', jobs: 1 },
    ]);
  });
});
