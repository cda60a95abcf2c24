import { Knex } from 'knex';
import { LoggerService } from '@backstage/backend-plugin-api';
import { SchemaViolation } from '@internal/plugin-platform-common';
import { EventDelivery, PlatformSink } from '../types';
import { stripNul } from './stripNul';

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
      /** Refusals after which a row is dead-lettered instead of retried (default 5). */
      maxAttempts?: number;
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

  /**
   * Relays one batch; returns how many rows left the outbox (0 when empty or no sink is
   * available yet). If the sink refuses a batch again, the rows go one by one, so one row the
   * platform database rejects cannot block the others; a row refused `maxAttempts` times is
   * handed over as a dead letter (with the error as its violation) instead.
   */
  async relayBatch(): Promise<number> {
    const sink = await this.options.sink();
    if (!sink) return 0;
    const limit = this.options.batchSize ?? 500;
    const maxAttempts = this.options.maxAttempts ?? 5;
    const result = await this.options.knex.transaction(async tx => {
      const rows: DbOutboxRow[] = await tx('platform_event_outbox')
        .select('id', 'payload', 'violations', 'attempts')
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked();
      if (rows.length === 0) return { delivered: 0 };
      const deliveries = rows.map(toDelivery);
      try {
        await sink.ingestEvents(deliveries);
        await tx('platform_event_outbox')
          .whereIn(
            'id',
            rows.map(r => r.id),
          )
          .delete();
        return { delivered: rows.length };
      } catch (batchError) {
        if (rows.every(r => r.attempts === 0)) {
          // First refusal: likely the sink being down; keep the batch and retry it whole.
          for (const row of rows) await recordAttempt(tx, row.id, batchError);
          return { delivered: 0, error: batchError };
        }
        let delivered = 0;
        let lastError: unknown = batchError;
        let sinkDownStreak = 0;
        for (const [i, row] of rows.entries()) {
          if (sinkDownStreak >= 3) {
            await recordAttempt(tx, row.id, lastError);
            continue;
          }
          try {
            await sink.ingestEvents([deliveries[i]]);
            await tx('platform_event_outbox').where({ id: row.id }).delete();
            delivered++;
            sinkDownStreak = 0;
            continue;
          } catch (error) {
            lastError = error;
          }
          if (row.attempts + 1 >= maxAttempts) {
            try {
              await sink.ingestEvents([
                asDeadLetter(deliveries[i], row.attempts + 1, lastError),
              ]);
              await tx('platform_event_outbox').where({ id: row.id }).delete();
              this.options.logger.warn(
                `Outbox row ${row.id} refused ${
                  row.attempts + 1
                } times, dead-lettered: ${lastError}`,
              );
              delivered++;
              sinkDownStreak = 0;
              continue;
            } catch (error) {
              lastError = error;
            }
          }
          sinkDownStreak++;
          await recordAttempt(tx, row.id, lastError);
        }
        return delivered ? { delivered } : { delivered: 0, error: lastError };
      }
    });
    if (result.error) throw result.error;
    return result.delivered;
  }
}

/** A row of platform_event_outbox as the relay reads it. */
interface DbOutboxRow {
  id: string;
  payload: Record<string, unknown> | string;
  violations: SchemaViolation[] | string | null;
  attempts: number;
}

function toDelivery(row: DbOutboxRow): EventDelivery {
  return {
    payload:
      typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    violations:
      (typeof row.violations === 'string'
        ? JSON.parse(row.violations)
        : row.violations) ?? [],
  };
}

function asDeadLetter(
  delivery: EventDelivery,
  attempts: number,
  error: unknown,
): EventDelivery {
  return {
    payload: stripNul(delivery.payload),
    violations: [
      ...delivery.violations,
      {
        instancePath: '',
        schemaPath: '#/delivery',
        message: stripNul(
          `refused by the platform event log ${attempts} times: ${String(
            error,
          ).slice(0, 500)}`,
        ),
      },
    ],
  };
}

async function recordAttempt(tx: Knex.Transaction, id: string, error: unknown) {
  await tx('platform_event_outbox')
    .where({ id })
    .update({
      attempts: tx.raw('attempts + 1'),
      last_error: stripNul(String(error)).slice(0, 2000),
    });
}
