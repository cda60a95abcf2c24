import { Route } from 'react-router-dom';
import { apiDocsPlugin, ApiExplorerPage } from '@backstage/plugin-api-docs';
import {
  CatalogEntityPage,
  CatalogIndexPage,
  catalogPlugin,
} from '@backstage/plugin-catalog';
import { orgPlugin } from '@backstage/plugin-org';
import { SearchPage } from '@backstage/plugin-search';
import { UserSettingsPage } from '@backstage/plugin-user-settings';
import { apis } from './apis';
import { entityPage } from './components/catalog/EntityPage';
import { searchPage } from './components/search/SearchPage';
import { Root } from './components/Root';
import { HomePage } from './components/home/HomePage';
import { PortalSignInPage } from './components/signIn/PortalSignInPage';
import { DataExplorerPage } from '@internal/plugin-filters';
import { PlatformHealthPage } from '@internal/plugin-platform';
import { RunbookPage, SloPage } from '@internal/plugin-slo';
import { CapacityPage } from '@internal/plugin-capacity';
import { PoliciesPage } from '@internal/plugin-authz';
import { AdoptionPage } from '@internal/plugin-adoption';
import { ExportsPage } from '@internal/plugin-exports';

import { AlertDisplay, OAuthRequestDialog } from '@backstage/core-components';
import { createApp } from '@backstage/app-defaults';
import { AppRouter, FlatRoutes } from '@backstage/core-app-api';
import { CatalogGraphPage } from '@backstage/plugin-catalog-graph';

const app = createApp({
  apis,
  bindRoutes({ bind }) {
    bind(orgPlugin.externalRoutes, {
      catalogIndex: catalogPlugin.routes.catalogIndex,
    });
    bind(apiDocsPlugin.externalRoutes, {});
  },
  components: {
    SignInPage: PortalSignInPage,
  },
});

const routes = (
  <FlatRoutes>
    <Route path="/" element={<HomePage />} />
    <Route path="/catalog" element={<CatalogIndexPage />} />
    <Route
      path="/catalog/:namespace/:kind/:name"
      element={<CatalogEntityPage />}
    >
      {entityPage}
    </Route>
    <Route path="/api-docs" element={<ApiExplorerPage />} />
    <Route path="/search" element={<SearchPage />}>
      {searchPage}
    </Route>
    <Route path="/settings" element={<UserSettingsPage />} />
    <Route path="/catalog-graph" element={<CatalogGraphPage />} />
    <Route path="/data-explorer" element={<DataExplorerPage />} />
    <Route path="/platform/health" element={<PlatformHealthPage />} />
    <Route path="/slos" element={<SloPage />} />
    <Route path="/runbooks" element={<RunbookPage />} />
    <Route path="/capacity" element={<CapacityPage />} />
    <Route path="/policies" element={<PoliciesPage />} />
    <Route path="/adoption" element={<AdoptionPage />} />
    <Route path="/exports" element={<ExportsPage />} />
  </FlatRoutes>
);

export default app.createRoot(
  <>
    <AlertDisplay />
    <OAuthRequestDialog />
    <AppRouter>
      <Root>{routes}</Root>
    </AppRouter>
  </>,
);
