import {
  Box,
  Card,
  CardContent,
  Chip,
  Grid,
  Link,
  Tooltip,
  Typography,
} from '@material-ui/core';
import {
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  XAxis,
  YAxis,
} from 'recharts';
import { LimitViewDto } from '../../api/CapacityApi';
import { ageOf, formatDate, formatValue, PROVENANCE_LABEL } from './format';

const STATUS_COLOR = { green: '#2e7d32', yellow: '#f9a825', red: '#c62828' };
const DAY_MS = 86_400_000;

function Gauge({ limit }: { limit: LimitViewDto }) {
  const max = limit.critical * 1.1;
  const pct = (v: number) => `${Math.min(100, (v / max) * 100)}%`;
  return (
    <Box
      position="relative"
      height={14}
      bgcolor="#e0e0e0"
      borderRadius={4}
      aria-label={`${limit.name} gauge: ${limit.percentOfTrigger}% of trigger`}
    >
      <Box
        position="absolute"
        left={0}
        top={0}
        bottom={0}
        width={pct(limit.current.value)}
        bgcolor={STATUS_COLOR[limit.status]}
        borderRadius={4}
      />
      <Tooltip title={`trigger ${limit.trigger} ${limit.unit}`}>
        <Box
          position="absolute"
          left={pct(limit.trigger)}
          top={-3}
          bottom={-3}
          width={2}
          bgcolor="#f57f17"
        />
      </Tooltip>
      <Tooltip title={`critical ${limit.critical} ${limit.unit}`}>
        <Box
          position="absolute"
          left={pct(limit.critical)}
          top={-3}
          bottom={-3}
          width={2}
          bgcolor="#b71c1c"
        />
      </Tooltip>
    </Box>
  );
}

function Sparkline({ limit }: { limit: LimitViewDto }) {
  const f = limit.forecast;
  const points = limit.recent.map(s => ({
    t: Date.parse(s.at),
    value: s.value,
  }));
  const fit =
    f.slopePerDay !== undefined &&
    f.intercept !== undefined &&
    f.origin &&
    points.length
      ? [points[0].t, points[points.length - 1].t].map(t => ({
          t,
          fit:
            f.intercept! +
            f.slopePerDay! * ((t - Date.parse(f.origin!)) / DAY_MS),
        }))
      : [];
  if (points.length === 0) {
    return (
      <Typography variant="caption" color="textSecondary">
        No measured samples in the last {f.windowDays} days.
      </Typography>
    );
  }
  return (
    <ResponsiveContainer width="100%" height={90}>
      <ComposedChart margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="t" type="number" domain={['dataMin', 'dataMax']} hide />
        <YAxis
          width={48}
          type="number"
          domain={[
            0,
            Math.max(limit.critical, ...points.map(p => p.value)) * 1.05,
          ]}
          tickFormatter={(v: number) =>
            v.toLocaleString('en-US', { maximumFractionDigits: 1 })
          }
        />
        <Scatter
          data={points}
          dataKey="value"
          fill="#1565c0"
          isAnimationActive={false}
        />
        {fit.length > 0 && (
          <Line
            data={fit}
            dataKey="fit"
            stroke="#6a1b9a"
            dot={false}
            isAnimationActive={false}
          />
        )}
        <ReferenceLine
          y={limit.trigger}
          stroke="#f57f17"
          strokeDasharray="4 2"
        />
        <ReferenceLine
          y={limit.critical}
          stroke="#b71c1c"
          strokeDasharray="4 2"
        />
      </ComposedChart>
    </ResponsiveContainer>
  );
}

export function LimitCard({ limit }: { limit: LimitViewDto }) {
  const f = limit.forecast;
  const provenance = limit.current.provenance;
  return (
    <Card data-testid={`limit-${limit.id}`}>
      <CardContent>
        <Grid container spacing={2}>
          <Grid item xs={12} md={4}>
            <Typography variant="h6">{limit.name}</Typography>
            <Typography variant="body2" color="textSecondary">
              {limit.metric}
            </Typography>
            <Box display="flex" alignItems="center" mt={1} style={{ gap: 8 }}>
              <Typography variant="h5">
                {formatValue(limit.current.value, limit.unit)}
              </Typography>
              <Tooltip title={limit.current.source}>
                <Chip
                  size="small"
                  variant={provenance === 'live' ? 'default' : 'outlined'}
                  label={`${PROVENANCE_LABEL[provenance]} · ${ageOf(
                    limit.current.at,
                  )}`}
                  data-testid={`provenance-${limit.id}`}
                  data-provenance={provenance}
                />
              </Tooltip>
            </Box>
            {limit.collectorNote && (
              <Typography
                variant="caption"
                color="textSecondary"
                display="block"
              >
                Collector: {limit.collectorNote}
              </Typography>
            )}
            <Box mt={1}>
              <Gauge limit={limit} />
            </Box>
            <Typography variant="caption" display="block">
              {limit.percentOfTrigger}% of trigger{' '}
              {formatValue(limit.trigger, limit.unit)} · critical{' '}
              {formatValue(limit.critical, limit.unit)}
            </Typography>
          </Grid>
          <Grid item xs={12} md={4}>
            <Sparkline limit={limit} />
            <Typography variant="caption" display="block">
              {f.refused
                ? `No forecast: ${f.refused}`
                : `Fit over ${f.points} samples / ${
                    f.windowDays
                  } days: ${formatValue(
                    Number(f.slopePerDay!.toPrecision(3)),
                    `${limit.unit}/day`,
                  )}, R² ${f.r2!.toFixed(2)}`}
            </Typography>
          </Grid>
          <Grid item xs={12} md={4}>
            <Chip
              label={limit.status.toUpperCase()}
              style={{ background: STATUS_COLOR[limit.status], color: 'white' }}
              data-testid={`status-${limit.id}`}
            />
            <Typography variant="body2">
              Days to trigger: {limit.daysToTrigger ?? '—'} · Trigger date:{' '}
              {formatDate(f.triggerAt)} · Act by: <b>{formatDate(f.actBy)}</b>{' '}
              (lead time {limit.leadTimeWeeks.min}–{limit.leadTimeWeeks.max}{' '}
              weeks)
            </Typography>
            {limit.scenario && (
              <Typography variant="body2">
                {limit.scenario.refused
                  ? `Growth scenario: ${limit.scenario.refused}`
                  : `Growth scenario (${
                      limit.scenario.multiplier
                    }× traffic in ${limit.scenario.overDays} days, from the ${
                      limit.scenario.basis
                    }): ${
                      limit.scenario.triggerAt
                        ? `trigger ${formatDate(
                            limit.scenario.triggerAt,
                          )}, act by ${formatDate(limit.scenario.actBy)}`
                        : 'does not reach the trigger within 3 years'
                    }`}
              </Typography>
            )}
            <Typography variant="body2">
              Owner: {limit.owner.replace(/^group:default\//, '')} · Mitigation:{' '}
              {limit.mitigation.project ? `${limit.mitigation.project} — ` : ''}
              {limit.mitigation.description} ·{' '}
              <Link href={`/runbooks/${limit.runbook}`}>runbook</Link>
            </Typography>
            <Typography variant="caption" color="textSecondary" display="block">
              {limit.statusReason}. {limit.policy}
            </Typography>
          </Grid>
        </Grid>
      </CardContent>
    </Card>
  );
}
