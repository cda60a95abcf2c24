import { TabbedPage } from '@internal/plugin-platform-react';
import { PlaygroundTab } from '../PlaygroundTab';
import { DiffTab } from '../DiffTab';
import { ShadowTab } from '../ShadowTab';
import { DecisionLogTab } from '../DecisionLogTab';

/** `/policies`: everything about the permission service's Rego policy. */
export const PoliciesPage = () => (
  <TabbedPage
    title="Policies"
    subtitle="Rego policy of the permission service: try, test, replay, compare, watch"
    tabs={[
      { label: 'Playground', render: () => <PlaygroundTab /> },
      { label: 'Diff revisions', render: () => <DiffTab /> },
      { label: 'Shadow mode', render: () => <ShadowTab /> },
      { label: 'Decision log', render: () => <DecisionLogTab /> },
    ]}
  />
);
