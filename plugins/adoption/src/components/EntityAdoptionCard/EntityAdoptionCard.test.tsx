import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { AdoptionApi, adoptionApiRef } from '../../api/AdoptionApi';
import { EntityAdoptionCard } from './EntityAdoptionCard';

jest.setTimeout(30_000);

const api: Partial<AdoptionApi> = {
  listScorecards: async () => ({
    scorecards: [
      {
        team: 'group:default/dashboards',
        score: 11.7,
        level: 'none',
        rank: 2,
        checks: [],
        trend: [],
      },
    ],
    weights: { permissions: 0.4, filtering: 0.35, export: 0.25 },
    computedAt: '2026-12-01T12:00:00Z',
  }),
};

const component = (owner: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'dashboard-api', namespace: 'default' },
  spec: { owner },
});

async function render(entity: Entity) {
  await renderInTestApp(
    <TestApiProvider apis={[[adoptionApiRef, api]]}>
      <EntityProvider entity={entity}>
        <EntityAdoptionCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('EntityAdoptionCard', () => {
  it("shows the owning team's score on a Component", async () => {
    await render(component('group:dashboards'));
    expect(
      await screen.findByText(/Owner group:dashboards: score 11.7/),
    ).toBeInTheDocument();
  });

  it('says so when the owner is not a tracked feature team', async () => {
    await render(component('group:platform-services'));
    expect(
      await screen.findByText(/is not a feature team tracked/),
    ).toBeInTheDocument();
  });
});
