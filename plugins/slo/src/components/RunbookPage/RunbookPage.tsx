import { Route, Routes, useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import {
  Content,
  Header,
  InfoCard,
  Link,
  MarkdownContent,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Typography from '@material-ui/core/Typography';
import { sloApiRef } from '../../api/SloApi';

const RunbookView = () => {
  const { name = '' } = useParams();
  const api = useApi(sloApiRef);
  const { value, loading, error } = useAsync(
    () => api.getRunbook(name),
    [api, name],
  );
  return (
    <Page themeId="documentation">
      <Header
        title={value?.title ?? name}
        subtitle={`docs/runbooks/${name}.md`}
      />
      <Content>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && (
          <InfoCard>
            <MarkdownContent content={value.markdown} dialect="gfm" />
          </InfoCard>
        )}
      </Content>
    </Page>
  );
};

const RunbookIndex = () => {
  const api = useApi(sloApiRef);
  const { value, loading, error } = useAsync(
    async () => (await api.listRunbooks()).items,
    [api],
  );
  return (
    <Page themeId="documentation">
      <Header title="Runbooks" subtitle="docs/runbooks" />
      <Content>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value?.map(r => (
          <Typography key={r.name}>
            <Link to={r.name}>{r.title}</Link>
          </Typography>
        ))}
      </Content>
    </Page>
  );
};

export const RunbookPage = () => (
  <Routes>
    <Route path="/" element={<RunbookIndex />} />
    <Route path="/:name" element={<RunbookView />} />
  </Routes>
);
