import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useTheme } from '@material-ui/core/styles';
import { SloDetail } from '../../api/SloApi';

/** Remaining error budget over the SLO window (share of the window's budget). */
export const BurnDownChart = ({ slo }: { slo: SloDetail }) => {
  const theme = useTheme();
  const data = slo.burnDown.map(p => ({
    t: p.minute.slice(5, 16).replace('T', ' '),
    remaining: p.remaining === null ? null : p.remaining * 100,
  }));
  return (
    <div data-testid="burn-down-chart" style={{ width: '100%', height: 260 }}>
      <ResponsiveContainer>
        <LineChart
          data={data}
          margin={{ top: 16, right: 48, left: 0, bottom: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="t" minTickGap={40} />
          <YAxis unit="%" />
          <Tooltip formatter={(v: number) => `${v.toFixed(2)} %`} />
          <ReferenceLine
            y={25}
            stroke={theme.palette.warning.main}
            strokeDasharray="4 4"
            label={{ value: 'freeze', position: 'right' }}
          />
          <Line
            type="stepAfter"
            dataKey="remaining"
            name="budget remaining"
            dot={false}
            stroke={theme.palette.primary.main}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
};
