import { LoggerService } from '@backstage/backend-plugin-api';
import { NotificationListener } from '@internal/plugin-platform-node';
import { Knex } from 'knex';

/** The channel the `export_jobs_queued_notify` trigger notifies when a job becomes queued. */
export const EXPORT_JOBS_QUEUED_CHANNEL = 'export_jobs_queued';

export interface QueueListenerOptions {
  db: Knex;
  logger: LoggerService;
  onNotify: () => void;
  channel?: string;
  /** First reconnect delay; doubles up to 30 s while Postgres stays unreachable (default 500 ms). */
  reconnectMs?: number;
}

/**
 * Wakes the dispatcher per queued-job notification, and once whenever LISTEN is (re)established,
 * since notifications sent meanwhile are lost; the workers' poll stays the fallback throughout.
 */
export class QueueListener {
  private readonly listener: NotificationListener;

  constructor(options: QueueListenerOptions) {
    this.listener = new NotificationListener({
      db: options.db,
      channel: options.channel ?? EXPORT_JOBS_QUEUED_CHANNEL,
      logger: options.logger,
      onNotification: () => options.onNotify(),
      onListening: () => options.onNotify(),
      reconnectMs: options.reconnectMs,
    });
  }

  /** Resolves once listening (or after the first failure, retrying in the background). */
  start(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }

  /** Whether a LISTEN connection is up (tests, diagnostics). */
  get listening(): boolean {
    return this.listener.listening;
  }
}
