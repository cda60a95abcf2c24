import { discoveryApiRef, useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';

export interface CatalogUser {
  name: string;
  displayName: string;
  teams: string[];
}

/**
 * Lists catalog users before anyone is signed in. It borrows a guest session, which the
 * development config enables, only to read the user list.
 */
export function useCatalogUsers() {
  const discoveryApi = useApi(discoveryApiRef);
  return useAsync(async (): Promise<CatalogUser[]> => {
    const authBase = await discoveryApi.getBaseUrl('auth');
    const session = await fetch(`${authBase}/guest/refresh`, {
      credentials: 'include',
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    if (!session.ok)
      throw new Error(
        `Guest session for the user list failed: HTTP ${session.status}`,
      );
    const token = (await session.json()).backstageIdentity?.token;
    const catalogBase = await discoveryApi.getBaseUrl('catalog');
    const response = await fetch(
      `${catalogBase}/entities/by-query?filter=kind=user&limit=500&orderField=metadata.name,asc` +
        '&fields=metadata.name,metadata.title,spec.profile.displayName,spec.memberOf',
      { headers: { Authorization: `Bearer ${token}` } },
    );
    if (!response.ok)
      throw new Error(`Reading catalog users failed: HTTP ${response.status}`);
    const { items } = await response.json();
    return items.map((entity: any) => ({
      name: entity.metadata.name,
      displayName:
        entity.spec?.profile?.displayName ??
        entity.metadata.title ??
        entity.metadata.name,
      teams: (entity.spec?.memberOf ?? []).map((ref: string) =>
        ref.replace(/^group:(default\/)?/, ''),
      ),
    }));
  }, [discoveryApi]);
}
