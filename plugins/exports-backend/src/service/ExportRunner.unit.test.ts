import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  FilterEngineBusyError,
  FilterRejectedError,
} from '@internal/plugin-filters-node';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { mockServices } from '@backstage/backend-test-utils';
import { classify, ExportRunner } from './ExportRunner';
import { DbExportJobRow, ExportStore } from './ExportStore';
import { LocalExportStorage } from './LocalExportStorage';
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

describe('ExportRunner completion (stub store, real files)', () => {
  const job = {
    id: '0c2d7a52-2a0e-4a41-9d5e-3f1c2b6f0a11',
    region: 'us',
    format: 'csv',
    account_id: '7d1f3a0e-5b8c-4c6a-9e2d-1a2b3c4d5e6f',
    dataset: 'events',
    filter: null,
    fields: null,
    readable_data_classes: ['public'],
    delivery: { type: 'download' },
    lease_token: '5a6b7c8d-1e2f-4a3b-8c9d-0e1f2a3b4c5d',
  } as unknown as DbExportJobRow;

  async function runWith(
    completed: boolean,
    { removeFails = false }: { removeFails?: boolean } = {},
  ) {
    const root = mkdtempSync(join(tmpdir(), 'exports-runner-unit-'));
    const completions: unknown[] = [];
    const outcomes: string[] = [];
    const fail = jest.fn(async () => 'failed' as const);
    const store = {
      heartbeat: async () => true,
      completeAndClaim: async (completion: unknown) => {
        completions.push(completion);
        return { completed };
      },
      fail,
    } as unknown as ExportStore;
    const storage = new LocalExportStorage(root);
    if (removeFails) {
      storage.remove = async () => {
        throw new Error('storage unavailable');
      };
    }
    const logger = mockServices.logger.mock();
    const runner = new ExportRunner({
      store,
      storage,
      exporter: {
        estimate: async () => ({
          estimatedRows: 1,
          estimatedCost: 1,
          costThreshold: 10,
          wouldRun: true,
        }),
        exportCsv: async (_request, _context, destination: Writable) => {
          await new Promise<void>(done => destination.end('id\n1\n', done));
        },
      },
      logger,
      workers: 1,
      leaseMs: 30_000,
      heartbeatMs: 1000,
      pollMs: 1000,
      perTenantLimit: 2,
      retentionMs: 60_000,
      maxBytes: 1024,
      onFinished: (_job, outcome) => outcomes.push(outcome),
    });
    await runner.run(job);
    const files = readdirSync(join(root, 'us'));
    const temporary = readdirSync(join(root, 'us', '.tmp'));
    return { completions, outcomes, files, temporary, fail, logger };
  }

  it("commits the file under the attempt's own key before completing", async () => {
    const { completions, outcomes, files, temporary } = await runWith(true);
    const key = `us/${job.id}.${job.lease_token}.csv`;
    expect(completions).toEqual([
      expect.objectContaining({
        id: job.id,
        leaseToken: job.lease_token,
        webhook: false,
        result: expect.objectContaining({ storageKey: key }),
      }),
    ]);
    expect(completions[0]).not.toHaveProperty('commitFile');
    expect(outcomes).toEqual(['succeeded']);
    expect(files.filter(f => f !== '.tmp')).toEqual([
      `${job.id}.${job.lease_token}.csv`,
    ]);
    expect(temporary).toEqual([]);
  });

  it('removes its own file when the completion finds the lease lost', async () => {
    const { outcomes, files, temporary } = await runWith(false);
    expect(outcomes).toEqual(['lost']);
    expect(files.filter(f => f !== '.tmp')).toEqual([]);
    expect(temporary).toEqual([]);
  });
  it('a lost attempt whose file removal fails is lost, not a job failure: the removal is logged', async () => {
    const { outcomes, fail, logger, files } = await runWith(false, {
      removeFails: true,
    });
    expect(outcomes).toEqual(['lost']);
    expect(fail).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(`${job.id}.${job.lease_token}.csv`),
    );
    // Left for the unreferenced-file sweep.
    expect(files.filter(f => f !== '.tmp')).toEqual([
      `${job.id}.${job.lease_token}.csv`,
    ]);
  });
});
