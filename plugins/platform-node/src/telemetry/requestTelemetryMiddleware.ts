import { Request, RequestHandler, Response } from 'express';
import { TelemetryAggregator } from './TelemetryAggregator';

/** Who called: a user (with their team) or a service. */
export interface TelemetryCaller {
  userRef?: string;
  team?: string;
}

/**
 * The route template of a handled request (e.g. `/v1/exports/:id`), read when the response
 * ends; requests no route matched are grouped as `(unmatched)` so paths with ids never become
 * series of their own.
 */
export function routeTemplate(req: Request, mountBase = ''): string {
  const route = (req as any).route?.path;
  if (typeof route !== 'string') return '(unmatched)';
  // An error handler outside the router ends the response after express has unwound
  // req.baseUrl; the base seen when this middleware ran still holds.
  const base = (req.baseUrl ?? '').startsWith(mountBase)
    ? req.baseUrl ?? ''
    : mountBase;
  return `${base}${route}` || '/';
}

/**
 * Express middleware every platform backend mounts first in its router: counts, 5xx errors and
 * latency per route template and status class, attributed to the caller when known.
 */
export function requestTelemetryMiddleware(options: {
  service: string;
  aggregator: TelemetryAggregator;
  /** Resolves the caller after the response; failures count the request as 'unknown'. */
  identify?: (req: Request) => Promise<TelemetryCaller | undefined>;
  now?: () => Date;
}): RequestHandler {
  return (req: Request, res: Response, next) => {
    const started = process.hrtime.bigint();
    const at = options.now?.() ?? new Date();
    let route = '(unmatched)';
    const mountBase = req.baseUrl ?? '';
    const end = res.end;
    res.end = function patchedEnd(this: Response, ...args: any[]) {
      route = routeTemplate(req, mountBase);
      return (end as any).apply(this, args);
    } as any;
    res.once('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const base = {
        service: options.service,
        method: req.method,
        route,
        status: res.statusCode,
        durationMs,
        at,
      };
      const identify = options.identify?.(req) ?? Promise.resolve(undefined);
      identify
        .catch(() => undefined)
        .then(caller =>
          options.aggregator.record({
            ...base,
            team: caller?.team,
            userRef: caller?.userRef,
          }),
        );
    });
    next();
  };
}
