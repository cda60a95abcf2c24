import { Grid, MenuItem, TextField, Typography } from '@material-ui/core';

export interface PlaygroundInput {
  subjectType: 'product-user' | 'portal-user';
  subjectId: string;
  account: string;
  role: string;
  plan: string;
  action: string;
  resourceType: string;
  resourceId: string;
  resourceAccount: string;
  /** Comma-separated, e.g. `pii`. */
  dataClasses: string;
}

/** The policy input, shaped as the evaluator builds it from a check. */
export function toPolicyInput(i: PlaygroundInput): Record<string, unknown> {
  const dataClasses = i.dataClasses
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  return {
    subject:
      i.subjectType === 'product-user'
        ? {
            type: i.subjectType,
            id: i.subjectId,
            account: i.account,
            role: i.role,
            plan: i.plan,
          }
        : { type: i.subjectType, id: i.subjectId },
    action: i.action,
    resource: {
      type: i.resourceType,
      id: i.resourceId,
      account: i.resourceAccount,
      ...(dataClasses.length ? { data_classes: dataClasses } : {}),
    },
  };
}

/** Pick a subject (product user attributes or a catalog user ref), an action and a resource. */
export const InputBuilder = (props: {
  value: PlaygroundInput;
  onChange: (value: PlaygroundInput) => void;
}) => {
  const v = props.value;
  const field = (
    key: keyof PlaygroundInput,
    label: string,
    options?: string[],
  ) => (
    <Grid item xs={6}>
      <TextField
        fullWidth
        size="small"
        label={label}
        select={!!options}
        value={v[key]}
        inputProps={{ 'aria-label': label }}
        onChange={e => props.onChange({ ...v, [key]: e.target.value })}
      >
        {options?.map(o => (
          <MenuItem key={o} value={o}>
            {o}
          </MenuItem>
        ))}
      </TextField>
    </Grid>
  );
  return (
    <>
      <Typography variant="subtitle1">Input</Typography>
      <Grid container spacing={1}>
        {field('subjectType', 'Subject type', ['product-user', 'portal-user'])}
        {field(
          'subjectId',
          v.subjectType === 'product-user'
            ? 'Product user id'
            : 'User entity ref',
        )}
        {v.subjectType === 'product-user' && (
          <>
            {field('account', 'Subject account')}
            {field('role', 'Role', ['admin', 'analyst', 'viewer'])}
            {field('plan', 'Plan', ['enterprise', 'mid_market'])}
          </>
        )}
        {field('action', 'Action')}
        {field('resourceType', 'Resource type')}
        {field('resourceId', 'Resource id')}
        {field('resourceAccount', 'Resource account')}
        {field('dataClasses', 'Data classes (comma-separated)')}
      </Grid>
    </>
  );
};
