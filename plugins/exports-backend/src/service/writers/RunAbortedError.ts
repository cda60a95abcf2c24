import { ExportErrorType } from '@internal/plugin-exports-common';

/** Ends a run with a known error type (`lease_lost`: cancelled or re-claimed, not a failure). */
export class RunAbortedError extends Error {
  constructor(readonly type: ExportErrorType | 'lease_lost', message: string) {
    super(message);
    this.name = 'RunAbortedError';
  }
}
