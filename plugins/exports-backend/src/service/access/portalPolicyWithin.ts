import { PortalPolicyProvider } from '@internal/plugin-authz-node';

/**
 * `provider`, but `current()` rejects after `waitMs` when no policy is in force by then. The
 * active portal policy waits `authz.portalPolicy.waitMs` (30 s) for a revision, as long as an
 * export job's lease: a run-time check waiting that long would lose the job to another worker
 * before its retry is recorded.
 */
export function portalPolicyWithin(
  provider: PortalPolicyProvider,
  waitMs: number,
): PortalPolicyProvider {
  return {
    current: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no portal policy in force after ${waitMs} ms`)),
          waitMs,
        );
        timer.unref?.();
        provider.current().then(
          policy => {
            clearTimeout(timer);
            resolve(policy);
          },
          error => {
            clearTimeout(timer);
            reject(error);
          },
        );
      }),
  };
}
