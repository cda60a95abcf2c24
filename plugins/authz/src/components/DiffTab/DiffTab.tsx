import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { Box, MenuItem, TextField, Typography } from '@material-ui/core';
import { authzApiRef, PolicyKind } from '../../api/AuthzApi';
import { PolicyPicker } from '../PolicyPicker';
import { lineDiff } from './lineDiff';

/** Two stored revisions of one policy side by side: every module and data.json, line by line. */
export const DiffTab = () => {
  const api = useApi(authzApiRef);
  const [policy, setPolicy] = useState<PolicyKind>('product');
  const list = useAsync(() => api.listRevisions(policy), [api, policy]);
  const [left, setLeft] = useState<string>();
  const [right, setRight] = useState<string>();
  const pickPolicy = (next: PolicyKind) => {
    setPolicy(next);
    setLeft(undefined);
    setRight(undefined);
  };
  const revisions = list.value?.revisions ?? [];
  const a = left ?? revisions[1]?.id ?? revisions[0]?.id;
  const b = right ?? revisions[0]?.id;
  const sources = useAsync(async () => {
    if (!a || !b) return undefined;
    return Promise.all([api.getRevision(a), api.getRevision(b)]);
  }, [api, a, b]);
  if (list.loading) return <Progress />;
  if (list.error) return <ResponseErrorPanel error={list.error} />;
  const picker = (
    label: string,
    value: string | undefined,
    set: (v: string) => void,
  ) => (
    <TextField
      select
      size="small"
      label={label}
      value={value ?? ''}
      onChange={e => set(e.target.value)}
      style={{ minWidth: 320, marginRight: 16 }}
    >
      {revisions.map(r => (
        <MenuItem key={r.id} value={r.id}>
          #{r.id} {r.sha256.slice(0, 12)} {r.author}{' '}
          {r.active ? '(active)' : ''}
        </MenuItem>
      ))}
    </TextField>
  );
  const files = sources.value
    ? [
        ...new Set([
          ...Object.keys(sources.value[0].modules),
          ...Object.keys(sources.value[1].modules),
        ]),
      ].sort()
    : [];
  return (
    <Box mt={2}>
      <PolicyPicker value={policy} onChange={pickPolicy} />
      {picker('From revision', a, setLeft)}
      {picker('To revision', b, setRight)}
      {sources.loading && <Progress />}
      {sources.error && <ResponseErrorPanel error={sources.error} />}
      {sources.value && (
        <Box mt={2} data-testid="revision-diff">
          {[...files, 'data.json'].map(f => {
            const [x, y] = sources.value!;
            const before =
              f === 'data.json'
                ? JSON.stringify(x.data, null, 2)
                : x.modules[f] ?? '';
            const after =
              f === 'data.json'
                ? JSON.stringify(y.data, null, 2)
                : y.modules[f] ?? '';
            const lines = lineDiff(before, after);
            const changed = lines.filter(l => l.kind !== 'same').length;
            return (
              <Box key={f} mb={2}>
                <Typography variant="subtitle1">
                  {f}: {changed === 0 ? 'unchanged' : `${changed} lines differ`}
                </Typography>
                {changed > 0 && (
                  <pre style={{ fontSize: 12, overflowX: 'auto' }}>
                    {lines
                      .filter(l => l.kind !== 'same')
                      .map(l => `${l.kind === 'added' ? '+' : '-'} ${l.text}`)
                      .join('\n')}
                  </pre>
                )}
              </Box>
            );
          })}
        </Box>
      )}
    </Box>
  );
};
