import { ReactNode } from 'react';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';

/**
 * Loads a tab's data and renders it: a spinner on the first load, the error panel on failure,
 * otherwise `children(value, reload)` (a reload keeps the shown value until the new one is in).
 */
export function Loaded<T>(props: {
  load: () => Promise<T>;
  children: (value: T, reload: () => void) => ReactNode;
}) {
  const { value, loading, error, retry } = useAsyncRetry(props.load, []);
  if (loading && value === undefined) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  return <>{props.children(value as T, retry)}</>;
}
