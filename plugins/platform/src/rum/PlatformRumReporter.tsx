import { useEffect, useRef } from 'react';
import { useLocation } from 'react-router-dom';
import { useApi } from '@backstage/core-plugin-api';
import { platformApiRef } from '../api/PlatformApi';

/** Resolves after the browser has painted the next frame (rendering settled). */
function afterNextPaint(): Promise<number> {
  return new Promise(resolve =>
    requestAnimationFrame(() =>
      setTimeout(() => resolve(performance.now()), 0),
    ),
  );
}

/**
 * Reports real-user page timings for every portal page: the first load (navigation start to
 * the first paint after the app rendered this route) and each in-app route change (location
 * change to the next paint). The backend attributes them to the signed-in user and team.
 */
export function usePlatformRum(): void {
  const api = useApi(platformApiRef);
  const location = useLocation();
  const first = useRef(true);

  useEffect(() => {
    const started = first.current ? 0 : performance.now();
    const kind = first.current ? 'page-load' : 'route-change';
    first.current = false;
    let cancelled = false;
    afterNextPaint().then(now => {
      if (cancelled) return;
      api
        .reportPageTiming({
          route: location.pathname,
          kind,
          durationMs: Math.round(now - started),
        })
        .catch(() => {
          // Telemetry must never disturb the page; a lost timing is only a missing sample.
        });
    });
    return () => {
      cancelled = true;
    };
  }, [api, location.pathname]);
}

/** Mount once inside the app's router: `<PlatformRumReporter />`. */
export function PlatformRumReporter(): null {
  usePlatformRum();
  return null;
}
