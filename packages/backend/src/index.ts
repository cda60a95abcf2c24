import { createBackend } from '@backstage/backend-defaults';
import { platformAuditorServiceFactory } from '@internal/plugin-platform-backend';
import { platformModuleAuthzRetention } from '@internal/plugin-authz-backend';
import { productDemoDataPlugin } from './plugins/productDemoData';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// Sign-in: the dev-user provider loads only under NODE_ENV=development, and then registers only
// with auth.providers.dev-user.enabled (app-config.development.yaml); production uses OIDC or
// GitHub (app-config.production.yaml).
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-auth-backend-module-github-provider'));
backend.add(import('@backstage/plugin-auth-backend-module-oidc-provider'));
if (process.env.NODE_ENV === 'development') {
  backend.add(import('@internal/plugin-auth-backend-module-dev-user-provider'));
}

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// Group and User entities only from the organisation's locations (catalog.orgLocations).
backend.add(import('@internal/plugin-catalog-backend-module-org-trust'));

backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('@internal/plugin-permission-backend-module-portal-policy'));

backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));

backend.add(import('@backstage/plugin-user-settings-backend'));

// Platform Portal: the platform plugins' auditor events land in the tamper-evident audit store.
backend.add(platformAuditorServiceFactory);
backend.add(import('@internal/plugin-platform-backend'));
backend.add(productDemoDataPlugin);
backend.add(import('@internal/plugin-filters-backend'));
backend.add(import('@internal/plugin-slo-backend'));
backend.add(import('@internal/plugin-capacity-backend'));
backend.add(import('@internal/plugin-adoption-backend'));
backend.add(import('@internal/plugin-authz-backend'));
// The decision log and authz measurements in the platform's retention purge.
backend.add(platformModuleAuthzRetention);
backend.add(import('@internal/plugin-exports-backend'));

backend.start();
