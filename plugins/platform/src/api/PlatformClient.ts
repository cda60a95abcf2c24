import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { PLATFORM_PLUGIN_ID } from '@internal/plugin-platform-common';
import { PlatformApi } from './PlatformApi';

/** Talks to /api/platform through fetchApi, which attaches the user's credentials. */
export class PlatformClient implements PlatformApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  private async call<T>(path: string, init?: RequestInit): Promise<T> {
    const base = await this.deps.discoveryApi.getBaseUrl(PLATFORM_PLUGIN_ID);
    const response = await this.deps.fetchApi.fetch(`${base}${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...init?.headers },
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    if (response.status === 202 || response.status === 204)
      return undefined as T;
    return response.json();
  }

  getEventVolume(o: {
    from: Date;
    to: Date;
    bucket: 'minute' | 'hour' | 'day';
  }) {
    const q = new URLSearchParams({
      from: o.from.toISOString(),
      to: o.to.toISOString(),
      bucket: o.bucket,
    });
    return this.call<any>(`/v1/events/volume?${q}`);
  }

  getDeadLetters() {
    return this.call<any>('/v1/dead-letters?limit=100');
  }

  replayDeadLetters(o: { ids?: string[]; dryRun: boolean }) {
    return this.call<any>('/v1/dead-letters/replay', {
      method: 'POST',
      body: JSON.stringify(o),
    });
  }

  getQaResults() {
    return this.call<any>('/v1/qa');
  }

  runQaChecks() {
    return this.call<any>('/v1/qa/run', { method: 'POST', body: '{}' });
  }

  verifyAudit() {
    return this.call<any>('/v1/audit/verify');
  }

  getTelemetrySummary(o: { from: Date; to: Date }) {
    const q = new URLSearchParams({
      from: o.from.toISOString(),
      to: o.to.toISOString(),
    });
    return this.call<any>(`/v1/telemetry/summary?${q}`);
  }

  async reportPageTiming(timing: {
    route: string;
    kind: 'page-load' | 'route-change';
    durationMs: number;
  }) {
    await this.call<void>('/v1/rum', {
      method: 'POST',
      body: JSON.stringify(timing),
      keepalive: true,
    });
  }
}
