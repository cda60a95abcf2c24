import { bytesPerRowBasis } from './exportEstimate';
import { ExportJob } from '../../api/ExportsApi';

const job = (overrides: Partial<ExportJob>): ExportJob => ({
  id: 'a',
  status: 'succeeded',
  dataset: 'events',
  accountId: 'acc',
  format: 'csv',
  delivery: { type: 'download' },
  progress: 1,
  rowsWritten: 100,
  bytesWritten: 5000,
  attempts: 1,
  createdAt: '2026-12-01T12:00:00Z',
  finishedAt: '2026-12-01T12:00:05Z',
  region: 'us',
  requestedBy: 'user:default/a',
  ...overrides,
});

describe('bytesPerRowBasis', () => {
  it('takes the newest succeeded export of the same dataset and format', () => {
    expect(
      bytesPerRowBasis(
        [
          job({ id: 'running', status: 'running', bytesWritten: 1 }),
          job({ id: 'pdf', format: 'pdf', bytesWritten: 90_000 }),
          job({ id: 'empty', rowsWritten: 0, bytesWritten: 0 }),
          job({ id: 'newest', bytesWritten: 4200 }),
          job({ id: 'older', bytesWritten: 9000 }),
        ],
        'events',
        'csv',
      ),
    ).toEqual({
      exportId: 'newest',
      bytesPerRow: 42,
      finishedAt: '2026-12-01T12:00:05Z',
    });
  });

  it('has no basis without such an export', () => {
    expect(
      bytesPerRowBasis([job({ dataset: 'orders' })], 'events', 'csv'),
    ).toBe(undefined);
  });
});
