import { useEffect, useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { Box, Button, Grid, Typography } from '@material-ui/core';
import {
  Content,
  ContentHeader,
  Header,
  InfoCard,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  FilterExplainResponse,
  FilterGroup,
  FilterQueryResponse,
  validateFilter,
} from '@internal/plugin-filters-common';
import {
  AccountPicker,
  chosenDataset,
  DatasetPicker,
  FilterBuilder,
  filtersApiRef,
  isAccountId,
} from '@internal/plugin-filters-react';

const EMPTY: FilterGroup = { combinator: 'and', rules: [] };

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Pick a dataset and an account, build a filter, see the estimate, preview rows page by page. */
export function DataExplorerPage() {
  const api = useApi(filtersApiRef);
  const datasets = useAsync(() => api.listDatasets(), [api]);
  const [datasetId, setDatasetId] = useState<string>('');
  const [accountId, setAccountId] = useState('');
  const [filter, setFilter] = useState<FilterGroup>(EMPTY);
  const [estimate, setEstimate] = useState<FilterExplainResponse | undefined>();
  const [estimateError, setEstimateError] = useState<Error | undefined>();
  const [result, setResult] = useState<FilterQueryResponse | undefined>();
  const [rows, setRows] = useState<Record<string, unknown>[]>([]);
  const [runError, setRunError] = useState<Error | undefined>();
  const [running, setRunning] = useState(false);

  const dataset = useMemo(
    () => chosenDataset(datasets.value?.datasets, datasetId),
    [datasets.value, datasetId],
  );
  const valid = dataset ? validateFilter(filter, dataset).valid : false;
  const accountValid = isAccountId(accountId);

  // Ask the engine for its EXPLAIN estimate whenever the filter is valid (debounced).
  useEffect(() => {
    if (!dataset || !valid || !accountValid) {
      setEstimate(undefined);
      return undefined;
    }
    const timer = setTimeout(() => {
      api
        .explain({ dataset: dataset.id, accountId, filter, limit: 100 })
        .then(e => {
          setEstimate(e);
          setEstimateError(undefined);
        })
        .catch(e => setEstimateError(e));
    }, 400);
    return () => clearTimeout(timer);
  }, [api, dataset, filter, accountId, valid, accountValid]);

  if (datasets.loading) return <Progress />;
  if (datasets.error) return <ResponseErrorPanel error={datasets.error} />;

  const run = async (cursor?: string) => {
    if (!dataset) return;
    setRunning(true);
    setRunError(undefined);
    try {
      const page = await api.query({
        dataset: dataset.id,
        accountId,
        filter,
        limit: 100,
        cursor,
      });
      setResult(page);
      setRows(cursor ? [...rows, ...page.rows] : page.rows);
    } catch (e) {
      setRunError(e as Error);
    } finally {
      setRunning(false);
    }
  };

  return (
    <Page themeId="tool">
      <Header
        title="Data explorer"
        subtitle="Filter a tenant's data with the platform filter engine"
      />
      <Content>
        <ContentHeader title="Build a filter" />
        <Grid container spacing={2}>
          <Grid item xs={12}>
            <InfoCard title="Dataset and account">
              <Box display="flex" style={{ gap: 16 }} flexWrap="wrap">
                <DatasetPicker
                  datasets={datasets.value?.datasets ?? []}
                  value={datasetId}
                  onChange={id => {
                    setDatasetId(id);
                    setFilter(EMPTY);
                    setRows([]);
                    setResult(undefined);
                  }}
                />
                <AccountPicker value={accountId} onChange={setAccountId} />
              </Box>
            </InfoCard>
          </Grid>
          {dataset && (
            <Grid item xs={12}>
              <InfoCard title={`Filter: ${dataset.title}`}>
                <FilterBuilder
                  dataset={dataset}
                  value={filter}
                  onChange={setFilter}
                  estimate={estimate}
                  estimateError={estimateError}
                />
                <Box mt={2}>
                  <Button
                    variant="contained"
                    color="primary"
                    disabled={!valid || !accountValid || running}
                    onClick={() => run()}
                  >
                    Preview rows
                  </Button>
                </Box>
              </InfoCard>
            </Grid>
          )}
          {runError && (
            <Grid item xs={12}>
              <ResponseErrorPanel error={runError} />
            </Grid>
          )}
          {result && (
            <Grid item xs={12}>
              <Typography variant="body2" color="textSecondary">
                Measured by the filter engine at {result.stats.measuredAt}:{' '}
                {result.stats.durationMs.toFixed(1)} ms on the{' '}
                {result.stats.servedBy}
                {result.stats.fallbackReason
                  ? ` (${result.stats.fallbackReason})`
                  : ''}
                , {result.stats.rowsScanned ?? 'unknown'} rows scanned;
                estimated cost {Math.round(result.stats.estimatedCost)} (EXPLAIN
                {result.stats.costFromCache ? ', shape cache' : ''}).
                {result.omittedFields.length > 0 &&
                  ` Hidden (data class): ${result.omittedFields.join(', ')}.`}
              </Typography>
              <Table
                title={`${rows.length} rows${
                  result.nextCursor ? ' (more available)' : ''
                }`}
                options={{ paging: false, search: false, padding: 'dense' }}
                columns={result.fields.map(f => ({
                  title: f,
                  field: f,
                  render: (row: Record<string, unknown>) => cell(row[f]),
                }))}
                data={rows}
              />
              {result.nextCursor && (
                <Box mt={1}>
                  <Button
                    variant="outlined"
                    disabled={running}
                    onClick={() => run(result.nextCursor!)}
                  >
                    Load next 100
                  </Button>
                </Box>
              )}
            </Grid>
          )}
        </Grid>
      </Content>
    </Page>
  );
}
