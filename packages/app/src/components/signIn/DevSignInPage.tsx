import { useMemo, useState } from 'react';
import {
  Content,
  ContentHeader,
  Header,
  InfoCard,
  Page,
  Progress,
  ProxiedSignInPage,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { IdentityApi, SignInPageProps } from '@backstage/core-plugin-api';
import {
  Button,
  List,
  ListItem,
  ListItemText,
  ListSubheader,
  TextField,
  Typography,
} from '@material-ui/core';
import { devUserStorage } from './devUserStorage';
import { useCatalogUsers } from './useCatalogUsers';

const DEV_USER_HEADER = 'x-portal-dev-user';

/** Signing out also forgets the picked user, so the picker shows again. */
function forgetOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      devUserStorage.clear();
      await identity.signOut();
    },
  };
}

const UserPicker = (props: {
  onPick: (name: string) => void;
  error?: Error;
}) => {
  const users = useCatalogUsers();
  const [query, setQuery] = useState('');
  const byTeam = useMemo(() => {
    const groups = new Map<string, { name: string; displayName: string }[]>();
    for (const user of users.value ?? []) {
      const text = `${user.displayName} ${user.name} ${user.teams.join(
        ' ',
      )}`.toLowerCase();
      if (query && !text.includes(query.toLowerCase())) continue;
      for (const team of user.teams.length ? user.teams : ['(no team)']) {
        groups.set(team, [...(groups.get(team) ?? []), user]);
      }
    }
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [users.value, query]);

  return (
    <Page themeId="home">
      <Header title="Platform Portal" subtitle="Development sign-in" />
      <Content>
        <ContentHeader title="Sign in as a catalog user" />
        {props.error && (
          <Typography color="error" paragraph>
            Sign-in failed: {props.error.message}. Pick another user.
          </Typography>
        )}
        <InfoCard>
          <Typography paragraph>
            Development only: choose who you are. Your teams decide what you may
            do (Platform Services and SRE administer the platform; feature-team
            engineers read). Production uses a real identity provider.
          </Typography>
          <TextField
            label="Filter by name or team"
            value={query}
            onChange={event => setQuery(event.target.value)}
            fullWidth
            margin="normal"
            inputProps={{ 'aria-label': 'Filter users' }}
          />
          {users.loading && <Progress />}
          {users.error && <ResponseErrorPanel error={users.error} />}
          <List dense>
            {byTeam.map(([team, members]) => (
              <li key={team}>
                <ul style={{ padding: 0 }}>
                  <ListSubheader>{team}</ListSubheader>
                  {members.map(user => (
                    <ListItem key={`${team}/${user.name}`}>
                      <ListItemText
                        primary={user.displayName}
                        secondary={user.name}
                      />
                      <Button
                        variant="outlined"
                        color="primary"
                        onClick={() => props.onPick(user.name)}
                        aria-label={`Sign in as ${user.displayName}`}
                      >
                        Sign in
                      </Button>
                    </ListItem>
                  ))}
                </ul>
              </li>
            ))}
          </List>
        </InfoCard>
      </Content>
    </Page>
  );
};

/**
 * Development sign-in: pick any catalog user; their teams (and so their role) apply.
 * The choice is remembered in this browser until sign-out.
 */
export const DevSignInPage = (props: SignInPageProps) => {
  const [picked, setPicked] = useState(devUserStorage.get());
  if (picked) {
    return (
      <ProxiedSignInPage
        provider="dev-user"
        headers={{ [DEV_USER_HEADER]: picked }}
        onSignInSuccess={identity =>
          props.onSignInSuccess(forgetOnSignOut(identity))
        }
        ErrorComponent={({ error }) => (
          <UserPicker
            error={error}
            onPick={name => {
              devUserStorage.set(name);
              setPicked(name);
            }}
          />
        )}
      />
    );
  }
  return (
    <UserPicker
      onPick={name => {
        devUserStorage.set(name);
        setPicked(name);
      }}
    />
  );
};
