import { useState } from 'react';
import {
  Content,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { usePermission } from '@backstage/plugin-permission-react';
import { Box, Tab, Tabs } from '@material-ui/core';
import { exportsAdminPermission } from '@internal/plugin-exports-common';
import { AdminStats } from '../AdminStats';
import { MyExports, useMyExports } from '../MyExports';
import { NewExportForm } from '../NewExportForm';

/** The export console: a new export and "My exports"; for admins, the queue's statistics. */
export function ExportsPage() {
  const admin = usePermission({ permission: exportsAdminPermission });
  const [tab, setTab] = useState<'console' | 'admin'>('console');
  const mine = useMyExports();

  return (
    <Page themeId="tool">
      <Header
        title="Exports"
        subtitle="Export a dataset of one customer account as a file"
      />
      <Content>
        {admin.allowed && (
          <Box mb={2}>
            <Tabs value={tab} onChange={(_e, value) => setTab(value)}>
              <Tab value="console" label="Console" />
              <Tab value="admin" label="Admin" />
            </Tabs>
          </Box>
        )}
        {tab === 'admin' && admin.allowed ? (
          <AdminStats />
        ) : (
          <>
            <NewExportForm jobs={mine.jobs} onCreated={() => mine.refresh()} />
            <Box mt={3}>
              {mine.error && <ResponseErrorPanel error={mine.error} />}
              {mine.loaded ? (
                <MyExports
                  jobs={mine.jobs}
                  onChanged={mine.refresh}
                  polling={mine.polling}
                />
              ) : (
                <Progress />
              )}
            </Box>
          </>
        )}
      </Content>
    </Page>
  );
}
