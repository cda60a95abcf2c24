import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import { adoptionApiRef } from '../../api/AdoptionApi';
import { ScorecardFacts } from '../AdoptionPage/ScorecardsTab';
import { Loaded } from '../Loaded';

/** On a Group: its scorecard; on a Component: its owning team's scorecard. */
export function EntityAdoptionCard() {
  const { entity } = useEntity();
  const api = useApi(adoptionApiRef);
  const team =
    entity.kind === 'Group'
      ? stringifyEntityRef(entity)
      : String(entity.spec?.owner ?? '');
  const load = async () => {
    const all = await api.listScorecards();
    const ref = team.includes(':') ? team : `group:default/${team}`;
    return all.scorecards.find(
      s => s.team === ref.replace(/^group:(?!default\/)/, 'group:default/'),
    );
  };
  return (
    <InfoCard title="Platform adoption">
      <Loaded key={team} load={load}>
        {value =>
          value ? (
            <>
              <Typography variant="body1">
                {entity.kind === 'Component' ? `Owner ${team}: ` : ''}score{' '}
                {value.score}, level {value.level}, rank {value.rank}
              </Typography>
              <ScorecardFacts card={value} />
            </>
          ) : (
            <Typography variant="body2">
              {team || 'This entity'} is not a feature team tracked by the
              adoption matrix.
            </Typography>
          )
        }
      </Loaded>
    </InfoCard>
  );
}
