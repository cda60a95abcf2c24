import { DatasetDescription } from './types';
import { encodeCursor, validateQueryOptions } from './queryOptions';

const dataset: DatasetDescription = {
  id: 'events',
  title: 'Events',
  defaultOrder: { field: 'occurred_at', direction: 'desc' },
  costThreshold: 1000,
  statementTimeoutMs: 1000,
  hasReplica: false,
  fields: [
    {
      name: 'id',
      label: 'Id',
      type: 'uuid',
      operators: [],
      indexed: true,
      nullable: false,
    },
    {
      name: 'occurred_at',
      label: 'At',
      type: 'timestamp',
      operators: [],
      indexed: true,
      nullable: false,
    },
    {
      name: 'country',
      label: 'Country',
      type: 'string',
      operators: [],
      indexed: false,
      nullable: false,
    },
  ],
};
const KEY = '0b8f5a52-2c55-4bd4-9a8c-2f3a8a7e3c11';

describe('validateQueryOptions', () => {
  it('accepts and normalizes fields, limit and a cursor (timestamps keep microseconds)', () => {
    const cursor = encodeCursor(
      '2026-11-30T10:00:00.123456+00:00',
      KEY.toUpperCase(),
    );
    expect(
      validateQueryOptions(
        { fields: ['country', 'country', 'id'], limit: 5, cursor },
        dataset,
        'id',
      ),
    ).toEqual({
      valid: true,
      options: {
        fields: ['country', 'id'],
        limit: 5,
        after: { order: '2026-11-30T10:00:00.123456+00:00', key: KEY },
      },
    });
    expect(validateQueryOptions({}, dataset, 'id')).toEqual({
      valid: true,
      options: { fields: undefined, limit: 100, after: undefined },
    });
  });

  it('reports every problem with its path', () => {
    const result = validateQueryOptions(
      { fields: ['id', 'nope'], limit: 5000, cursor: 'garbage!' },
      dataset,
      'id',
    );
    expect(result.valid).toBe(false);
    expect(!result.valid && result.issues.map(i => i.path)).toEqual([
      'fields[1]',
      'limit',
      'cursor',
    ]);
    expect(!result.valid && result.issues[1].message).toBe(
      'must be an integer from 1 to 1000, got 5000',
    );
    const wrongType = validateQueryOptions(
      { cursor: encodeCursor('not a time', KEY) },
      dataset,
      'id',
    );
    expect(!wrongType.valid && wrongType.issues[0].message).toMatch(
      /^holds values of the wrong type; pass the nextCursor/,
    );
    expect(validateQueryOptions({ fields: [] }, dataset, 'id').valid).toBe(
      false,
    );
  });
});
