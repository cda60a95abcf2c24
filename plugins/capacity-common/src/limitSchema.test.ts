import { CapacityValidationError, parseLimitsDocument } from './limitSchema';

const limit = {
  id: 'postgres-connections',
  name: 'Postgres connections',
  metric: 'Active connections',
  unit: 'connections',
  source: 'collector',
  trigger: 300,
  critical: 380,
  leadTimeWeeks: { min: 2, max: 3 },
  owner: 'group:default/platform-services',
  mitigation: { project: 'S1', description: 'PgBouncer' },
  runbook: 'postgres-connections',
  traffic: 'level',
  estimate: { value: 150, note: 'spec' },
};
const project = {
  id: 'S1',
  name: 'Workload separation',
  window: 'Month 1-2',
  summary: 'x',
  relieves: ['postgres-connections'],
  expectedEffect: 'y',
};

function issues(doc: unknown) {
  try {
    parseLimitsDocument(doc, 'capacity/limits.yaml');
  } catch (e) {
    return (e as CapacityValidationError).issues;
  }
  throw new Error('no error');
}

describe('parseLimitsDocument', () => {
  it('accepts a valid document', () => {
    expect(
      parseLimitsDocument(
        { estimatesAsOf: '2026-03-17', limits: [limit], projects: [project] },
        'f',
      ).limits,
    ).toHaveLength(1);
  });

  it('names file, path and rule', () => {
    expect(
      issues({
        estimatesAsOf: '2026-03-17',
        limits: [{ ...limit, trigger: 400, leadTimeWeeks: { min: 4, max: 3 } }],
        projects: [project],
      }),
    ).toEqual([
      {
        file: 'capacity/limits.yaml',
        path: 'limits[0].leadTimeWeeks.min',
        rule: 'min must not exceed max',
      },
      {
        file: 'capacity/limits.yaml',
        path: 'limits[0].trigger',
        rule: 'trigger must be below critical (every limit here grows toward its ceiling)',
      },
    ]);
  });

  it('rejects duplicate ids and dangling project references', () => {
    expect(
      issues({
        estimatesAsOf: '2026-03-17',
        limits: [
          limit,
          { ...limit, mitigation: { project: 'S9', description: 'd' } },
        ],
        projects: [{ ...project, relieves: ['nope'] }],
      }),
    ).toEqual([
      {
        file: 'capacity/limits.yaml',
        path: 'limits[1].id',
        rule: 'duplicate id "postgres-connections"',
      },
      {
        file: 'capacity/limits.yaml',
        path: 'limits[1].mitigation.project',
        rule: 'names project "S9", which is not in projects',
      },
      {
        file: 'capacity/limits.yaml',
        path: 'projects[0].relieves[0]',
        rule: 'names limit "nope", which is not in limits',
      },
    ]);
  });
});
