import { IconComponent } from '@backstage/core-plugin-api';

/**
 * The sidebar's "Platform" section. An entry is added here when its plugin's page lands in
 * App.tsx; no entry points to a page that does not exist.
 */
export const platformNavItems: { to: string; text: string; icon: IconComponent }[] = [];
