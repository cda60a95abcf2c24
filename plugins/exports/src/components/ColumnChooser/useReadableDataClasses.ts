import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { filtersDataClassReadPermission } from '@internal/plugin-filters-common';

/**
 * Which of these data classes the signed-in user may read (`filters.data-class.read`, decided
 * by the permission backend per class). Undefined while the answers are pending.
 */
export function useReadableDataClasses(
  classes: string[],
): Set<string> | undefined {
  const permissionApi = useApi(permissionApiRef);
  const key = [...new Set(classes)].sort().join(',');
  const { value } = useAsync(async () => {
    const distinct = key ? key.split(',') : [];
    const decisions = await Promise.all(
      distinct.map(dataClass =>
        permissionApi.authorize({
          permission: filtersDataClassReadPermission,
          resourceRef: dataClass,
        }),
      ),
    );
    return new Set(
      distinct.filter((_c, i) => decisions[i].result === AuthorizeResult.ALLOW),
    );
  }, [permissionApi, key]);
  return value;
}
