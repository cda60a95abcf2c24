import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/test-utils';
import { TabbedPage } from './TabbedPage';

describe('TabbedPage', () => {
  it('shows the first tab, and only the selected one', async () => {
    await renderInTestApp(
      <TabbedPage
        title="Capacity"
        subtitle="limits"
        tabs={[
          { label: 'Clock', render: () => <p>clock body</p> },
          { label: 'Projects', render: () => <p>projects body</p> },
        ]}
      />,
    );
    expect(screen.getByText('Capacity')).toBeInTheDocument();
    expect(screen.getByText('clock body')).toBeInTheDocument();
    expect(screen.queryByText('projects body')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('tab', { name: 'Projects' }));
    expect(screen.getByText('projects body')).toBeInTheDocument();
    expect(screen.queryByText('clock body')).not.toBeInTheDocument();
  });
});
