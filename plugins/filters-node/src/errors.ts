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
