import { ReactNode, useState } from 'react';
import { Content, Header, Page } from '@backstage/core-components';
import { Box, Tab, Tabs } from '@material-ui/core';

/** One tab: its label and what it shows (rendered only while selected). */
export interface PageTab {
  label: string;
  render: () => ReactNode;
}

/** A portal page: the tool header, then tabs of which one is shown at a time. */
export function TabbedPage(props: {
  title: string;
  subtitle?: string;
  tabs: PageTab[];
}) {
  const [selected, setSelected] = useState(0);
  const current = props.tabs[selected] ?? props.tabs[0];
  return (
    <Page themeId="tool">
      <Header title={props.title} subtitle={props.subtitle} />
      <Content>
        <Tabs
          value={selected}
          onChange={(_, index: number) => setSelected(index)}
          indicatorColor="primary"
          variant="scrollable"
        >
          {props.tabs.map(tab => (
            <Tab key={tab.label} label={tab.label} />
          ))}
        </Tabs>
        <Box mt={2}>{current?.render()}</Box>
      </Content>
    </Page>
  );
}
