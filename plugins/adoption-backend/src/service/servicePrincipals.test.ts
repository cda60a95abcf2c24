import { Entity } from '@backstage/catalog-model';
import { mapServicePrincipals } from './servicePrincipals';

const entity = (
  kind: string,
  name: string,
  principals: string,
  owner?: string,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'platform.portal/service-principal': principals },
  },
  spec: owner ? { owner } : {},
});

describe('mapServicePrincipals', () => {
  it('maps a Group to itself and a Component or Resource to its owner, trusted entities only', () => {
    const org = new Set(['platform-services', 'reports-worker', 'token']);
    const map = mapServicePrincipals(
      [
        entity('Group', 'platform-services', 'plugin:adoption, plugin:exports'),
        entity('Component', 'reports-worker', 'plugin:reports', 'reporting'),
        entity('Resource', 'token', 'scripts', 'group:default/explore'),
        entity('Component', 'hijack', 'plugin:adoption', 'group:dashboards'),
        entity('API', 'not-a-caller', 'plugin:api', 'group:explore'),
      ],
      e => org.has(e.metadata.name),
    );
    expect(map.teamOf('service:plugin:exports')).toEqual({
      team: 'group:default/platform-services',
      entity: 'group:default/platform-services',
    });
    expect(map.teamOf('service:plugin:adoption')?.team).toBe(
      'group:default/platform-services',
    );
    expect(map.teamOf('service:plugin:reports')?.team).toBe(
      'group:default/reporting',
    );
    expect(map.teamOf('service:scripts')?.team).toBe('group:default/explore');
    expect(map.teamOf('service:plugin:api')).toBeUndefined();
    expect(
      map.claims.filter(c => c.status !== 'mapped').map(c => c.entity),
    ).toEqual(['component:default/hijack']);
  });
});
