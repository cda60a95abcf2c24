import {
  Bar,
  BarChart,
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useTheme } from '@material-ui/core/styles';
import { SloDetail } from '../../api/SloApi';
import { windowLabel } from '../format';

/** Burn rate per window, with each alert's factor drawn as a threshold line. */
export const BurnRateChart = ({ slo }: { slo: SloDetail }) => {
  const theme = useTheme();
  const data = slo.burnRates.map(b => ({
    window: windowLabel(b.windowMinutes),
    burnRate: b.value ?? 0,
  }));
  const factors = [...new Set(slo.alerts.map(a => a.factor))];
  return (
    <div data-testid="burn-rate-chart" style={{ width: '100%', height: 280 }}>
      <ResponsiveContainer>
        <BarChart
          data={data}
          margin={{ top: 16, right: 48, left: 0, bottom: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="window" />
          <YAxis />
          <Tooltip formatter={(v: number) => `${v.toFixed(2)}×`} />
          <Bar
            dataKey="burnRate"
            name="burn rate"
            fill={theme.palette.primary.main}
          />
          {factors.map(f => (
            <ReferenceLine
              key={f}
              y={f}
              // Always draw the thresholds, even when every burn rate is far below them.
              ifOverflow="extendDomain"
              stroke={theme.palette.error.main}
              strokeDasharray="4 4"
              label={{ value: `${f}×`, position: 'right' }}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
};
