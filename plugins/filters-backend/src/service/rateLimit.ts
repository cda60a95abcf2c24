import express from 'express';
import { HttpAuthService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { actorRef } from '@internal/plugin-platform-node';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from './errors';

export interface RateLimitOptions {
  /** Requests one principal may make per window (0 turns the limit off). */
  requests: number;
  windowSeconds: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  requests: 600,
  windowSeconds: 60,
};

export function readRateLimit(config: Config): RateLimitOptions {
  const c = config.getOptionalConfig('filters.rateLimit');
  return {
    requests: c?.getOptionalNumber('requests') ?? DEFAULT_RATE_LIMIT.requests,
    windowSeconds:
      c?.getOptionalNumber('windowSeconds') ?? DEFAULT_RATE_LIMIT.windowSeconds,
  };
}

/**
 * Per-principal request budget (user entity ref or `service:<subject>`), counted in this
 * process; runs before validation so malformed floods are limited too. Over budget → 429
 * with `Retry-After` (seconds until the window frees a request).
 */
export function rateLimitMiddleware(
  httpAuth: HttpAuthService,
  options: RateLimitOptions,
): express.RequestHandler {
  if (options.requests <= 0) return (_req, _res, next) => next();
  const limiter = new RateLimiterMemory({
    points: options.requests,
    duration: options.windowSeconds,
  });
  return async (req, _res, next) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const principal = actorRef(credentials);
    try {
      await limiter.consume(principal);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new TooManyRequestsError(
        `Too many filter requests from ${principal}: at most ${options.requests} per ${options.windowSeconds} s; retry after ${seconds} s`,
        seconds,
      );
    }
    next();
  };
}
