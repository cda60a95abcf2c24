import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** The part of a node-postgres client the listener uses. */
interface PgListenConnection {
  query(sql: string): Promise<unknown>;
  on(
    event: 'notification',
    listener: (message: { payload?: string }) => void,
  ): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(): unknown;
}

export interface NotificationListenerOptions {
  db: Knex;
  /** A Postgres identifier (LISTEN takes no bind parameter). */
  channel: string;
  logger: LoggerService;
  onNotification: (payload: string) => void;
  /**
   * Called once LISTEN is in place; `catchUp` when it took more than one attempt since
   * `start()` (a lost connection or a failed first try): notifications sent meanwhile are gone
   * and the caller must catch up.
   */
  onListening?: (catchUp: boolean) => void;
  /** First reconnect delay; doubles up to 30 s while Postgres stays unreachable (default 500 ms). */
  reconnectMs?: number;
  /**
   * How often the idle connection is probed with `SELECT 1` (default 30 s): a half-open TCP
   * connection (NAT timeout, failover without a reset) emits no error, and would otherwise
   * stop notifications silently. A probe that fails or takes `probeTimeoutMs` (default 10 s)
   * counts as a lost connection.
   */
  probeMs?: number;
  probeTimeoutMs?: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * LISTENs on a dedicated connection (outside the pool: a pooled connection would be handed to
 * other queries) and hands every notification's payload to `onNotification`. On a connection
 * error it reconnects with backoff and says so through `onListening(true)`.
 */
export class NotificationListener {
  private connection: PgListenConnection | undefined;
  private stopped = false;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(private readonly options: NotificationListenerOptions) {
    if (!IDENTIFIER.test(options.channel)) {
      throw new Error(
        `NotificationListener: channel must match ${IDENTIFIER}, got ${options.channel}`,
      );
    }
  }

  /** Resolves once listening, or after the first failure (retrying in the background). */
  async start(): Promise<void> {
    this.stopped = false;
    this.attempts = 0;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.probeTimer);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await this.destroy(connection);
  }

  /** Whether a LISTEN connection is up (tests, diagnostics). */
  get listening(): boolean {
    return this.connection !== undefined;
  }

  private async connect() {
    if (this.stopped) return;
    const { channel, db, logger } = this.options;
    this.attempts += 1;
    let connection: PgListenConnection | undefined;
    try {
      connection = (await (
        db.client as any
      ).acquireRawConnection()) as PgListenConnection;
      connection.on('notification', message =>
        this.options.onNotification(message.payload ?? ''),
      );
      connection.on('error', e => this.lost(connection!, e));
      connection.on('end', () => this.lost(connection!));
      await connection.query(`LISTEN ${channel}`);
      if (this.stopped) {
        await this.destroy(connection);
        return;
      }
      this.connection = connection;
      this.failures = 0;
      this.startProbing(connection);
      this.options.onListening?.(this.attempts > 1);
    } catch (e) {
      if (connection) await this.destroy(connection);
      logger.warn(`LISTEN ${channel} failed (retrying): ${e}`);
      this.retry();
    }
  }

  private startProbing(connection: PgListenConnection) {
    clearInterval(this.probeTimer);
    const timeoutMs = this.options.probeTimeoutMs ?? 10_000;
    this.probeTimer = setInterval(async () => {
      if (this.connection !== connection) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          connection.query('SELECT 1'),
          new Promise((_, reject) => {
            timer = setTimeout(
              () =>
                reject(new Error(`no answer to a probe in ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
      } catch (error) {
        this.lost(connection, error as Error);
      } finally {
        clearTimeout(timer);
      }
    }, this.options.probeMs ?? 30_000);
    this.probeTimer.unref?.();
  }

  private lost(connection: PgListenConnection, error?: Error) {
    if (this.connection !== connection) return;
    clearInterval(this.probeTimer);
    this.connection = undefined;
    this.destroy(connection).catch(() => undefined);
    if (this.stopped) return;
    this.options.logger.warn(
      `LISTEN ${this.options.channel}: connection lost (${
        error ?? 'ended'
      }); reconnecting`,
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

  private async destroy(connection: PgListenConnection) {
    connection.removeAllListeners();
    // A broken socket may still emit errors while it closes.
    connection.on('error', () => undefined);
    await (this.options.db.client as any)
      .destroyRawConnection(connection)
      .catch(() => undefined);
  }
}
