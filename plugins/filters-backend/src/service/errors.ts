import { randomUUID } from 'node:crypto';
import express from 'express';
import { LoggerService } from '@backstage/backend-plugin-api';
import { CustomErrorBase, InputError } from '@backstage/errors';
import { RequestValidationError } from '@internal/plugin-platform-node';
import { spec } from '../schema/openapi';
import { requestIssues } from './requestIssues';

/** 429: the caller used up its request budget; `Retry-After` says when to come back. */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;
  readonly statusCode = 429;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** 500 with a generic message: the detail (which may hold row values) is only logged. */
export class InternalFilterError extends CustomErrorBase {
  name = 'InternalError' as const;
  readonly statusCode = 500;
  readonly details: { referenceId: string };
  constructor(referenceId: string) {
    super(
      `The filter service failed; the detail is logged under reference ${referenceId}`,
    );
    this.details = { referenceId };
  }
}

/** What Backstage's error middleware answers for its well-known error names. */
const STATUS_BY_NAME: Record<string, number> = {
  NotModifiedError: 304,
  InputError: 400,
  AuthenticationError: 401,
  NotAllowedError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  NotImplementedError: 501,
  ServiceUnavailableError: 503,
};

/** The status the Backstage error middleware will answer with (its own rules). */
export function statusOf(error: unknown): number {
  const e = error as { statusCode?: unknown; status?: unknown; name?: unknown };
  for (const s of [e?.statusCode, e?.status]) {
    if (typeof s === 'number' && Number.isInteger(s) && s >= 100 && s < 600)
      return s;
  }
  return (typeof e?.name === 'string' && STATUS_BY_NAME[e.name]) || 500;
}

const SPEC_PATHS = new Set(Object.keys(spec.paths));

/**
 * Errors of the filters API in the shape it promises, before Backstage's error middleware
 * serialises them:
 * - a request the OpenAPI validator refused (an InputError with only text) gets
 *   `details.issues[]` with the path of each problem;
 * - `Retry-After` for errors that carry `retryAfterSeconds` (429, a busy database's 503);
 * - anything without an HTTP status (a driver error whose text may quote row values) becomes
 *   a generic 500 with a reference id; the original is logged under that id.
 */
export function errorAdapter(
  logger: LoggerService,
): express.ErrorRequestHandler {
  return (error, req, res, next) => {
    let out: unknown = error;
    if (
      error instanceof InputError &&
      !('details' in error) &&
      SPEC_PATHS.has(req.path)
    ) {
      const issues = requestIssues(
        { method: req.method.toLowerCase(), path: req.path },
        { body: req.body, query: req.query },
      );
      if (issues.length > 0)
        out = RequestValidationError.fromIssues('request', issues);
    }
    const status = statusOf(out);
    if (status >= 500 && statusOf(error) === 500 && !isKnownServerError(out)) {
      const referenceId = randomUUID();
      logger.error(
        `filters request ${req.method} ${req.path} failed (reference ${referenceId})`,
        error instanceof Error ? error : new Error(String(error)),
      );
      out = new InternalFilterError(referenceId);
    }
    const retryAfter = (out as { retryAfterSeconds?: unknown })
      .retryAfterSeconds;
    if (
      typeof retryAfter === 'number' &&
      Number.isFinite(retryAfter) &&
      !res.headersSent
    ) {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
    }
    next(out);
  };
}

/** 500s that already carry a generic message and a reference (ours, or the engine's). */
function isKnownServerError(error: unknown): boolean {
  const details = (error as { details?: { referenceId?: unknown } }).details;
  return typeof details?.referenceId === 'string';
}
