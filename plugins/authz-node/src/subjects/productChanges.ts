import { LoggerService } from '@backstage/backend-plugin-api';
import { NotificationListener } from '@internal/plugin-platform-node';
import { Knex } from 'knex';

/**
 * The channel the product database notifies when `users` or `accounts` change (a statement
 * trigger; the demo schema's is in packages/dev-database, the DDL for the production database
 * in docs/authz.md). The payload is the table's name.
 */
export const PRODUCT_SUBJECTS_CHANNEL = 'product_subjects_changed';

/**
 * Drops cached product subjects and decisions in this process whenever the product database
 * says its users or accounts changed, and after a lost connection (changes may have been
 * missed). Without the trigger nothing arrives and the caches age out with their TTLs.
 */
export function watchProductSubjects(options: {
  productDb: Knex;
  logger: LoggerService;
  onChange: (table: string) => void;
  reconnectMs?: number;
}): NotificationListener {
  return new NotificationListener({
    db: options.productDb,
    channel: PRODUCT_SUBJECTS_CHANNEL,
    logger: options.logger,
    onNotification: table => options.onChange(table),
    onListening: catchUp => {
      if (catchUp) options.onChange('resync');
    },
    reconnectMs: options.reconnectMs,
  });
}
