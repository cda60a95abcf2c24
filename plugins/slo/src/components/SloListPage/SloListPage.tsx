import { useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  Content,
  ContentHeader,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
  SupportButton,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { sloApiRef } from '../../api/SloApi';
import { SloTable } from './SloTable';

export const SloListPage = () => {
  const api = useApi(sloApiRef);
  const [owner, setOwner] = useState('');
  const { value, loading, error } = useAsync(() => api.listSlos(), [api]);
  const owners = useMemo(
    () => [...new Set((value?.items ?? []).map(s => s.owner))].sort(),
    [value],
  );
  const items = (value?.items ?? []).filter(s => !owner || s.owner === owner);
  return (
    <Page themeId="tool">
      <Header
        title="SLOs"
        subtitle="Error budgets and burn-rate alerts from the platform's own telemetry"
      />
      <Content>
        <ContentHeader title="Service level objectives">
          <SupportButton>
            Sorted by remaining error budget. Below 25 % the policy freezes
            non-critical deploys.
          </SupportButton>
        </ContentHeader>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && (
          <>
            <TextField
              select
              label="Owner team"
              value={owner}
              onChange={e => setOwner(e.target.value)}
              style={{ minWidth: 260, marginBottom: 16 }}
              inputProps={{ 'aria-label': 'Owner team' }}
            >
              <MenuItem value="">All teams</MenuItem>
              {owners.map(o => (
                <MenuItem key={o} value={o}>
                  {o}
                </MenuItem>
              ))}
            </TextField>
            <SloTable items={items} title={`${items.length} SLOs`} />
            <Typography variant="caption" color="textSecondary">
              Evaluated at {new Date(value.evaluatedAt).toISOString()} from
              measured per-minute (good, total) counts.
            </Typography>
          </>
        )}
      </Content>
    </Page>
  );
};
