import { InputError } from '@backstage/errors';
import { filtersDataClassReadPermission } from '@internal/plugin-filters-common';
import { eventsDataset } from './__testUtils__/eventsDataset';
import { jobReadsBeyond, lossesThatMatter } from './jobDataClasses';
import { ExportJobAccess, RequiredPermission } from './requiredPermissions';

const job = (overrides: Partial<ExportJobAccess> = {}): ExportJobAccess => ({
  id: 'job-1',
  dataset: 'events',
  fields: ['id', 'event_type', 'country'],
  filter: null,
  account_id: '0cc175b9-c0f1-b6a8-31c3-99e269772661',
  readable_data_classes: ['public', 'pii'],
  requested_by: 'user:default/anna',
  ...overrides,
});

const engine = { getDataset: () => eventsDataset };
const lostPii: RequiredPermission[] = [
  {
    permission: filtersDataClassReadPermission,
    resource: { dataClass: 'pii' },
    lost: 'read data class pii',
  },
];

describe('jobReadsBeyond', () => {
  it('is false only when the named fields build with the granted classes', () => {
    expect(jobReadsBeyond(engine, job(), ['public'])).toBe(false);
    expect(
      jobReadsBeyond(engine, job({ fields: ['id', 'email'] }), ['public']),
    ).toBe(true);
    expect(jobReadsBeyond(engine, job({ fields: null }), ['public'])).toBe(
      true,
    );
  });

  it('counts any failure to build as reading beyond (fails closed)', () => {
    const broken = {
      getDataset: () => {
        throw new InputError('dataset events is not defined');
      },
    };
    expect(jobReadsBeyond(broken, job(), ['public'])).toBe(true);
    const crashing = {
      getDataset: () => {
        throw new TypeError('cannot read properties of undefined');
      },
    };
    expect(jobReadsBeyond(crashing, job(), ['public'])).toBe(true);
    // and so the lost class stops the job instead of being dropped
    expect(lossesThatMatter(crashing, job(), lostPii)).toEqual(lostPii);
    expect(lossesThatMatter(engine, job(), lostPii)).toEqual([]);
  });
});
