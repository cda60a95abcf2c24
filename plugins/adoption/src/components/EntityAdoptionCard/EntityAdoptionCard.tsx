import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { adoptionApiRef } from '../../api/AdoptionApi';
import { ScorecardFacts } from '../AdoptionPage/ScorecardsTab';

/** On a Group: its scorecard; on a Component: its owning team's scorecard. */
export function EntityAdoptionCard() {
  const { entity } = useEntity();
  const api = useApi(adoptionApiRef);
  const team =
    entity.kind === 'Group'
      ? stringifyEntityRef(entity)
      : String(entity.spec?.owner ?? '');
  const { value, loading, error } = useAsync(async () => {
    const all = await api.listScorecards();
    const ref = team.includes(':') ? team : `group:default/${team}`;
    return all.scorecards.find(
      s => s.team === ref.replace(/^group:(?!default\/)/, 'group:default/'),
    );
  }, [team]);
  return (
    <InfoCard title="Platform adoption">
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {!loading && !error && !value && (
        <Typography variant="body2">
          {team || 'This entity'} is not a feature team tracked by the adoption
          matrix.
        </Typography>
      )}
      {value && (
        <>
          <Typography variant="body1">
            {entity.kind === 'Component' ? `Owner ${team}: ` : ''}score{' '}
            {value.score}, level {value.level}, rank {value.rank}
          </Typography>
          <ScorecardFacts card={value} />
        </>
      )}
    </InfoCard>
  );
}
