import { useEffect, useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useDebounce from 'react-use/esm/useDebounce';
import { useApi } from '@backstage/core-plugin-api';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import {
  Box,
  Button,
  Grid,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import {
  authzApiRef,
  EvaluateResponse,
  PolicyKind,
  ReplayResult,
  RevisionSource,
  TestResponse,
} from '../../api/AuthzApi';
import { loadActiveRevision } from '../activeRevision';
import { PolicyPicker } from '../PolicyPicker';
import { RegoEditor } from './RegoEditor';
import { InputBuilder, PlaygroundInput, toPolicyInput } from './InputBuilder';
import { ReplayPanel } from './ReplayPanel';
import { TestResults } from './TestResults';

const EVALUATE_DEBOUNCE_MS = 400;

/** The portal policy's answer (`{ result, reason, … }`), when the result is one. */
function portalAnswer(
  result: unknown,
): { result: string; reason: string } | undefined {
  const r = result as { result?: unknown; reason?: unknown } | undefined;
  return typeof r?.result === 'string' && typeof r.reason === 'string'
    ? { result: r.result, reason: r.reason }
    : undefined;
}

const Playground = ({
  revision,
  policy,
}: {
  revision: RevisionSource;
  policy: PolicyKind;
}) => {
  const api = useApi(authzApiRef);
  const [modules, setModules] = useState(revision.modules);
  const files = Object.keys(modules).sort();
  const [file, setFile] = useState(
    files.find(f => !f.endsWith('_test.rego')) ?? files[0],
  );
  const [input, setInput] = useState<PlaygroundInput>({
    subjectType: 'product-user',
    subjectId: 'u-1',
    account: 'acct-1',
    role: 'viewer',
    plan: 'mid_market',
    action: 'dashboard.read',
    resourceType: 'dashboard',
    resourceId: 'd-1',
    resourceAccount: 'acct-1',
    dataClasses: '',
    permissionName: 'catalog.location.create',
    permissionAction: 'create',
    permissionResourceType: '',
  });
  const portalUsers = useAsync(() => api.listPortalUsers(), [api]);
  const [evaluated, setEvaluated] = useState<
    EvaluateResponse & { roundTripMs?: number }
  >();
  const [evaluateError, setEvaluateError] = useState<Error>();
  const [tests, setTests] = useState<TestResponse>();
  const [testing, setTesting] = useState(false);
  const [replay, setReplay] = useState<ReplayResult>();
  const [replaying, setReplaying] = useState(false);
  const [replayError, setReplayError] = useState<Error>();
  const [replayLimit, setReplayLimit] = useState(1000);
  const policyModules = useMemo(
    () =>
      Object.fromEntries(
        Object.entries(modules).filter(([f]) => !f.endsWith('_test.rego')),
      ),
    [modules],
  );

  useDebounce(
    () => {
      const started = performance.now();
      api
        .evaluate({
          modules: policyModules,
          data: revision.data,
          entrypoint: revision.entrypoint,
          input: toPolicyInput(input, policy),
        })
        .then(r => {
          setEvaluateError(undefined);
          setEvaluated({ ...r, roundTripMs: performance.now() - started });
        })
        .catch(setEvaluateError);
    },
    EVALUATE_DEBOUNCE_MS,
    [policyModules, input, policy],
  );

  // a new revision resets the editor
  useEffect(() => setModules(revision.modules), [revision]);

  const runTests = async () => {
    setTesting(true);
    try {
      setTests(await api.runTests({ modules, data: revision.data }));
    } finally {
      setTesting(false);
    }
  };
  const runReplay = async () => {
    setReplaying(true);
    setReplayError(undefined);
    try {
      setReplay(
        await api.replay({
          modules: policyModules,
          data: revision.data,
          entrypoint: revision.entrypoint,
          policy,
          limit: replayLimit,
        }),
      );
    } catch (e) {
      setReplayError(e as Error);
    } finally {
      setReplaying(false);
    }
  };

  const errors = evaluated?.errors ?? [];
  return (
    <Box mt={2}>
      <Grid container spacing={3}>
        <Grid item xs={12} md={7}>
          <TextField
            select
            label="Module"
            value={file}
            onChange={e => setFile(e.target.value)}
            size="small"
          >
            {files.map(f => (
              <MenuItem key={f} value={f}>
                {f}
              </MenuItem>
            ))}
          </TextField>
          <Typography variant="caption" component="p">
            Starting point: revision {revision.id} (
            {revision.sha256.slice(0, 12)}
            ). Edits stay in this page until stored through the API.
          </Typography>
          <RegoEditor
            value={modules[file] ?? ''}
            onChange={v => setModules(m => ({ ...m, [file]: v }))}
            errors={errors.filter(e => e.file === file)}
          />
          <Box data-testid="compile-errors">
            {errors.map(e => (
              <Typography
                key={`${e.file}:${e.line}:${e.column}:${e.code}`}
                color="error"
                variant="body2"
              >
                {e.file}:{e.line}:{e.column}: {e.code}: {e.message}
              </Typography>
            ))}
          </Box>
        </Grid>
        <Grid item xs={12} md={5}>
          <InputBuilder
            value={input}
            onChange={setInput}
            portalUsers={portalUsers.value}
            policy={policy}
          />
          <Box mt={2} data-testid="decision">
            {evaluateError && <ResponseErrorPanel error={evaluateError} />}
            {evaluated?.decision && (
              <Typography variant="h6">
                {evaluated.decision.allowed ? 'ALLOWED' : 'DENIED'} — reason{' '}
                <code>{evaluated.decision.reason}</code>
              </Typography>
            )}
            {!evaluated?.decision && portalAnswer(evaluated?.result) && (
              <Typography variant="h6">
                {portalAnswer(evaluated?.result)!.result} — reason{' '}
                <code>{portalAnswer(evaluated?.result)!.reason}</code>
              </Typography>
            )}
            {evaluated &&
              !evaluated.decision &&
              !portalAnswer(evaluated.result) &&
              errors.length === 0 && (
                <Typography>
                  No decision:{' '}
                  {evaluated.evaluationError ?? 'the entrypoint is undefined'}
                </Typography>
              )}
            {evaluated && (
              <Typography variant="caption" component="p">
                compile {evaluated.compileMs.toFixed(1)} ms
                {evaluated.evalMs !== undefined &&
                  ` · evaluation ${evaluated.evalMs.toFixed(3)} ms`}
                {evaluated.roundTripMs !== undefined &&
                  ` · round trip ${evaluated.roundTripMs.toFixed(0)} ms`}{' '}
                (measured in this request)
              </Typography>
            )}
          </Box>
          <Box mt={2}>
            <Button variant="outlined" onClick={runTests} disabled={testing}>
              Run the policy's tests
            </Button>
            {testing && <Progress />}
            {tests && <TestResults tests={tests} />}
          </Box>
        </Grid>
        <Grid item xs={12}>
          <Box display="flex" alignItems="center">
            <TextField
              label="Replay the last N decisions"
              type="number"
              size="small"
              value={replayLimit}
              onChange={e =>
                setReplayLimit(
                  Math.max(1, Math.min(100000, Number(e.target.value) || 1)),
                )
              }
            />
            <Box ml={2}>
              <Button
                variant="contained"
                color="primary"
                onClick={runReplay}
                disabled={replaying || errors.length > 0}
              >
                Replay against this candidate
              </Button>
            </Box>
          </Box>
          {replaying && <Progress />}
          {replayError && <ResponseErrorPanel error={replayError} />}
          {replay && <ReplayPanel result={replay} />}
        </Grid>
      </Grid>
    </Box>
  );
};

/**
 * Edit the active revision's Rego of the product policy (the Check API's) or the portal policy
 * (the portal's Backstage PermissionPolicy), see errors and the decision as you type, test and
 * replay.
 */
export const PlaygroundTab = () => {
  const api = useApi(authzApiRef);
  const [policy, setPolicy] = useState<PolicyKind>('product');
  const active = useAsync(() => loadActiveRevision(api, policy), [api, policy]);
  const picker = <PolicyPicker value={policy} onChange={setPolicy} />;
  let body;
  if (active.loading) body = <Progress />;
  else if (active.error) body = <ResponseErrorPanel error={active.error} />;
  else if (!active.value) {
    body = <Typography>No policy revision is stored yet.</Typography>;
  } else {
    body = <Playground key={policy} revision={active.value} policy={policy} />;
  }
  return (
    <Box mt={2}>
      {picker}
      {body}
    </Box>
  );
};
