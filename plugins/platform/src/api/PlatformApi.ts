import { createApiRef } from '@backstage/core-plugin-api';
import {
  AuditVerifyResult,
  DeadLetter,
  QaCheckResult,
  ReplayReport,
  ServiceTelemetrySummary,
  VolumePoint,
} from '@internal/plugin-platform-common';

/** Every figure the API returns says where it was read and when. */
export interface Measured {
  source: string;
  generatedAt: string;
}

export interface RumSummaryRow {
  route: string;
  kind: string;
  samples: number;
  p50_ms: number;
  p95_ms: number;
}

export interface PlatformApi {
  getEventVolume(options: {
    from: Date;
    to: Date;
    bucket: 'minute' | 'hour' | 'day';
  }): Promise<
    Measured & {
      points: VolumePoint[];
      bucket: string;
      from: string;
      to: string;
    }
  >;
  getDeadLetters(): Promise<
    Measured & {
      counts: { open: number; replayed: number };
      deadLetters: DeadLetter[];
    }
  >;
  replayDeadLetters(options: {
    ids?: string[];
    dryRun: boolean;
  }): Promise<ReplayReport>;
  getQaResults(): Promise<Measured & { results: QaCheckResult[] }>;
  runQaChecks(): Promise<Measured & { results: QaCheckResult[] }>;
  verifyAudit(): Promise<Measured & AuditVerifyResult>;
  getTelemetrySummary(options: { from: Date; to: Date }): Promise<
    Measured & {
      services: ServiceTelemetrySummary[];
      rum: RumSummaryRow[];
      from: string;
      to: string;
    }
  >;
  reportPageTiming(timing: {
    route: string;
    kind: 'page-load' | 'route-change';
    durationMs: number;
  }): Promise<void>;
}

export const platformApiRef = createApiRef<PlatformApi>({
  id: 'plugin.platform.api',
});
