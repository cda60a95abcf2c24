import { Knex } from 'knex';
import { LoggerService } from '@backstage/backend-plugin-api';
import { PlatformSink } from '../types';

/**
 * Moves events from a producer's outbox to the platform sink, at least once: a batch is
 * claimed with FOR UPDATE SKIP LOCKED (replicas share the work), handed to the sink, and
 * deleted in the same transaction. If the delete does not commit after the sink took the
 * batch, the batch is sent again — consumers dedupe on event_id.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private again = false;

  constructor(
    private readonly options: {
      knex: Knex;
      sink: () => Promise<PlatformSink | undefined>;
      logger: LoggerService;
      batchSize?: number;
      intervalMs?: number;
    },
  ) {}

  start() {
    if (this.timer) return;
    this.timer = setInterval(
      () => this.nudge(),
      this.options.intervalMs ?? 1000,
    );
    this.timer.unref?.();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  /** Asks for a relay pass soon; concurrent nudges collapse into one extra pass. */
  nudge() {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch(error => {
        this.options.logger.warn(
          `Event outbox relay failed, will retry: ${error}`,
        );
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /**
   * Delivers everything in the outbox now, waiting for passes in flight; returns how many
   * events were delivered meanwhile. Errors reach the caller.
   */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      while (this.running) total += await this.running;
      const pass = this.drain();
      this.running = pass.catch(() => 0);
      try {
        total += await pass;
      } finally {
        this.running = undefined;
      }
      if (!this.again) return total;
      this.again = false;
    }
  }

  /** Relays until the outbox is empty; returns how many events were delivered. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const delivered = await this.relayBatch();
      total += delivered;
      if (delivered < (this.options.batchSize ?? 500)) return total;
    }
  }

  /** Relays one batch; returns its size (0 when empty or no sink is available yet). */
  async relayBatch(): Promise<number> {
    const sink = await this.options.sink();
    if (!sink) return 0;
    const limit = this.options.batchSize ?? 500;
    const result = await this.options.knex.transaction(async tx => {
      const rows: { id: string; payload: any; violations: any }[] = await tx(
        'platform_event_outbox',
      )
        .select('id', 'payload', 'violations')
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked();
      if (rows.length === 0) return { delivered: 0 };
      const ids = rows.map(r => r.id);
      try {
        await sink.ingestEvents(
          rows.map(r => ({
            payload:
              typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
            violations:
              (typeof r.violations === 'string'
                ? JSON.parse(r.violations)
                : r.violations) ?? [],
          })),
        );
      } catch (error) {
        // Keep the rows and record the attempt; the next pass sends them again.
        await tx('platform_event_outbox')
          .whereIn('id', ids)
          .update({
            attempts: tx.raw('attempts + 1'),
            last_error: String(error).slice(0, 2000),
          });
        return { delivered: 0, error };
      }
      await tx('platform_event_outbox').whereIn('id', ids).delete();
      return { delivered: rows.length };
    });
    if (result.error) throw result.error;
    return result.delivered;
  }
}
