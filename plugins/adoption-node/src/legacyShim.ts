import { RequestHandler } from 'express';
import { CapabilityId } from '@internal/plugin-adoption-common';
import { LegacyCallReporter } from './LegacyCallReporter';

/**
 * Express adapter shim for a team's legacy endpoint: records the legacy call (team,
 * capability, method and route template) and hands the request to `forward`, which calls
 * the platform service instead of the old implementation.
 */
export function legacyShim(options: {
  reporter: LegacyCallReporter;
  team: string;
  capability: CapabilityId;
  forward: RequestHandler;
}): RequestHandler {
  return (req, res, next) => {
    const route = (req as { route?: { path?: unknown } }).route?.path;
    options.reporter.record({
      team: options.team,
      capability: options.capability,
      legacyPath: `${req.method} ${req.baseUrl ?? ''}${
        typeof route === 'string' ? route : req.path
      }`,
    });
    return options.forward(req, res, next);
  };
}
