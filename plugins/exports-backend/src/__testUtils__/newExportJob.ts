import { randomUUID } from 'node:crypto';
import { NewExportJob } from '../service/ExportStore';

/** A queued CSV job of a fresh US mid-market account (`overrides` win). */
export function newExportJob(
  overrides: Partial<NewExportJob> = {},
): NewExportJob {
  return {
    dataset: 'events',
    accountId: randomUUID(),
    region: 'us',
    plan: 'mid_market',
    format: 'csv',
    delivery: { type: 'download' },
    readableDataClasses: ['public'],
    requestedBy: 'user:default/a',
    ...overrides,
  };
}
