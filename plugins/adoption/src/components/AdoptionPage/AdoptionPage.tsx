import { useState } from 'react';
import { Box, Tab, Tabs } from '@material-ui/core';
import { Content, Header, Page } from '@backstage/core-components';
import { MatrixTab } from './MatrixTab';
import { InventoryTab } from './InventoryTab';
import { CampaignsTab, RisksTab, RoadmapTab } from './OtherTabs';
import { ScorecardsTab } from './ScorecardsTab';

export function AdoptionPage() {
  const [tab, setTab] = useState(0);
  return (
    <Page themeId="tool">
      <Header
        title="Platform adoption"
        subtitle="Export, filtering and permissions: who uses them, measured"
      />
      <Content>
        <Tabs
          value={tab}
          onChange={(_, v) => setTab(v)}
          indicatorColor="primary"
        >
          <Tab label="Scorecards" />
          <Tab label="Matrix" />
          <Tab label="Inventory" />
          <Tab label="Campaigns" />
          <Tab label="Roadmap" />
          <Tab label="Risks" />
        </Tabs>
        <Box mt={2}>
          {tab === 0 && <ScorecardsTab />}
          {tab === 1 && <MatrixTab />}
          {tab === 2 && <InventoryTab />}
          {tab === 3 && <CampaignsTab />}
          {tab === 4 && <RoadmapTab />}
          {tab === 5 && <RisksTab />}
        </Box>
      </Content>
    </Page>
  );
}
