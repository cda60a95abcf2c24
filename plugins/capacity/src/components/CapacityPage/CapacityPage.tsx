import { useState } from 'react';
import { Box, Tab, Tabs, Typography } from '@material-ui/core';
import {
  Content,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
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
  const [tab, setTab] = useState(0);
  return (
    <Page themeId="tool">
      <Header
        title="Capacity"
        subtitle="Doomsday clock: Postgres and platform limits against their triggers"
      />
      <Content>
        <Tabs
          value={tab}
          onChange={(_, v) => setTab(v)}
          indicatorColor="primary"
        >
          <Tab label="Clock" />
          <Tab label="Projects" />
          <Tab label="Weekly review" />
          <Tab label="Cost guardrails" />
        </Tabs>
        <Box mt={2}>
          {tab === 0 && <ClockTab />}
          {tab === 1 && <ProjectsTab />}
          {tab === 2 && <ReviewTab />}
          {tab === 3 && <CostsTab />}
        </Box>
      </Content>
    </Page>
  );
}
