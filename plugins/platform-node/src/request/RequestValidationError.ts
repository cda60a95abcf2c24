import { InputError } from '@backstage/errors';

/** One problem with a request: where it is (`rules[2].value`, `query.from`) and the rule broken. */
export interface RequestValidationIssue {
  path: string;
  message: string;
}

/**
 * A 400 whose body carries the issues as `error.details.issues` (the error middleware
 * serialises own properties), so callers can point at each field. Keeps the InputError
 * name, which is what maps it to 400.
 */
export class RequestValidationError extends InputError {
  readonly details: { issues: RequestValidationIssue[] };

  constructor(message: string, issues: RequestValidationIssue[]) {
    super(message);
    this.details = { issues };
  }

  /** `Invalid <what>: a: rule; b: rule` with the same issues attached. */
  static fromIssues(
    what: string,
    issues: RequestValidationIssue[],
  ): RequestValidationError {
    const summary = issues.map(i => `${i.path}: ${i.message}`).join('; ');
    return new RequestValidationError(`Invalid ${what}: ${summary}`, issues);
  }
}
