import { createHash } from 'node:crypto';
import { Knex } from 'knex';

interface PgConnection {
  query(config: {
    name?: string;
    text: string;
    values: readonly unknown[];
  }): Promise<unknown>;
}

/** More statement shapes than the commit can produce means something else: don't name them. */
const MAX_NAMED = 32;

/**
 * Runs the decision log's group-commit statements as named prepared statements on pooled
 * connections: each statement shape (with or without latency, shadow and event rows; a
 * handful in all) is parsed and planned once per connection instead of on every commit, which
 * knex.raw can't do. Its values are still bound parameters; only the text is shared.
 */
export class PreparedStatements {
  private readonly names = new Map<string, string>();

  constructor(private readonly knex: Knex) {}

  /** One statement written with knex `?` placeholders, on one pooled connection. */
  async run(sql: string, bindings: readonly unknown[]): Promise<void> {
    const native = this.knex
      .raw(sql, bindings as Knex.RawBinding[])
      .toSQL()
      .toNative();
    const name = this.nameOf(native.sql);
    const client = this.knex.client as Knex.Client;
    const conn: PgConnection = await client.acquireConnection();
    try {
      await conn.query({
        ...(name ? { name } : {}),
        text: native.sql,
        values: native.bindings,
      });
    } finally {
      await client.releaseConnection(conn);
    }
  }

  private nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known || this.names.size >= MAX_NAMED) return known;
    const name = `authz_log_${createHash('sha256')
      .update(text)
      .digest('hex')
      .slice(0, 24)}`;
    this.names.set(text, name);
    return name;
  }
}
