import { ErrorRequestHandler } from 'express';
import { InputError } from '@backstage/errors';
import {
  RequestValidationError,
  RequestValidationIssue,
} from './RequestValidationError';

const VALIDATOR_ISSUE = /request(\/[^\s,]*)? (.+?)(?=, request[/ ]|$)/g;

/**
 * Reads the issues out of the InputError that `@backstage/backend-openapi-utils` makes of an
 * express-openapi-validator failure (`request/query/limit must be <= 5000, request/body ...`),
 * as `query.limit` / `must be <= 5000`; undefined for any other error.
 */
export function openApiValidationIssues(
  error: unknown,
): RequestValidationIssue[] | undefined {
  if (!InputError.is(error)) return undefined;
  if ((error as { details?: unknown }).details) return undefined;
  const message = error.message;
  if (message.startsWith('Unknown query parameter')) {
    return [{ path: 'query', message }];
  }
  if (!message.startsWith('request')) return undefined;
  const issues: RequestValidationIssue[] = [];
  for (const match of message.matchAll(VALIDATOR_ISSUE)) {
    const path = (match[1] ?? '/body').split('/').filter(Boolean).join('.');
    issues.push({ path, message: match[2] });
  }
  return issues.length ? issues : undefined;
}

/**
 * Mount after the routes of a validated OpenAPI router: spec violations become
 * RequestValidationError, `Invalid request: query.limit: must be <= 5000`, with
 * `error.details.issues` listing each field and rule, like the errors thrown by handlers.
 */
export function openApiValidationErrors(): ErrorRequestHandler {
  return (error, _req, _res, next) => {
    const issues = openApiValidationIssues(error);
    next(issues ? RequestValidationError.fromIssues('request', issues) : error);
  };
}
