import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import {
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { Box, MenuItem, TextField, Typography } from '@material-ui/core';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { authzApiRef, ShadowStatsResponse } from '../../api/AuthzApi';

type Bucket = ShadowStatsResponse['stats'][number];

interface TeamRow {
  team: string;
  checks: number;
  discrepancies: number;
  rate: number;
}

/** Discrepancy rate per team over the window, and per team and hour (trend). */
export function summarize(stats: Bucket[]) {
  const teams = new Map<string, TeamRow>();
  const hours = new Map<string, Record<string, number | string>>();
  const perHourTeam = new Map<string, { checks: number; d: number }>();
  for (const b of stats) {
    const t = teams.get(b.team) ?? {
      team: b.team,
      checks: 0,
      discrepancies: 0,
      rate: 0,
    };
    t.checks += b.checks;
    t.discrepancies += b.discrepancies;
    teams.set(b.team, t);
    const k = `${b.bucketStart}\u0000${b.team}`;
    const h = perHourTeam.get(k) ?? { checks: 0, d: 0 };
    h.checks += b.checks;
    h.d += b.discrepancies;
    perHourTeam.set(k, h);
  }
  for (const [k, h] of perHourTeam) {
    const [bucket, team] = k.split('\u0000');
    const row = hours.get(bucket) ?? { bucket };
    row[team] = h.checks ? (100 * h.d) / h.checks : 0;
    hours.set(bucket, row);
  }
  const rows = [...teams.values()].map(t => ({
    ...t,
    rate: t.checks ? t.discrepancies / t.checks : 0,
  }));
  const trend = [...hours.values()].sort((x, y) =>
    String(x.bucket).localeCompare(String(y.bucket)),
  );
  return { rows, trend, teams: [...teams.keys()].sort() };
}

const columns: TableColumn<TeamRow>[] = [
  { title: 'Team', field: 'team' },
  { title: 'Shadow checks', field: 'checks', type: 'numeric' },
  { title: 'Discrepancies', field: 'discrepancies', type: 'numeric' },
  {
    title: 'Discrepancy rate',
    render: r => `${(100 * r.rate).toFixed(3)} %`,
  },
];

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];

/** The shadow-mode dashboard: discrepancy rate per team and its hourly trend. */
export const ShadowTab = () => {
  const api = useApi(authzApiRef);
  const [hours, setHours] = useState(24);
  const stats = useAsync(() => api.shadowStats(hours), [api, hours]);
  if (stats.loading) return <Progress />;
  if (stats.error) return <ResponseErrorPanel error={stats.error} />;
  const { rows, trend, teams } = summarize(stats.value?.stats ?? []);
  return (
    <Box mt={2}>
      <TextField
        select
        size="small"
        label="Window"
        value={hours}
        onChange={e => setHours(Number(e.target.value))}
      >
        {[1, 24, 168, 720].map(h => (
          <MenuItem key={h} value={h}>
            last {h} h
          </MenuItem>
        ))}
      </TextField>
      <Typography variant="caption" component="p">
        Measured from the shadow decisions recorded by the service (enforce is
        refused above the configured bar, 0.1 % by default).
      </Typography>
      <Table
        title="Discrepancy rate per team"
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={columns}
        data={rows}
      />
      {trend.length > 0 && (
        <Box mt={2} height={300}>
          <ResponsiveContainer>
            <LineChart data={trend}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                dataKey="bucket"
                tickFormatter={v => String(v).slice(5, 16)}
              />
              <YAxis unit=" %" />
              <Tooltip />
              <Legend />
              {teams.map((t, i) => (
                <Line
                  key={t}
                  type="monotone"
                  dataKey={t}
                  stroke={COLORS[i % COLORS.length]}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </Box>
      )}
    </Box>
  );
};
