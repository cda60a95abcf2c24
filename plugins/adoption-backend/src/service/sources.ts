import {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';

export interface ShadowStat {
  team: string;
  endpoint: string;
  bucketStart: string;
  checks: number;
  discrepancies: number;
}

export interface EnforcementSetting {
  team: string;
  endpoint: string;
  mode: 'off' | 'shadow' | 'enforce';
}

export interface CapacitySample {
  value: number;
  at: string;
}

/** The fields of the SLO plugin's `GET /v1/slos/{id}` a roadmap criterion reads. */
export interface SloStatus {
  id: string;
  name: string;
  objective: number;
  window: string;
  thresholdMs?: number;
  sliSource?: string;
  /** null when the window holds no data. */
  sli: number | null;
  good: number;
  total: number;
  dataStatus: { ok: boolean; message: string; lastMinute?: string | null };
}

/** Where the evidence comes from; HTTP implementations below, fakes in tests. */
export interface EvidenceSources {
  shadowStats(hours: number): Promise<ShadowStat[]>;
  enforcement(): Promise<EnforcementSetting[]>;
  capacitySamples(limit: string, days: number): Promise<CapacitySample[]>;
  /** undefined when the SLO plugin has no SLO with this id. */
  slo(id: string): Promise<SloStatus | undefined>;
}

/**
 * Reads other plugins through their HTTP APIs with this plugin's service token, so adoption
 * never reaches into their tables: authz `/v1/shadow/stats` and `/v1/enforcement`, capacity
 * samples, an SLO's current status. Platform usage comes from the telemetry reader, not from here.
 */
export class HttpEvidenceSources implements EvidenceSources {
  constructor(
    private readonly deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      logger: LoggerService;
    },
  ) {}

  private async get<T>(
    pluginId: string,
    path: string,
    options?: { notFound?: T },
  ): Promise<T> {
    const base = await this.deps.discovery.getBaseUrl(pluginId);
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: await this.deps.auth.getOwnServiceCredentials(),
      targetPluginId: pluginId,
    });
    const res = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status === 404 && options && 'notFound' in options) {
      return options.notFound as T;
    }
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }

  async shadowStats(hours: number): Promise<ShadowStat[]> {
    const r = await this.get<{ stats: ShadowStat[] }>(
      'authz',
      `/v1/shadow/stats?hours=${hours}`,
    );
    return r.stats;
  }

  async enforcement(): Promise<EnforcementSetting[]> {
    const r = await this.get<{ settings: EnforcementSetting[] }>(
      'authz',
      '/v1/enforcement',
    );
    return r.settings;
  }

  async capacitySamples(
    limit: string,
    days: number,
  ): Promise<CapacitySample[]> {
    const r = await this.get<{ samples: CapacitySample[] }>(
      'capacity',
      `/v1/limits/${encodeURIComponent(limit)}/samples?days=${days}`,
    );
    return r.samples;
  }

  async slo(id: string): Promise<SloStatus | undefined> {
    return this.get<SloStatus | undefined>(
      'slo',
      `/v1/slos/${encodeURIComponent(id)}`,
      { notFound: undefined },
    );
  }
}
