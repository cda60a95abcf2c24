import { useState } from 'react';
import { fireEvent, screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import {
  DatasetDescription,
  FilterGroup,
} from '@internal/plugin-filters-common';
import { FilterBuilder } from './FilterBuilder';

const testDataset: DatasetDescription = {
  id: 'events',
  title: 'Events',
  defaultOrder: { field: 'occurred_at', direction: 'desc' },
  costThreshold: 1000,
  statementTimeoutMs: 5000,
  hasReplica: false,
  fields: [
    {
      name: 'amount',
      label: 'Amount',
      type: 'number',
      operators: [],
      indexed: false,
      nullable: true,
    },
    {
      name: 'occurred_at',
      label: 'Occurred at',
      type: 'timestamp',
      operators: [],
      indexed: true,
      nullable: false,
    },
    {
      name: 'plan',
      label: 'Plan',
      type: 'enum',
      values: ['enterprise', 'mid_market'],
      operators: [],
      indexed: false,
      nullable: false,
    },
    {
      name: 'email',
      label: 'E-mail',
      type: 'string',
      operators: [],
      indexed: false,
      nullable: true,
      dataClass: 'pii',
    },
  ],
};

function Harness(props: {
  initial: FilterGroup;
  onValue: (f: FilterGroup) => void;
}) {
  const [value, setValue] = useState(props.initial);
  return (
    <FilterBuilder
      dataset={testDataset}
      value={value}
      onChange={v => {
        setValue(v);
        props.onValue(v);
      }}
      estimate={{
        estimatedRows: 1234,
        estimatedCost: 2500,
        costThreshold: 1000,
        wouldRun: false,
        suggestedFields: ['occurred_at'],
        measuredAt: '2026-11-30T10:00:00Z',
      }}
    />
  );
}

describe('FilterBuilder', () => {
  it('adds rules and nested groups and reports the filter', async () => {
    const seen: FilterGroup[] = [];
    await renderInTestApp(
      <Harness
        initial={{ combinator: 'and', rules: [] }}
        onValue={f => seen.push(f)}
      />,
    );
    fireEvent.click(screen.getAllByText('Add rule')[0]);
    expect(seen.at(-1)).toEqual({
      combinator: 'and',
      rules: [{ field: 'amount', operator: 'eq', value: 0 }],
    });
    fireEvent.click(screen.getAllByText('Add group')[0]);
    const last = seen.at(-1)!;
    expect(last.rules[1]).toEqual({
      combinator: 'and',
      rules: [{ field: 'amount', operator: 'eq', value: 0 }],
    });
    expect(screen.getByTestId('group-rules[1]')).toBeInTheDocument();
  });

  it('shows validation messages inline at the rule and the engine estimate', async () => {
    await renderInTestApp(
      <Harness
        initial={{
          combinator: 'and',
          rules: [{ field: 'amount', operator: 'between', value: [10, 5] }],
        }}
        onValue={() => {}}
      />,
    );
    const rule = screen.getByTestId('rule-rules[0]');
    expect(
      within(rule).getByText('between needs low <= high, got [10, 5]'),
    ).toBeInTheDocument();
    expect(screen.getByText('1 problem')).toBeInTheDocument();
    expect(screen.getByTestId('filter-estimate')).toHaveTextContent(
      'Estimate: ~1,234 rows, cost 2,500 — above 1,000: add occurred_at',
    );
  });

  it('typed input: a number field turns text into numbers and flags non-numbers', async () => {
    const seen: FilterGroup[] = [];
    await renderInTestApp(
      <Harness
        initial={{
          combinator: 'or',
          rules: [{ field: 'amount', operator: 'gt', value: 1 }],
        }}
        onValue={f => seen.push(f)}
      />,
    );
    fireEvent.change(screen.getByLabelText('Value'), {
      target: { value: '42.5' },
    });
    expect(seen.at(-1)!.rules[0]).toEqual({
      field: 'amount',
      operator: 'gt',
      value: 42.5,
    });
    expect(screen.getByText('Filter is valid')).toBeInTheDocument();
  });
});
