import { useCallback, useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { ExportJob, exportsApiRef } from '../../api/ExportsApi';

export const POLL_MS = 2000;

const active = (jobs: ExportJob[]) =>
  jobs.some(j => j.status === 'queued' || j.status === 'running');

/** The caller's exports, polled every 2 s while any of them is queued or running. */
export function useMyExports() {
  const api = useApi(exportsApiRef);
  const [jobs, setJobs] = useState<ExportJob[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<Error | undefined>();

  const refresh = useCallback(async () => {
    try {
      setJobs((await api.list()).items);
      setError(undefined);
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoaded(true);
    }
  }, [api]);

  useEffect(() => {
    refresh();
  }, [refresh]);

  const polling = active(jobs);
  useEffect(() => {
    if (!polling) return undefined;
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [polling, refresh]);

  return { jobs, loaded, error, refresh, polling };
}
