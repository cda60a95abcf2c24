import { CustomErrorBase } from '@backstage/errors';
import {
  FilterRejectionDetails,
  FilterValidationIssue,
} from '@internal/plugin-filters-common';

/** 422: the cost gate refused the query, or it ran past statement_timeout. */
export class FilterRejectedError extends CustomErrorBase {
  name = 'FilterRejectedError' as const;
  readonly statusCode = 422;
  readonly details: FilterRejectionDetails;
  constructor(message: string, details: FilterRejectionDetails) {
    super(message);
    this.details = details;
  }
}

/** Issues carried by the InputError thrown for an invalid filter. */
export type { FilterValidationIssue };

/**
 * 503: no database connection became free in time (the pool is saturated). The database is
 * not down; callers should come back after `retryAfterSeconds` (`Retry-After`).
 */
export class FilterEngineBusyError extends CustomErrorBase {
  name = 'FilterEngineBusyError' as const;
  readonly statusCode = 503;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/**
 * 500 with a generic message: the database refused or failed the query. Its text may quote
 * row values, so it is only logged, under `details.referenceId`.
 */
export class FilterQueryFailedError extends CustomErrorBase {
  name = 'FilterQueryFailedError' as const;
  readonly statusCode = 500;
  readonly details: { referenceId: string; sqlState?: string };
  constructor(referenceId: string, sqlState?: string) {
    super(
      `The query failed in the database; the detail is logged under reference ${referenceId}`,
    );
    this.details = { referenceId, ...(sqlState ? { sqlState } : {}) };
  }
}
