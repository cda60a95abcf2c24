import useAsync from 'react-use/esm/useAsync';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Typography from '@material-ui/core/Typography';
import { sloApiRef } from '../../api/SloApi';
import { SloTable } from '../SloListPage/SloTable';

/** The SLOs covering this catalog component (their `service` is the entity's name). */
export const EntitySloContent = () => {
  const { entity } = useEntity();
  const api = useApi(sloApiRef);
  const { value, loading, error } = useAsync(() => api.listSlos(), [api]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const items = (value?.items ?? []).filter(
    s => s.service === entity.metadata.name,
  );
  if (items.length === 0) {
    return (
      <Typography>
        No SLO covers {entity.metadata.name}. SLOs are defined in slos/*.yaml
        (field `service`).
      </Typography>
    );
  }
  return <SloTable items={items} title={`SLOs of ${entity.metadata.name}`} />;
};
