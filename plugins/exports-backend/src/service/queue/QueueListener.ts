import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** The channel the `export_jobs_queued_notify` trigger notifies when a job becomes queued. */
export const EXPORT_JOBS_QUEUED_CHANNEL = 'export_jobs_queued';

/** The part of a node-postgres client the listener uses. */
interface PgListenConnection {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: (message: unknown) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(): unknown;
}

export interface QueueListenerOptions {
  db: Knex;
  logger: LoggerService;
  onNotify: () => void;
  channel?: string;
  /** First reconnect delay; doubles up to 30 s while Postgres stays unreachable (default 500 ms). */
  reconnectMs?: number;
}

/**
 * LISTENs on a dedicated connection (outside the pool: a pooled connection would be handed to
 * other queries) and calls `onNotify` per notification. On a connection error it reconnects
 * with backoff and calls `onNotify` once connected again, since notifications sent meanwhile
 * are lost; the workers' poll stays the fallback throughout.
 */
export class QueueListener {
  private connection: PgListenConnection | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(private readonly options: QueueListenerOptions) {}

  private get channel() {
    return this.options.channel ?? EXPORT_JOBS_QUEUED_CHANNEL;
  }

  /** Resolves once listening (or after the first failure, retrying in the background). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.drop();
  }

  /** Whether a LISTEN connection is up (tests, diagnostics). */
  get listening(): boolean {
    return this.connection !== undefined;
  }

  private async connect() {
    if (this.stopped) return;
    let connection: PgListenConnection | undefined;
    try {
      connection = (await (
        this.options.db.client as any
      ).acquireRawConnection()) as PgListenConnection;
      connection.on('notification', () => this.options.onNotify());
      connection.on('error', e => this.lost(connection!, e));
      connection.on('end', () => this.lost(connection!));
      await connection.query(`LISTEN ${this.channel}`);
      if (this.stopped) {
        await this.destroy(connection);
        return;
      }
      this.connection = connection;
      this.failures = 0;
      this.options.onNotify();
    } catch (e) {
      if (connection) await this.destroy(connection);
      this.options.logger.warn(
        `exports: LISTEN ${this.channel} failed (polling meanwhile): ${e}`,
      );
      this.retry();
    }
  }

  private lost(connection: PgListenConnection, error?: Error) {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.destroy(connection).catch(() => undefined);
    if (this.stopped) return;
    this.options.logger.warn(
      `exports: LISTEN connection lost (${error ?? 'ended'}); reconnecting`,
    );
    this.retry();
  }

  private retry() {
    if (this.stopped) return;
    const base = this.options.reconnectMs ?? 500;
    const delay = Math.min(base * 2 ** this.failures, 30_000);
    this.failures += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private async drop() {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await this.destroy(connection);
  }

  private async destroy(connection: PgListenConnection) {
    connection.removeAllListeners();
    // A broken socket may still emit errors while it closes.
    connection.on('error', () => undefined);
    await (this.options.db.client as any)
      .destroyRawConnection(connection)
      .catch(() => undefined);
  }
}
