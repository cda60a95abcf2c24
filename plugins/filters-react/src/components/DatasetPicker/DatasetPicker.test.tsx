import { fireEvent, screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { DatasetDescription } from '@internal/plugin-filters-common';
import { chosenDataset, DatasetPicker } from './DatasetPicker';

const ds = (id: string, title: string): DatasetDescription => ({
  id,
  title,
  fields: [],
  defaultOrder: { field: 'id', direction: 'asc' },
  costThreshold: 1,
  statementTimeoutMs: 1,
  hasReplica: false,
});
const datasets = [ds('events', 'Events'), ds('orders', 'Orders')];

describe('DatasetPicker', () => {
  it('chooses the picked dataset, or the first while none is picked', () => {
    expect(chosenDataset(datasets, '')?.id).toBe('events');
    expect(chosenDataset(datasets, 'orders')?.id).toBe('orders');
    expect(chosenDataset(undefined, 'orders')).toBeUndefined();
  });

  it('lists datasets by title and reports the picked id', async () => {
    // The select shows the first dataset's title while none is picked.
    const onChange = jest.fn();
    await renderInTestApp(
      <DatasetPicker datasets={datasets} value="" onChange={onChange} />,
    );
    expect(screen.getByRole('button', { name: 'Dataset' })).toHaveTextContent(
      'Events',
    );
    fireEvent.mouseDown(screen.getByRole('button', { name: 'Dataset' }));
    fireEvent.click(
      within(await screen.findByRole('listbox')).getByText('Orders'),
    );
    expect(onChange).toHaveBeenCalledWith('orders');
  });
});
