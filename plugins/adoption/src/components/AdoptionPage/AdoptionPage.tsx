import { TabbedPage } from '@internal/plugin-platform-react';
import { MatrixTab } from './MatrixTab';
import { InventoryTab } from './InventoryTab';
import { CampaignsTab, RisksTab, RoadmapTab } from './OtherTabs';
import { ScorecardsTab } from './ScorecardsTab';

export function AdoptionPage() {
  return (
    <TabbedPage
      title="Platform adoption"
      subtitle="Export, filtering and permissions: who uses them, measured"
      tabs={[
        { label: 'Scorecards', render: () => <ScorecardsTab /> },
        { label: 'Matrix', render: () => <MatrixTab /> },
        { label: 'Inventory', render: () => <InventoryTab /> },
        { label: 'Campaigns', render: () => <CampaignsTab /> },
        { label: 'Roadmap', render: () => <RoadmapTab /> },
        { label: 'Risks', render: () => <RisksTab /> },
      ]}
    />
  );
}
