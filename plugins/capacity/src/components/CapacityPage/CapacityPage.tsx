import { Box, Typography } from '@material-ui/core';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { TabbedPage } from '@internal/plugin-platform-react';
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { capacityApiRef } from '../../api/CapacityApi';
import { LimitCard } from './LimitCard';
import { CostsTab, ProjectsTab, ReviewTab } from './Tabs';

function ClockTab() {
  const api = useApi(capacityApiRef);
  const { value, loading, error } = useAsync(() => api.listLimits(), [api]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const { limits, settings, generatedAt } = value!;
  return (
    <>
      <Typography variant="body2" color="textSecondary" paragraph>
        {limits.length} limits at {generatedAt.slice(0, 16).replace('T', ' ')}{' '}
        UTC. Forecasts fit a least-squares line to measured samples of the last{' '}
        {settings.windowDays} days (at least {settings.minPoints} samples, R² ≥{' '}
        {settings.minR2}); act-by = trigger date − the upper lead time. Yellow
        when the trigger is reached or the act-by date is within{' '}
        {settings.yellowWithinDays} days; red at the critical threshold or a
        passed act-by date. A declared estimate is the spec's figure, not a
        measurement.
      </Typography>
      {limits.map(limit => (
        <Box key={limit.id} mb={2}>
          <LimitCard limit={limit} />
        </Box>
      ))}
    </>
  );
}

export function CapacityPage() {
  return (
    <TabbedPage
      title="Capacity"
      subtitle="Doomsday clock: Postgres and platform limits against their triggers"
      tabs={[
        { label: 'Clock', render: () => <ClockTab /> },
        { label: 'Projects', render: () => <ProjectsTab /> },
        { label: 'Weekly review', render: () => <ReviewTab /> },
        { label: 'Cost guardrails', render: () => <CostsTab /> },
      ]}
    />
  );
}
