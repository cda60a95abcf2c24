import { Response } from 'express';
import { CustomErrorBase } from '@backstage/errors';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** 429: the caller sent more than its share; `Retry-After` says when to try again. */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;
  readonly statusCode = 429;
}

export interface PrincipalRateLimitOptions {
  /** What is limited, for the error message, e.g. `RUM reports`. */
  what: string;
  /** Requests allowed per principal per window. */
  points: number;
  durationSeconds: number;
}

/**
 * A per-principal limit (in this process): `consume(principal, res)` resolves while the
 * principal is within `points` per `durationSeconds`, else sets `Retry-After` and throws a 429.
 */
export function createPrincipalRateLimit(options: PrincipalRateLimitOptions) {
  const limiter = new RateLimiterMemory({
    points: options.points,
    duration: options.durationSeconds,
  });
  return async function consume(principal: string, res: Response) {
    try {
      await limiter.consume(principal);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      res.setHeader('Retry-After', String(retryAfter));
      throw new TooManyRequestsError(
        `Too many ${options.what}: at most ${options.points} per ${options.durationSeconds} s per caller; retry after ${retryAfter} s`,
      );
    }
  };
}
