import express from 'express';
import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { actorRef } from '@internal/plugin-platform-node';

/**
 * Audits refused (4xx before the query is authorized to run) requests at most once per
 * principal per interval, so a caller sending malformed bodies cannot grow the audit store
 * by one row per call. Nothing is silently dropped: each record counts the refusals
 * suppressed since the principal's previous record.
 */
export class InvalidRequestAudit {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly auditor: AuditorService,
    private readonly httpAuth: HttpAuthService,
    private readonly options: { intervalMs: number; maxPrincipals: number } = {
      intervalMs: 60_000,
      maxPrincipals: 10_000,
    },
    private readonly now: () => number = Date.now,
  ) {}

  async record(
    req: express.Request,
    operation: string,
    status: number,
    error: Error,
  ): Promise<void> {
    let principal: string;
    try {
      principal = actorRef(
        await this.httpAuth.credentials(req, { allow: ['user', 'service'] }),
      );
    } catch {
      return; // unauthenticated requests never reach the routes
    }
    const now = this.now();
    const entry = this.last.get(principal);
    if (entry && now - entry.at < this.options.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suppressedSinceLast = entry?.suppressed ?? 0;
    this.last.delete(principal);
    this.last.set(principal, { at: now, suppressed: 0 });
    if (this.last.size > this.options.maxPrincipals) {
      // Oldest first (Map keeps insertion order; re-set on every record).
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    const event = await this.auditor.createEvent({
      eventId: `filters-${operation}`,
      severityLevel: 'low',
      request: req,
      meta: {
        refused: true,
        status,
        suppressedSinceLast,
        intervalMs: this.options.intervalMs,
      },
    });
    await event.fail({ error });
  }
}
