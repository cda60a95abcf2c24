import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  FilterEngineBusyError,
  FilterRejectedError,
} from '@internal/plugin-filters-node';
import { classify } from './ExportRunner';
import { RunAbortedError } from './writers/RunAbortedError';

describe('ExportRunner classify', () => {
  it('retries a ServiceUnavailableError (an outage) without showing its internal message', () => {
    const outcome = classify(
      new ServiceUnavailableError(
        'the catalog could not be read for user:default/a: ECONNREFUSED 10.0.0.7',
      ),
    );
    expect(outcome).toEqual({
      type: 'internal',
      message:
        'A service the export needs was unavailable; the export is retried until its last attempt',
      retryable: true,
    });
  });

  it('keeps the other branches: rejections fail at once, a busy engine retries', () => {
    expect(classify(new InputError('bad field'))).toMatchObject({
      type: 'rejected',
      retryable: false,
    });
    expect(classify(new NotAllowedError('no'))).toMatchObject({
      type: 'rejected',
      retryable: false,
    });
    expect(
      classify(
        new FilterRejectedError('too costly', {
          reason: 'cost',
          suggestedFields: [],
        }),
      ),
    ).toMatchObject({
      type: 'rejected',
      retryable: false,
    });
    expect(classify(new FilterEngineBusyError('busy', 5))).toMatchObject({
      type: 'query_failed',
      retryable: true,
    });
    expect(classify(new RunAbortedError('size_limit', 'over 10 rows'))).toEqual(
      { type: 'size_limit', message: 'over 10 rows', retryable: false },
    );
    expect(classify(new Error('boom'))).toMatchObject({
      type: 'internal',
      retryable: true,
    });
  });
});
