import {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { CapabilityId } from '@internal/plugin-adoption-common';

export interface LegacyCall {
  /** The team owning the legacy endpoint (group ref or name). */
  team: string;
  capability: CapabilityId;
  /** The legacy path that was called, e.g. `GET /reports/:id/export.csv`. */
  legacyPath: string;
}

/**
 * Counts legacy calls in memory and sends them to the adoption backend in batches
 * (`POST /api/adoption/v1/legacy-calls`) so the shim adds no request to the hot path.
 * Failed sends stay queued and are retried with the next flush.
 */
export class LegacyCallReporter {
  private pending = new Map<
    string,
    { call: LegacyCall; count: number; at: Date }
  >();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      logger?: LoggerService;
      now?: () => Date;
    },
  ) {}

  record(call: LegacyCall): void {
    const key = `${call.team}\u0000${call.capability}\u0000${call.legacyPath}`;
    const at = this.deps.now?.() ?? new Date();
    const p = this.pending.get(key);
    if (p) {
      p.count += 1;
      p.at = at;
    } else this.pending.set(key, { call, count: 1, at });
  }

  /** Sends what is pending; returns how many distinct (team, capability, path) rows went. */
  async flush(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      const base = await this.deps.discovery.getBaseUrl('adoption');
      const { token } = await this.deps.auth.getPluginRequestToken({
        onBehalfOf: await this.deps.auth.getOwnServiceCredentials(),
        targetPluginId: 'adoption',
      });
      const res = await fetch(`${base}/v1/legacy-calls`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          calls: batch.map(b => ({
            ...b.call,
            at: b.at.toISOString(),
            count: b.count,
          })),
        }),
      });
      if (!res.ok) throw await ResponseError.fromResponse(res);
      return batch.length;
    } catch (error) {
      // Put them back (merged with anything recorded meanwhile) for the next flush.
      for (const b of batch) {
        const key = `${b.call.team}\u0000${b.call.capability}\u0000${b.call.legacyPath}`;
        const p = this.pending.get(key);
        if (p) p.count += b.count;
        else this.pending.set(key, b);
      }
      this.deps.logger?.warn(
        `adoption shim: report failed, will retry: ${error}`,
      );
      throw error;
    }
  }

  start(intervalMs = 30_000): void {
    this.stop();
    this.timer = setInterval(() => {
      this.flush().catch(() => undefined);
    }, intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
