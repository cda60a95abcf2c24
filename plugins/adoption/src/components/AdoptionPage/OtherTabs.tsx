import { useState } from 'react';
import {
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
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
import {
  adoptionApiRef,
  CampaignList,
  RiskChanges,
  RiskList,
  RoadmapDto,
} from '../../api/AdoptionApi';
import { shortTeam, when } from './format';
import { Loaded } from '../Loaded';

type Reminder = CampaignList['campaigns'][number]['reminders'][number];

/** The newest reminder to a team, e.g. "2026-12-12 delivered (HTTP 204)". */
function lastReminder(reminders: Reminder[], team: string): string {
  const r = reminders.find(x => x.team === team);
  return r ? `${r.day} ${r.status} (${r.detail})` : '—';
}

export function CampaignsTab() {
  const api = useApi(adoptionApiRef);
  return (
    <Loaded load={() => api.listCampaigns()}>
      {value => <Campaigns value={value} />}
    </Loaded>
  );
}

function Campaigns({ value }: { value: CampaignList }) {
  return (
    <Box>
      {value.campaigns.map(c => (
        <Box key={c.id} mb={3}>
          <Paper>
            <Box p={2}>
              <Typography variant="h6">{c.title}</Typography>
              <Typography variant="body2">
                {c.capability} to measured phase ≥ {c.targetPhase}; started{' '}
                {c.start}; deadline {c.teams[0]?.deadline} (2 sprints of{' '}
                {c.sprintDays} days per team). Done {c.done}/{c.teams.length};
                overdue: {c.overdue.map(shortTeam).join(', ') || 'none'}. Teams
                behind get one reminder a day (adoption.reminders webhook).
              </Typography>
              <ResponsiveContainer width="100%" height={220}>
                <LineChart data={c.burnUp}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="day" />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Legend />
                  <Line
                    type="stepAfter"
                    dataKey="done"
                    name="teams done (measured)"
                    stroke="#2e7d32"
                    dot={false}
                    isAnimationActive={false}
                  />
                  <Line
                    type="stepAfter"
                    dataKey="scope"
                    name="scope"
                    stroke="#9e9e9e"
                    dot={false}
                    isAnimationActive={false}
                  />
                </LineChart>
              </ResponsiveContainer>
              <Table size="small">
                <TableHead>
                  <TableRow>
                    <TableCell>Team</TableCell>
                    <TableCell>Phase</TableCell>
                    <TableCell>Reached</TableCell>
                    <TableCell>Deadline</TableCell>
                    <TableCell>Last reminder</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {c.teams.map(t => (
                    <TableRow key={t.team}>
                      <TableCell>{shortTeam(t.team)}</TableCell>
                      <TableCell>{t.phase}</TableCell>
                      <TableCell>{when(t.reachedAt)}</TableCell>
                      <TableCell
                        style={{ color: t.overdue ? 'red' : undefined }}
                      >
                        {t.deadline}
                        {t.overdue ? ' (overdue)' : ''}
                      </TableCell>
                      <TableCell
                        data-testid={`reminder-${c.id}-${shortTeam(t.team)}`}
                      >
                        {lastReminder(c.reminders, t.team)}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Box>
          </Paper>
        </Box>
      ))}
    </Box>
  );
}

const STATUS_COLOURS: Record<string, string> = {
  met: '#a5d6a7',
  'not-met': '#ef9a9a',
  'not-measurable': '#e0e0e0',
};

export function RoadmapTab() {
  const api = useApi(adoptionApiRef);
  return (
    <Loaded load={() => api.getRoadmap()}>
      {value => <Roadmap value={value} />}
    </Loaded>
  );
}

function Roadmap({ value }: { value: RoadmapDto }) {
  return (
    <Box>
      <Typography variant="body2" paragraph>
        Criteria evaluated live at {when(value.computedAt)}; nothing here is set
        by hand.
      </Typography>
      {value.milestones.map(m => (
        <Box key={m.id} mb={2}>
          <Paper>
            <Box p={2}>
              <Typography variant="h6">
                {m.id}: {m.title}
              </Typography>
              <Typography variant="body2">
                {m.scope}. Owner {m.owner}; depends on {m.dependencies}; ETA{' '}
                {m.eta}. Rollout/rollback: {m.rollout}
              </Typography>
              <Table size="small">
                <TableBody>
                  {m.criteria.map(c => (
                    <TableRow key={c.text}>
                      <TableCell style={{ width: 140 }}>
                        <Chip
                          size="small"
                          label={c.status}
                          style={{ background: STATUS_COLOURS[c.status] }}
                        />
                      </TableCell>
                      <TableCell>{c.text}</TableCell>
                      <TableCell>
                        {c.detail}
                        {c.source ? ` — ${c.source}` : ''}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Box>
          </Paper>
        </Box>
      ))}
    </Box>
  );
}

const FIELD_HINTS: Record<string, string> = {
  status: 'open | mitigating | closed',
  likelihood: 'Low | Medium | High',
};

/** Edits one risk or question; the backend allows admins only and keeps every edit. */
function EditDialog(props: {
  id: string;
  fields: Array<keyof RiskChanges>;
  initial: Record<string, string | null | undefined>;
  onClose: (saved: boolean) => void;
}) {
  const api = useApi(adoptionApiRef);
  const alertApi = useApi(alertApiRef);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(props.fields.map(f => [f, props.initial[f] ?? ''])),
  );
  const save = async () => {
    const changes = Object.fromEntries(
      Object.entries(values).filter(([k, v]) => v !== (props.initial[k] ?? '')),
    ) as RiskChanges;
    if (Object.keys(changes).length === 0) {
      props.onClose(false);
      return;
    }
    try {
      await api.updateRisk(props.id, changes);
      props.onClose(true);
    } catch (e) {
      alertApi.post({ message: (e as Error).message, severity: 'error' });
    }
  };
  return (
    <Dialog open onClose={() => props.onClose(false)} fullWidth>
      <DialogTitle>Edit {props.id}</DialogTitle>
      <DialogContent>
        {props.fields.map(f => (
          <TextField
            key={f}
            id={`adoption-edit-${f}`}
            label={f}
            fullWidth
            margin="dense"
            multiline={f === 'mitigation' || f === 'answer'}
            value={values[f]}
            onChange={e => setValues({ ...values, [f]: e.target.value })}
            helperText={FIELD_HINTS[f]}
          />
        ))}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => props.onClose(false)}>Cancel</Button>
        <Button color="primary" onClick={save}>
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function RisksTab() {
  const api = useApi(adoptionApiRef);
  return (
    <Loaded load={() => api.listRisks()}>
      {(value, reload) => <Risks value={value} reload={reload} />}
    </Loaded>
  );
}

function Risks({ value, reload }: { value: RiskList; reload: () => void }) {
  const [editing, setEditing] = useState<{
    id: string;
    fields: Array<keyof RiskChanges>;
    initial: Record<string, string | null | undefined>;
  }>();
  return (
    <Box>
      <Typography variant="h6">Risks</Typography>
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Risk</TableCell>
            <TableCell>Likelihood</TableCell>
            <TableCell>Impact</TableCell>
            <TableCell>Mitigation</TableCell>
            <TableCell>Owner</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Edits</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {value.risks.map(r => (
            <TableRow key={r.id}>
              <TableCell>{r.title}</TableCell>
              <TableCell>{r.likelihood}</TableCell>
              <TableCell>{r.impact}</TableCell>
              <TableCell>{r.mitigation}</TableCell>
              <TableCell>{r.owner}</TableCell>
              <TableCell>{r.status}</TableCell>
              <TableCell>
                {r.history
                  .map(
                    h =>
                      `${when(h.editedAt)} ${h.editedBy}: ${JSON.stringify(
                        h.changes,
                      )}`,
                  )
                  .join('; ') || '—'}
              </TableCell>
              <TableCell>
                <Button
                  size="small"
                  onClick={() =>
                    setEditing({
                      id: r.id,
                      fields: [
                        'likelihood',
                        'impact',
                        'mitigation',
                        'owner',
                        'status',
                      ],
                      initial: {
                        likelihood: r.likelihood,
                        impact: r.impact,
                        mitigation: r.mitigation,
                        owner: r.owner,
                        status: r.status,
                      },
                    })
                  }
                >
                  Edit
                </Button>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Box mt={2}>
        <Typography variant="h6">Open questions</Typography>
        <Table size="small">
          <TableBody>
            {value.questions.map(q => (
              <TableRow key={q.id}>
                <TableCell>{q.question}</TableCell>
                <TableCell>{q.owner}</TableCell>
                <TableCell>{q.answer ?? 'unanswered'}</TableCell>
                <TableCell>
                  {q.history.length} edit{q.history.length === 1 ? '' : 's'}
                </TableCell>
                <TableCell>
                  <Button
                    size="small"
                    onClick={() =>
                      setEditing({
                        id: q.id,
                        fields: ['owner', 'answer'],
                        initial: { owner: q.owner, answer: q.answer },
                      })
                    }
                  >
                    Edit
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      {editing && (
        <EditDialog
          {...editing}
          onClose={saved => {
            setEditing(undefined);
            if (saved) reload();
          }}
        />
      )}
    </Box>
  );
}
