import { Grid, MenuItem, TextField, Typography } from '@material-ui/core';
import { PolicyKind, PortalUser } from '../../api/AuthzApi';

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
  /** The picked catalog user's teams and grants, as the service resolves them. */
  portalUser?: PortalUser;
  /** Portal policy: the Backstage permission asked about. */
  permissionName: string;
  permissionAction: string;
  /** Empty for a basic permission. */
  permissionResourceType: string;
}

/** The portal policy's input, as the permission backend's portal-policy module builds it. */
function toPortalInput(i: PlaygroundInput): Record<string, unknown> {
  const user = i.portalUser;
  return {
    permission: {
      name: i.permissionName,
      attributes: { action: i.permissionAction },
      ...(i.permissionResourceType
        ? { resourceType: i.permissionResourceType }
        : {}),
    },
    user: user
      ? {
          ownershipRefs: [user.ref, ...user.teams],
          accountAccess: user.accountAccess,
          dataClasses: user.dataClasses,
        }
      : null,
  };
}

/** The policy input, shaped as the evaluator (or, for the portal policy, the permission module) builds it. */
export function toPolicyInput(
  i: PlaygroundInput,
  policy: PolicyKind = 'product',
): Record<string, unknown> {
  if (policy === 'portal') return toPortalInput(i);
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
        : {
            ...(i.portalUser && {
              teams: i.portalUser.teams,
              accountAccess: i.portalUser.accountAccess,
              dataClasses: i.portalUser.dataClasses,
            }),
            type: i.subjectType,
            id: i.subjectId,
          },
    action: i.action,
    resource: {
      type: i.resourceType,
      id: i.resourceId,
      account: i.resourceAccount,
      ...(dataClasses.length ? { data_classes: dataClasses } : {}),
    },
  };
}

const teamName = (ref: string) => ref.replace(/^group:(default\/)?/, '');

/** What a catalog user carries as a `portal-user` subject. */
const PortalUserAttributes = ({ user }: { user: PortalUser }) => (
  <Grid item xs={12} data-testid="portal-user-attributes">
    <Typography variant="body2">
      Teams: {user.teams.map(teamName).join(', ') || 'none'}
    </Typography>
    <Typography variant="body2">
      Account access:{' '}
      {user.accountAccess === '*'
        ? 'all accounts'
        : user.accountAccess.join(', ') || 'none'}
      {' · '}Data classes: {user.dataClasses.join(', ') || 'public only'}
    </Typography>
    <Typography variant="caption">
      From the organisation's catalog locations, as the Check API resolves this
      user.
    </Typography>
  </Grid>
);

/**
 * Pick a subject (a product user's attributes, or a catalog user with their teams), an action
 * and a resource.
 */
export const InputBuilder = (props: {
  value: PlaygroundInput;
  onChange: (value: PlaygroundInput) => void;
  /** The organisation's catalog users; undefined while loading. */
  portalUsers?: PortalUser[];
  policy?: PolicyKind;
}) => {
  const v = props.value;
  const users = props.portalUsers ?? [];
  const pickUser = (ref: string) =>
    props.onChange({
      ...v,
      subjectId: ref,
      portalUser: users.find(u => u.ref === ref),
    });
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
  const userPicker = (
    <Grid item xs={6}>
      <TextField
        fullWidth
        size="small"
        select
        label="Catalog user"
        value={v.portalUser ? v.subjectId : ''}
        inputProps={{ 'aria-label': 'Catalog user' }}
        onChange={e => pickUser(e.target.value)}
      >
        {users.map(u => (
          <MenuItem key={u.ref} value={u.ref}>
            {u.displayName ?? u.ref} (
            {u.teams.map(teamName).join(', ') || 'no team'})
          </MenuItem>
        ))}
      </TextField>
    </Grid>
  );
  if (props.policy === 'portal') {
    return (
      <>
        <Typography variant="subtitle1">Input</Typography>
        <Grid container spacing={1}>
          {userPicker}
          {v.portalUser && <PortalUserAttributes user={v.portalUser} />}
          {field('permissionName', 'Permission')}
          {field('permissionAction', 'Permission action', [
            'read',
            'create',
            'update',
            'delete',
          ])}
          {field('permissionResourceType', 'Permission resource type')}
        </Grid>
      </>
    );
  }
  return (
    <>
      <Typography variant="subtitle1">Input</Typography>
      <Grid container spacing={1}>
        {field('subjectType', 'Subject type', ['product-user', 'portal-user'])}
        {v.subjectType === 'product-user' || users.length === 0
          ? field(
              'subjectId',
              v.subjectType === 'product-user'
                ? 'Product user id'
                : 'User entity ref',
            )
          : userPicker}
        {v.subjectType === 'portal-user' && v.portalUser && (
          <PortalUserAttributes user={v.portalUser} />
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
