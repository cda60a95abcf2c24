import { Knex } from 'knex';
import { LoggerService } from '@backstage/backend-plugin-api';
import { StoredEvent } from '@internal/plugin-platform-common';
import { EventSource } from '../types';

/** How long a consumer remembers an event_id to skip redeliveries (spec: 24 h). */
export const DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface EventConsumerOptions {
  /** Unique per consumer; its cursor and dedupe window are kept under this name. */
  consumer: string;
  /** Event names to receive (`noun.verb`, `noun.verb.v2`); all when omitted. */
  types?: string[];
  handler: (event: StoredEvent) => Promise<void>;
  batchSize?: number;
}

/**
 * Delivers the platform event log to one consumer, at least once and in log order. The
 * cursor only advances past events whose handler finished; each event_id is recorded in the
 * consumer's 24 h dedupe window in the same transaction that advances the cursor, so an event
 * the log holds twice (a producer retry) or that is read again after a crash reaches the
 * handler once. A handler that throws stops the batch; the event is retried on the next pass.
 */
export class EventConsumer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private lastPurge = 0;

  constructor(
    private readonly options: EventConsumerOptions & {
      knex: Knex;
      source: () => Promise<EventSource | undefined>;
      logger: LoggerService;
      intervalMs?: number;
      now?: () => Date;
    },
  ) {}

  start() {
    if (this.timer) return;
    this.timer = setInterval(
      () => this.tick(),
      this.options.intervalMs ?? 1000,
    );
    this.timer.unref?.();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  private tick() {
    if (this.running) return;
    this.running = this.poll()
      .catch(error =>
        this.options.logger.warn(
          `Event consumer ${this.options.consumer} failed: ${error}`,
        ),
      )
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Handles everything available now; returns counts of handled and skipped duplicates. */
  async poll(): Promise<{ handled: number; duplicates: number }> {
    const source = await this.options.source();
    if (!source) return { handled: 0, duplicates: 0 };
    await this.purgeSeen();
    const { knex, consumer } = this.options;
    let handled = 0;
    let duplicates = 0;
    for (;;) {
      const row = await knex('platform_event_consumer_cursors')
        .where({ consumer })
        .first();
      const { events } = await source.read({
        after: row?.cursor ?? undefined,
        limit: this.options.batchSize ?? 200,
        types: this.options.types,
      });
      if (events.length === 0) return { handled, duplicates };
      for (const event of events) {
        const outcome = await knex.transaction(async tx => {
          const inserted = await tx('platform_event_consumer_seen')
            .insert({ consumer, event_id: event.event_id, seen_at: this.now() })
            .onConflict(['consumer', 'event_id'])
            .ignore()
            .returning('event_id');
          if (inserted.length > 0) await this.options.handler(event);
          await tx('platform_event_consumer_cursors')
            .insert({ consumer, cursor: event.cursor, updated_at: this.now() })
            .onConflict('consumer')
            .merge();
          return inserted.length > 0 ? 'handled' : 'duplicate';
        });
        if (outcome === 'handled') handled++;
        else duplicates++;
      }
    }
  }

  private now() {
    return this.options.now?.() ?? new Date();
  }

  private async purgeSeen() {
    const now = this.now().getTime();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    await this.options
      .knex('platform_event_consumer_seen')
      .where({ consumer: this.options.consumer })
      .andWhere('seen_at', '<', new Date(now - DEDUPE_WINDOW_MS))
      .delete();
  }
}
