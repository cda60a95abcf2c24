import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import {
  OpenApi,
  OpenApiClient,
  PLATFORM_PLUGIN_ID,
} from '@internal/plugin-platform-common';
import { PlatformApi, PlatformRequestBody, RumReport } from './PlatformApi';

/** Talks to /api/platform through fetchApi, which attaches the user's credentials. */
export class PlatformClient implements PlatformApi {
  private readonly client: OpenApiClient<OpenApi.paths>;
  constructor(deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.client = new OpenApiClient(PLATFORM_PLUGIN_ID, deps);
  }

  getEventVolume(o: {
    from: Date;
    to: Date;
    bucket: 'minute' | 'hour' | 'day';
  }) {
    return this.client.call('get', '/v1/events/volume', {
      query: {
        from: o.from.toISOString(),
        to: o.to.toISOString(),
        bucket: o.bucket,
      },
    });
  }

  getDeadLetters() {
    return this.client.call('get', '/v1/dead-letters', {
      query: { limit: 100 },
    });
  }

  replayDeadLetters(o: PlatformRequestBody<'/v1/dead-letters/replay', 'post'>) {
    return this.client.call('post', '/v1/dead-letters/replay', { body: o });
  }

  getQaResults() {
    return this.client.call('get', '/v1/qa');
  }

  runQaChecks() {
    return this.client.call('post', '/v1/qa/run');
  }

  verifyAudit() {
    return this.client.call('get', '/v1/audit/verify');
  }

  requestAuditVerify() {
    return this.client.call('post', '/v1/audit/verify');
  }

  getTelemetrySummary(o: { from: Date; to: Date }) {
    return this.client.call('get', '/v1/telemetry/summary', {
      query: { from: o.from.toISOString(), to: o.to.toISOString() },
    });
  }

  async reportPageTiming(timing: RumReport) {
    // keepalive: the report may be sent while the page unloads.
    await this.client.fetch('post', '/v1/rum', {
      body: timing,
      init: { keepalive: true },
    });
  }
}
