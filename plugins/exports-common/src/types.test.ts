import { canTransition, EXPORT_STATUSES } from './types';

describe('export status model', () => {
  it('allows exactly the documented transitions', () => {
    const allowed = EXPORT_STATUSES.flatMap(from =>
      EXPORT_STATUSES.filter(to => canTransition(from, to)).map(
        to => `${from}->${to}`,
      ),
    );
    expect(allowed.sort()).toEqual(
      [
        'queued->running',
        'queued->cancelled',
        'running->succeeded',
        'running->failed',
        'running->cancelled',
        'running->queued',
        'succeeded->expired',
        'failed->queued',
        'cancelled->queued',
      ].sort(),
    );
  });
});
