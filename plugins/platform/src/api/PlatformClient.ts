import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { PLATFORM_PLUGIN_ID } from '@internal/plugin-platform-common';
import {
  AuditVerifyRequested,
  AuditVerifyResponse,
  DeadLettersResponse,
  EventVolumeResponse,
  PlatformApi,
  PlatformQuery,
  PlatformRequestBody,
  QaResultsResponse,
  ReplayResponse,
  RumReport,
  TelemetrySummaryResponse,
} from './PlatformApi';

/** Talks to /api/platform through fetchApi, which attaches the user's credentials. */
export class PlatformClient implements PlatformApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  private async fetch(path: string, init?: RequestInit): Promise<Response> {
    const base = await this.deps.discoveryApi.getBaseUrl(PLATFORM_PLUGIN_ID);
    const response = await this.deps.fetchApi.fetch(`${base}${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...init?.headers },
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return response;
  }

  /** GET with query parameters typed by the spec; the body typed by the caller's operation. */
  private async get<T>(
    path: string,
    query: Record<string, string | undefined> = {},
  ): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, value);
    }
    const qs = params.toString();
    const response = await this.fetch(qs ? `${path}?${qs}` : path);
    return (await response.json()) as T;
  }

  private async post<T>(path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(path, {
      method: 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as T;
  }

  getEventVolume(o: {
    from: Date;
    to: Date;
    bucket: 'minute' | 'hour' | 'day';
  }) {
    const query: PlatformQuery<'/v1/events/volume', 'get'> = {
      from: o.from.toISOString(),
      to: o.to.toISOString(),
      bucket: o.bucket,
    };
    return this.get<EventVolumeResponse>('/v1/events/volume', query);
  }

  getDeadLetters() {
    const query: PlatformQuery<'/v1/dead-letters', 'get'> = { limit: 100 };
    return this.get<DeadLettersResponse>('/v1/dead-letters', {
      limit: String(query.limit),
    });
  }

  replayDeadLetters(o: PlatformRequestBody<'/v1/dead-letters/replay', 'post'>) {
    return this.post<ReplayResponse>('/v1/dead-letters/replay', o);
  }

  getQaResults() {
    return this.get<QaResultsResponse>('/v1/qa');
  }

  runQaChecks() {
    return this.post<QaResultsResponse>('/v1/qa/run');
  }

  verifyAudit() {
    return this.get<AuditVerifyResponse>('/v1/audit/verify');
  }

  requestAuditVerify() {
    return this.post<AuditVerifyRequested>('/v1/audit/verify');
  }

  getTelemetrySummary(o: { from: Date; to: Date }) {
    const query: PlatformQuery<'/v1/telemetry/summary', 'get'> = {
      from: o.from.toISOString(),
      to: o.to.toISOString(),
    };
    return this.get<TelemetrySummaryResponse>('/v1/telemetry/summary', query);
  }

  async reportPageTiming(timing: RumReport) {
    await this.fetch('/v1/rum', {
      method: 'POST',
      body: JSON.stringify(timing),
      keepalive: true,
    });
  }
}
