import { useState } from 'react';
import { Content, Header, Page } from '@backstage/core-components';
import { Tab, Tabs } from '@material-ui/core';
import { PlaygroundTab } from '../PlaygroundTab';
import { DiffTab } from '../DiffTab';
import { ShadowTab } from '../ShadowTab';
import { DecisionLogTab } from '../DecisionLogTab';

const TABS = ['Playground', 'Diff revisions', 'Shadow mode', 'Decision log'];

/** `/policies`: everything about the permission service's Rego policy. */
export const PoliciesPage = () => {
  const [tab, setTab] = useState(0);
  return (
    <Page themeId="tool">
      <Header
        title="Policies"
        subtitle="Rego policy of the permission service: try, test, replay, compare, watch"
      />
      <Content>
        <Tabs
          value={tab}
          onChange={(_e, v) => setTab(v)}
          indicatorColor="primary"
        >
          {TABS.map(label => (
            <Tab key={label} label={label} />
          ))}
        </Tabs>
        {tab === 0 && <PlaygroundTab />}
        {tab === 1 && <DiffTab />}
        {tab === 2 && <ShadowTab />}
        {tab === 3 && <DecisionLogTab />}
      </Content>
    </Page>
  );
};
