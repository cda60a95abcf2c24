import { Knex } from 'knex';

/** Limits every read of the API to this much server time (Postgres statement_timeout). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

/**
 * Runs `fn` in a transaction whose statements time out after `timeoutMs` (SET LOCAL, so
 * pooled connections keep their defaults): a request cannot hold Postgres indefinitely.
 */
export async function withStatementTimeout<T>(
  knex: Knex,
  timeoutMs: number | undefined,
  fn: (tx: Knex.Transaction) => Promise<T> | Knex.QueryBuilder,
): Promise<T> {
  return knex.transaction(async tx => {
    await tx.raw("SELECT set_config('statement_timeout', ?, true)", [
      String(timeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS),
    ]);
    return (await fn(tx)) as T;
  });
}
