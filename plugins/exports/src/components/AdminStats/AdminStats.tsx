import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  Box,
  Button,
  Grid,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import { useTheme } from '@material-ui/core/styles';
import { ExportStats, exportsApiRef } from '../../api/ExportsApi';

const WINDOWS = [1, 6, 24, 168];

/** Histogram bars labelled by their upper bound; the open last bucket as "> previous". */
export function durationBars(stats: ExportStats) {
  return stats.durations.buckets.map((b, i, all) => ({
    bucket: b.le === null ? `> ${all[i - 1]?.le ?? 0} s` : `≤ ${b.le} s`,
    jobs: b.count,
  }));
}

function ChartBox(props: { testId: string; children: JSX.Element }) {
  return (
    <div data-testid={props.testId} style={{ width: '100%', height: 260 }}>
      <ResponsiveContainer>{props.children}</ResponsiveContainer>
    </div>
  );
}

// Charts are drawn without animation: a screenshot or a glance shows the measured values.

/** The admin tab: queue depth over time, completion times against the SLO, failures by type. */
export function AdminStats() {
  const api = useApi(exportsApiRef);
  const theme = useTheme();
  const [hours, setHours] = useState(24);
  const stats = useAsyncRetry(() => api.stats(hours), [api, hours]);

  if (stats.error) return <ResponseErrorPanel error={stats.error} />;
  if (!stats.value) return <Progress />;
  const s = stats.value;
  const bars = durationBars(s);
  const sloBar =
    bars[s.durations.buckets.findIndex(b => b.le === s.sloSeconds)]?.bucket;
  const ended = s.outcomes.succeeded + s.outcomes.failed;

  return (
    <Grid container spacing={2}>
      <Grid item xs={12}>
        <Box display="flex" alignItems="center" style={{ gap: 16 }}>
          <TextField
            select
            size="small"
            variant="outlined"
            label="Window"
            value={hours}
            onChange={e => setHours(Number(e.target.value))}
            inputProps={{ 'aria-label': 'Window' }}
          >
            {WINDOWS.map(h => (
              <MenuItem key={h} value={h}>
                last {h} h
              </MenuItem>
            ))}
          </TextField>
          <Typography
            variant="body2"
            color="textSecondary"
            data-testid="stats-measured"
          >
            Measured at {new Date(s.measuredAt).toLocaleString()} from the
            export_jobs table (the queue itself).
          </Typography>
          <Button size="small" onClick={stats.retry}>
            Refresh
          </Button>
        </Box>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard
          title="Queue depth"
          subheader={`Queued jobs every ${Math.round(
            s.bucketSeconds / 60,
          )} min`}
        >
          <ChartBox testId="queue-depth-chart">
            <LineChart
              data={s.queueDepth.map(p => ({
                time: new Date(p.at).toLocaleTimeString(),
                depth: p.depth,
              }))}
            >
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="time" minTickGap={24} />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Line
                type="stepAfter"
                dataKey="depth"
                name="queued"
                dot={false}
                isAnimationActive={false}
                stroke={theme.palette.primary.main}
              />
            </LineChart>
          </ChartBox>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard
          title="Completion time"
          subheader={
            s.durations.count === 0
              ? 'No export finished in this window'
              : `${s.durations.withinSlo} of ${s.durations.count} within the ${
                  s.sloSeconds
                } s SLO · p50 ${s.durations.p50Seconds?.toFixed(
                  1,
                )} s · p90 ${s.durations.p90Seconds?.toFixed(1)} s`
          }
        >
          <ChartBox testId="duration-chart">
            <BarChart data={bars} margin={{ top: 24, right: 16 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="bucket" />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Bar
                dataKey="jobs"
                name="jobs"
                isAnimationActive={false}
                fill={theme.palette.primary.main}
              />
              {sloBar && (
                <ReferenceLine
                  x={sloBar}
                  stroke={theme.palette.error.main}
                  strokeDasharray="4 4"
                  label={{ value: `SLO ${s.sloSeconds} s`, position: 'top' }}
                />
              )}
            </BarChart>
          </ChartBox>
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard
          title="Failure rate by error type"
          subheader={`${s.outcomes.failed} failed of ${ended} finished (${s.outcomes.cancelled} cancelled, not counted)`}
        >
          {s.failuresByType.length === 0 ? (
            <Typography variant="body2">
              No failed export in this window.
            </Typography>
          ) : (
            <ChartBox testId="failure-chart">
              <BarChart
                data={s.failuresByType.map(f => ({
                  type: f.errorType,
                  percent: Math.round(f.rate * 1000) / 10,
                }))}
              >
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="type" />
                <YAxis unit="%" />
                <Tooltip />
                <Bar
                  dataKey="percent"
                  name="% of finished jobs"
                  isAnimationActive={false}
                  fill={theme.palette.error.main}
                />
              </BarChart>
            </ChartBox>
          )}
        </InfoCard>
      </Grid>
    </Grid>
  );
}
