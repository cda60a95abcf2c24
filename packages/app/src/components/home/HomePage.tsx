import {
  Content,
  Header,
  InfoCard,
  Link,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import {
  Entity,
  RELATION_API_CONSUMED_BY,
  RELATION_PROVIDES_API,
  parseEntityRef,
} from '@backstage/catalog-model';
import { Grid, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';

interface PlatformServiceRow {
  name: string;
  title: string;
  api: string;
  consumers: number;
  teams: number;
}

/** Platform services and who consumes their APIs, counted from catalog relations now. */
function usePlatformServices() {
  const catalogApi = useApi(catalogApiRef);
  return useAsync(async () => {
    const { items: services } = await catalogApi.getEntities({
      filter: { kind: 'component', 'spec.type': 'platform-service' },
    });
    const apiRefs = services.flatMap(s =>
      (s.relations ?? [])
        .filter(r => r.type === RELATION_PROVIDES_API)
        .map(r => r.targetRef),
    );
    const { items: apis } = await catalogApi.getEntitiesByRefs({
      entityRefs: apiRefs,
    });
    const consumerRefs = apis.flatMap(a =>
      (a?.relations ?? [])
        .filter(r => r.type === RELATION_API_CONSUMED_BY)
        .map(r => r.targetRef),
    );
    const { items: consumers } = await catalogApi.getEntitiesByRefs({
      entityRefs: consumerRefs,
    });
    const ownerOf = new Map(
      consumers
        .filter((c): c is Entity => !!c)
        .map(c => [
          `component:${c.metadata.namespace ?? 'default'}/${c.metadata.name}`,
          String(c.spec?.owner ?? ''),
        ]),
    );
    const rows: PlatformServiceRow[] = services.map(service => {
      const apiRef = (service.relations ?? []).find(
        r => r.type === RELATION_PROVIDES_API,
      )?.targetRef;
      const api = apis.find(
        a =>
          a &&
          `api:${a.metadata.namespace ?? 'default'}/${a.metadata.name}` ===
            apiRef,
      );
      const consumedBy = (api?.relations ?? [])
        .filter(r => r.type === RELATION_API_CONSUMED_BY)
        .map(r => r.targetRef);
      return {
        name: service.metadata.name,
        title: service.metadata.title ?? service.metadata.name,
        api: apiRef ? parseEntityRef(apiRef).name : '—',
        consumers: consumedBy.length,
        teams: new Set(consumedBy.map(ref => ownerOf.get(ref))).size,
      };
    });
    return { rows, at: new Date() };
  }, [catalogApi]);
}

const columns: TableColumn<PlatformServiceRow>[] = [
  {
    title: 'Service',
    field: 'title',
    render: row => (
      <Link to={`/catalog/default/component/${row.name}`}>{row.title}</Link>
    ),
  },
  {
    title: 'API',
    field: 'api',
    render: row => (
      <Link to={`/catalog/default/api/${row.api}`}>{row.api}</Link>
    ),
  },
  { title: 'Consuming services', field: 'consumers', type: 'numeric' },
  { title: 'Consuming teams', field: 'teams', type: 'numeric' },
];

export const HomePage = () => {
  const services = usePlatformServices();
  return (
    <Page themeId="home">
      <Header
        title="Platform Portal"
        subtitle="Shared platform services, their adoption and their health"
      />
      <Content>
        <Grid container spacing={3}>
          <Grid item xs={12} md={5}>
            <InfoCard title="What this portal is for">
              <Typography paragraph>
                Feature teams used to build export, filtering and permission
                checks each on their own. The platform team now runs them as
                shared services. This portal is where you find them, see who
                uses them, self-serve exports and test policies, and watch their
                reliability and the shared Postgres' capacity.
              </Typography>
              <Typography>
                Start with the <Link to="/catalog">catalog</Link> (teams,
                services, the shared Postgres) or the{' '}
                <Link to="/api-docs">APIs</Link> of the platform services. Pages
                under <em>Platform</em> in the sidebar appear as their plugins
                land.
              </Typography>
            </InfoCard>
          </Grid>
          <Grid item xs={12} md={7}>
            {services.loading && <Progress />}
            {services.error && <ResponseErrorPanel error={services.error} />}
            {services.value && (
              <Table
                title="Platform services"
                subtitle={`Consumers counted from catalog relations (consumesApis) at ${services.value.at.toLocaleTimeString()}`}
                options={{ paging: false, search: false }}
                columns={columns}
                data={services.value.rows}
              />
            )}
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
};
