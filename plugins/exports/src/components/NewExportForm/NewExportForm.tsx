import { useEffect, useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  Button,
  Grid,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  DatasetDescription,
  FilterGroup,
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
import {
  CreateExportRequest,
  ExportJob,
  exportsApiRef,
} from '../../api/ExportsApi';
import {
  ColumnChooser,
  isReadable,
  useReadableDataClasses,
} from '../ColumnChooser';
import { formatBytes } from '../format';
import { bytesPerRowBasis, ExportEstimate } from './exportEstimate';

const EMPTY: FilterGroup = { combinator: 'and', rules: [] };

export interface NewExportFormProps {
  /** The user's exports (for the bytes-per-row basis of the size estimate). */
  jobs: ExportJob[];
  onCreated: (job: ExportJob) => void;
}

/** Dataset, account, filter, columns, format and delivery of a new export, with a live estimate. */
export function NewExportForm(props: NewExportFormProps) {
  const { jobs, onCreated } = props;
  const filtersApi = useApi(filtersApiRef);
  const exportsApi = useApi(exportsApiRef);
  const datasets = useAsync(() => filtersApi.listDatasets(), [filtersApi]);
  const [datasetId, setDatasetId] = useState('');
  const [accountId, setAccountId] = useState('');
  const [filter, setFilter] = useState<FilterGroup>(EMPTY);
  const [columns, setColumns] = useState<string[] | undefined>();
  const [format, setFormat] = useState<CreateExportRequest['format']>('csv');
  const [deliveryType, setDeliveryType] = useState<'download' | 'webhook'>(
    'download',
  );
  const [webhookUrl, setWebhookUrl] = useState('');
  const [count, setCount] = useState<{ rows: number; countedAt: string }>();
  const [countError, setCountError] = useState<Error | undefined>();
  const [submitError, setSubmitError] = useState<Error | undefined>();
  const [submitting, setSubmitting] = useState(false);

  const dataset: DatasetDescription | undefined = useMemo(
    () => chosenDataset(datasets.value?.datasets, datasetId),
    [datasets.value, datasetId],
  );
  const readableClasses = useReadableDataClasses(
    (dataset?.fields ?? []).flatMap(f => (f.dataClass ? [f.dataClass] : [])),
  );
  // Until the user picks, every column they may read is chosen.
  const chosen =
    columns ??
    (dataset?.fields ?? [])
      .filter(f => isReadable(f, readableClasses))
      .map(f => f.name);
  const filterValid = dataset ? validateFilter(filter, dataset).valid : false;
  const accountValid = isAccountId(accountId);

  useEffect(() => {
    setCount(undefined);
    if (!dataset || !filterValid || !accountValid) return undefined;
    let cancelled = false;
    const timer = setTimeout(() => {
      filtersApi
        .count({ dataset: dataset.id, accountId, filter })
        .then(r => {
          if (cancelled) return;
          setCount({ rows: r.count, countedAt: r.stats.measuredAt });
          setCountError(undefined);
        })
        .catch(e => !cancelled && setCountError(e));
    }, 400);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [filtersApi, dataset, filter, accountId, filterValid, accountValid]);

  if (datasets.loading) return <Progress />;
  if (datasets.error) return <ResponseErrorPanel error={datasets.error} />;

  const basis = dataset
    ? bytesPerRowBasis(jobs, dataset.id, format)
    : undefined;
  const estimate: ExportEstimate | undefined = count && {
    ...count,
    ...(basis ? { bytes: count.rows * basis.bytesPerRow, basis } : {}),
  };
  const webhookMissing = deliveryType === 'webhook' && !webhookUrl.trim();
  const canSubmit =
    dataset &&
    accountValid &&
    filterValid &&
    chosen.length > 0 &&
    !webhookMissing &&
    !submitting;

  const submit = async () => {
    if (!dataset) return;
    setSubmitting(true);
    setSubmitError(undefined);
    try {
      const job = await exportsApi.create({
        dataset: dataset.id,
        accountId,
        ...(filter.rules.length ? { filter: filter as any } : {}),
        fields: chosen,
        format,
        delivery:
          deliveryType === 'webhook'
            ? { type: 'webhook', url: webhookUrl.trim() }
            : { type: 'download' },
      });
      onCreated(job);
    } catch (e) {
      setSubmitError(e as Error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <InfoCard title="New export">
      <Grid container spacing={2}>
        <Grid item xs={12} md={6}>
          <AccountPicker value={accountId} onChange={setAccountId} />
        </Grid>
        <Grid item xs={12} md={6}>
          <DatasetPicker
            fullWidth
            datasets={datasets.value?.datasets ?? []}
            value={datasetId}
            onChange={id => {
              setDatasetId(id);
              setFilter(EMPTY);
              setColumns(undefined);
            }}
          />
        </Grid>
        {dataset && (
          <Grid item xs={12}>
            <FilterBuilder
              dataset={dataset}
              value={filter}
              onChange={setFilter}
            />
          </Grid>
        )}
        {dataset && (
          <Grid item xs={12}>
            <ColumnChooser
              fields={dataset.fields}
              value={chosen}
              onChange={setColumns}
              readableClasses={readableClasses}
            />
          </Grid>
        )}
        <Grid item xs={6} md={3}>
          <TextField
            select
            label="Format"
            variant="outlined"
            size="small"
            fullWidth
            value={format}
            onChange={e =>
              setFormat(e.target.value as CreateExportRequest['format'])
            }
            inputProps={{ 'aria-label': 'Format' }}
          >
            <MenuItem value="csv">CSV</MenuItem>
            <MenuItem value="xlsx">XLSX</MenuItem>
            <MenuItem value="pdf">PDF</MenuItem>
          </TextField>
        </Grid>
        <Grid item xs={6} md={3}>
          <TextField
            select
            label="Delivery"
            variant="outlined"
            size="small"
            fullWidth
            value={deliveryType}
            onChange={e =>
              setDeliveryType(e.target.value as 'download' | 'webhook')
            }
            inputProps={{ 'aria-label': 'Delivery' }}
          >
            <MenuItem value="download">Download link</MenuItem>
            <MenuItem value="webhook">Webhook</MenuItem>
          </TextField>
        </Grid>
        {deliveryType === 'webhook' && (
          <Grid item xs={12} md={6}>
            <TextField
              label="Webhook URL"
              variant="outlined"
              size="small"
              fullWidth
              value={webhookUrl}
              onChange={e => setWebhookUrl(e.target.value)}
              helperText="Its host must be in exports.webhooks.allowedHosts"
              inputProps={{ 'aria-label': 'Webhook URL' }}
            />
          </Grid>
        )}
        <Grid item xs={12}>
          <Typography
            variant="body2"
            color="textSecondary"
            data-testid="export-estimate"
          >
            {estimateText(estimate, countError)}
          </Typography>
        </Grid>
        <Grid item xs={12}>
          <Button
            variant="contained"
            color="primary"
            disabled={!canSubmit}
            onClick={submit}
          >
            Create export
          </Button>
        </Grid>
        {submitError && (
          <Grid item xs={12}>
            <ResponseErrorPanel error={submitError} />
          </Grid>
        )}
      </Grid>
    </InfoCard>
  );
}

function estimateText(
  estimate: ExportEstimate | undefined,
  error: Error | undefined,
): string {
  if (error) return `No estimate: ${error.message}`;
  if (!estimate) return 'Estimate: pick an account and a valid filter';
  const rows = `${estimate.rows.toLocaleString()} rows (counted by the filter engine at ${new Date(
    estimate.countedAt,
  ).toLocaleTimeString()})`;
  if (estimate.bytes === undefined || !estimate.basis) {
    return `Estimate: ${rows}; size unknown until a first export of this dataset and format`;
  }
  return `Estimate: ${rows}, ~${formatBytes(estimate.bytes)} (${Math.round(
    estimate.basis.bytesPerRow,
  )} bytes/row measured on export ${estimate.basis.exportId.slice(0, 8)})`;
}
