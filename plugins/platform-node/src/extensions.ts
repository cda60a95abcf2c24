import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { DataClass, QaStatus } from '@internal/plugin-platform-common';

/** Data a plugin outside the platform backend owns and the retention job must purge. */
export interface RetentionTarget {
  dataClass: DataClass;
  /** Shown in the retention report, e.g. `exports.files`. */
  name: string;
  /** Deletes everything of this class older than `cutoff`; returns how many items went. */
  purge(cutoff: Date): Promise<number>;
}

/** Adds retention targets to the platform's scheduled purge (from a `platform` module). */
export interface PlatformRetentionExtensionPoint {
  addRetentionTarget(...targets: RetentionTarget[]): void;
}

export const platformRetentionExtensionPoint =
  createExtensionPoint<PlatformRetentionExtensionPoint>({
    id: 'platform.retention',
  });

/** One result row of an added data-QA check (run id, window and time are filled in). */
export interface PlatformQaCheckResult {
  event_type: string;
  field?: string;
  value: number | null;
  /** The rule in words, e.g. `> 5%`. */
  threshold: string;
  status: QaStatus;
  detail: string;
}

/** A data-QA check run with the built-in ones (hourly and on demand). */
export interface PlatformQaCheck {
  /** Stored as the result's `check`, e.g. `exports.empty_files`. */
  id: string;
  run(window: { start: Date; end: Date }): Promise<PlatformQaCheckResult[]>;
}

/** Adds data-QA checks to the platform's runs (from a `platform` module). */
export interface PlatformQaExtensionPoint {
  addQaCheck(...checks: PlatformQaCheck[]): void;
}

export const platformQaExtensionPoint =
  createExtensionPoint<PlatformQaExtensionPoint>({
    id: 'platform.qa',
  });
