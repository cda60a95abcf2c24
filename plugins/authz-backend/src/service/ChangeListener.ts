import { LoggerService } from '@backstage/backend-plugin-api';
import { NotificationListener } from '@internal/plugin-platform-node';
import { Knex } from 'knex';
import { AUTHZ_CHANNEL } from './RevisionStore';

/**
 * LISTENs on the authz channel and hands every payload (`revision:<id>`, `data`, `modes`) to
 * `onChange`; after a lost connection (notifications sent meanwhile are gone) it calls
 * `onChange('resync')` once listening again.
 */
export class ChangeListener {
  private readonly listener: NotificationListener;

  constructor(
    knex: Knex,
    onChange: (payload: string) => Promise<void>,
    logger: LoggerService,
  ) {
    const handle = (payload: string) =>
      onChange(payload).catch(error =>
        logger.error(`authz: change ${payload} failed: ${error}`),
      );
    this.listener = new NotificationListener({
      db: knex,
      channel: AUTHZ_CHANNEL,
      logger,
      onNotification: handle,
      onListening: catchUp => {
        if (catchUp) handle('resync');
      },
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }
}
