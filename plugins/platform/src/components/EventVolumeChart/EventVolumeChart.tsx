import { useMemo } from 'react';
import { useTheme } from '@material-ui/core/styles';
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
import { VolumePoint } from '@internal/plugin-platform-common';

/** Pivots (bucket, type, count) rows into one row per bucket with a column per type. */
export function pivotVolume(points: VolumePoint[]): {
  rows: Record<string, any>[];
  types: string[];
} {
  const types = [...new Set(points.map(p => p.event_type))].sort();
  const byBucket = new Map<string, Record<string, any>>();
  for (const p of points) {
    const row = byBucket.get(p.bucket) ?? { bucket: p.bucket };
    row[p.event_type] = p.count;
    byBucket.set(p.bucket, row);
  }
  const rows = [...byBucket.values()].sort((a, b) =>
    a.bucket.localeCompare(b.bucket),
  );
  for (const row of rows) for (const t of types) row[t] ??= 0;
  return { rows, types };
}

export function EventVolumeChart(props: { points: VolumePoint[] }) {
  const theme = useTheme();
  const { rows, types } = useMemo(
    () => pivotVolume(props.points),
    [props.points],
  );
  const palette = [
    theme.palette.primary.main,
    theme.palette.secondary.main,
    theme.palette.success?.main ?? '#2e7d32',
    theme.palette.warning?.main ?? '#ed6c02',
    theme.palette.error.main,
    theme.palette.info?.main ?? '#0288d1',
    '#8e24aa',
    '#6d4c41',
    '#00897b',
    '#546e7a',
  ];
  return (
    <ResponsiveContainer width="100%" height={280}>
      <LineChart data={rows} margin={{ top: 8, right: 16, left: 0, bottom: 8 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          dataKey="bucket"
          tickFormatter={(v: string) =>
            new Date(v).toLocaleString(undefined, {
              month: 'short',
              day: 'numeric',
              hour: '2-digit',
            })
          }
          minTickGap={24}
        />
        <YAxis allowDecimals={false} />
        <Tooltip labelFormatter={(v: any) => new Date(v).toLocaleString()} />
        <Legend />
        {types.map((t, i) => (
          <Line
            key={t}
            type="monotone"
            dataKey={t}
            dot={false}
            stroke={palette[i % palette.length]}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}
