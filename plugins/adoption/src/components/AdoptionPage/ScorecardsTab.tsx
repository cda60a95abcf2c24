import { Fragment, useState } from 'react';
import {
  Box,
  Chip,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import { Line, LineChart, ResponsiveContainer, YAxis, Tooltip } from 'recharts';
import {
  adoptionApiRef,
  ScorecardDto,
  ScorecardList,
} from '../../api/AdoptionApi';
import { PHASE_LABELS, shortTeam, when } from './format';
import { Loaded } from '../Loaded';

const LEVEL_COLOURS: Record<string, string> = {
  none: '#9e9e9e',
  bronze: '#a1887f',
  silver: '#90a4ae',
  gold: '#fbc02d',
};

export function ScorecardFacts({ card }: { card: ScorecardDto }) {
  return (
    <Table size="small" aria-label={`checks of ${shortTeam(card.team)}`}>
      <TableHead>
        <TableRow>
          <TableCell>Capability</TableCell>
          <TableCell>Measured phase</TableCell>
          <TableCell>Points (weight)</TableCell>
          <TableCell>Why</TableCell>
          <TableCell>Facts</TableCell>
          <TableCell>Declared</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {card.checks.map(c => (
          <TableRow key={c.capability}>
            <TableCell>{c.capability}</TableCell>
            <TableCell>{PHASE_LABELS[c.phase]}</TableCell>
            <TableCell>
              {c.points} ({Math.round(c.weight * 100)}%)
            </TableCell>
            <TableCell>{c.reason}</TableCell>
            <TableCell>
              {c.evidence.calls30d} platform calls (30 d, last{' '}
              {when(c.evidence.lastCallAt)}); {c.evidence.legacyCalls30d} legacy
              calls (30 d)
              {c.evidence.shadow
                ? `; ${c.evidence.shadow.mode}, ${c.evidence.shadow.discrepancies}/${c.evidence.shadow.checks} discrepancies`
                : ''}
            </TableCell>
            <TableCell>
              {c.declaredPhase === null || c.declaredPhase === undefined
                ? '—'
                : `declared ${c.declaredPhase}`}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function ScorecardsTab() {
  const api = useApi(adoptionApiRef);
  return (
    <Loaded load={() => api.listScorecards()}>
      {value => <Scorecards value={value} />}
    </Loaded>
  );
}

function Scorecards({ value }: { value: ScorecardList }) {
  const [open, setOpen] = useState<string>();
  const cards = value.scorecards;
  return (
    <Box>
      <Typography variant="body2" paragraph>
        Score = Σ weight × measured phase / 3 (weights:{' '}
        {Object.entries(value.weights)
          .map(([k, w]) => `${k} ${Math.round(w * 100)}%`)
          .join(', ')}
        ). Level: bronze when every capability is at phase ≥ 1, silver ≥ 2, gold
        3. Computed {when(value.computedAt)} from measured evidence only; click
        a team for the facts.
      </Typography>
      <Paper>
        <Table aria-label="scorecards">
          <TableHead>
            <TableRow>
              <TableCell>Rank</TableCell>
              <TableCell>Team</TableCell>
              <TableCell>Score</TableCell>
              <TableCell>Level</TableCell>
              <TableCell>Phases (export / filtering / permissions)</TableCell>
              <TableCell>Trend (daily)</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {cards.map(card => (
              <Fragment key={card.team}>
                <TableRow
                  key={card.team}
                  hover
                  data-testid={`scorecard-${shortTeam(card.team)}`}
                  style={{ cursor: 'pointer' }}
                  onClick={() =>
                    setOpen(open === card.team ? undefined : card.team)
                  }
                >
                  <TableCell>{card.rank}</TableCell>
                  <TableCell>{shortTeam(card.team)}</TableCell>
                  <TableCell data-testid="score">{card.score}</TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      label={card.level}
                      style={{ background: LEVEL_COLOURS[card.level] }}
                    />
                  </TableCell>
                  <TableCell>
                    {card.checks.map(c => c.phase).join(' / ')}
                  </TableCell>
                  <TableCell style={{ width: 160 }}>
                    {card.trend.length > 1 ? (
                      <ResponsiveContainer width="100%" height={32}>
                        <LineChart data={card.trend}>
                          <YAxis hide domain={[0, 100]} />
                          <Tooltip />
                          <Line
                            type="monotone"
                            dataKey="score"
                            dot={false}
                            isAnimationActive={false}
                          />
                        </LineChart>
                      </ResponsiveContainer>
                    ) : (
                      `${card.trend.length} day recorded`
                    )}
                  </TableCell>
                </TableRow>
                {open === card.team && (
                  <TableRow key={`${card.team}-facts`}>
                    <TableCell colSpan={6}>
                      <ScorecardFacts card={card} />
                    </TableCell>
                  </TableRow>
                )}
              </Fragment>
            ))}
          </TableBody>
        </Table>
      </Paper>
    </Box>
  );
}
