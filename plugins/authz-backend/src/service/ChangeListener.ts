import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { AUTHZ_CHANNEL } from './RevisionStore';

/** Minimal surface of a node-postgres client that LISTENs. */
interface ListeningConnection {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', fn: (msg: { payload?: string }) => void): void;
  on(event: 'error' | 'end', fn: (error?: Error) => void): void;
  removeAllListeners(): void;
}

/**
 * Holds one connection out of the pool that LISTENs on the authz channel and hands every
 * payload (`revision:<id>`, `data`) to `onChange`. Reconnects after a lost connection and then
 * calls `onChange('resync')`, since notifications sent meanwhile are gone.
 */
export class ChangeListener {
  private connection?: ListeningConnection;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly knex: Knex,
    private readonly onChange: (payload: string) => Promise<void>,
    private readonly logger: LoggerService,
  ) {}

  async start(): Promise<void> {
    const connection: ListeningConnection =
      await this.knex.client.acquireRawConnection();
    this.connection = connection;
    connection.on('notification', msg => {
      this.onChange(msg.payload ?? '').catch(error =>
        this.logger.error(`authz: change ${msg.payload} failed: ${error}`),
      );
    });
    const lost = (error?: Error) => {
      if (this.stopped) return;
      this.logger.warn(`authz: change listener lost its connection: ${error}`);
      connection.removeAllListeners();
      this.connection = undefined;
      this.retry = setTimeout(() => this.reconnect(), 1000);
    };
    connection.on('error', lost);
    connection.on('end', lost);
    await connection.query(`LISTEN ${AUTHZ_CHANNEL}`);
  }

  private async reconnect() {
    try {
      await this.start();
      await this.onChange('resync');
    } catch (error) {
      this.logger.warn(`authz: change listener reconnect failed: ${error}`);
      this.retry = setTimeout(() => this.reconnect(), 1000);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      connection.removeAllListeners();
      await this.knex.client.destroyRawConnection(connection);
    }
  }
}
