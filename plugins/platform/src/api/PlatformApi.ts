import { createApiRef } from '@backstage/core-plugin-api';
import type {
  OpenApi,
  OpenApiRequestBody,
  OperationResponse,
} from '@internal/plugin-platform-common';

type Paths = OpenApi.paths;

/** The JSON body of the success response of an operation of the platform spec. */
export type PlatformResponse<
  P extends keyof Paths,
  M extends keyof Paths[P],
> = OperationResponse<Paths, P, M>;

/** The JSON request body of an operation of the platform spec. */
export type PlatformRequestBody<
  P extends keyof Paths,
  M extends keyof Paths[P],
> = OpenApiRequestBody<Paths[P][M]>;

/** Every figure the API returns says where it was read and when. */
export type Measured = OpenApi.components['schemas']['Measured'];
export type RumSummaryRow = OpenApi.components['schemas']['RumRouteSummary'];
export type RumReport = OpenApi.components['schemas']['RumReport'];

export type EventVolumeResponse = PlatformResponse<'/v1/events/volume', 'get'>;
export type DeadLettersResponse = PlatformResponse<'/v1/dead-letters', 'get'>;
export type ReplayResponse = PlatformResponse<
  '/v1/dead-letters/replay',
  'post'
>;
export type QaResultsResponse = PlatformResponse<'/v1/qa', 'get'>;
export type AuditVerifyResponse = PlatformResponse<'/v1/audit/verify', 'get'>;
export type AuditVerifyRun = OpenApi.components['schemas']['AuditVerifyRun'];
export type AuditVerifyRequested = PlatformResponse<'/v1/audit/verify', 'post'>;
export type TelemetrySummaryResponse = PlatformResponse<
  '/v1/telemetry/summary',
  'get'
>;

/** The platform backend as the frontend sees it; every type comes from its OpenAPI spec. */
export interface PlatformApi {
  getEventVolume(options: {
    from: Date;
    to: Date;
    bucket: 'minute' | 'hour' | 'day';
  }): Promise<EventVolumeResponse>;
  getDeadLetters(): Promise<DeadLettersResponse>;
  replayDeadLetters(
    options: PlatformRequestBody<'/v1/dead-letters/replay', 'post'>,
  ): Promise<ReplayResponse>;
  getQaResults(): Promise<QaResultsResponse>;
  runQaChecks(): Promise<QaResultsResponse>;
  /** The last finished verify run of the audit chain and the runs pending. */
  verifyAudit(): Promise<AuditVerifyResponse>;
  /** Starts a full verify run in the background; poll verifyAudit for its result. */
  requestAuditVerify(): Promise<AuditVerifyRequested>;
  getTelemetrySummary(options: {
    from: Date;
    to: Date;
  }): Promise<TelemetrySummaryResponse>;
  reportPageTiming(timing: RumReport): Promise<void>;
}

export const platformApiRef = createApiRef<PlatformApi>({
  id: 'plugin.platform.api',
});
