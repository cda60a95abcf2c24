import { randomBytes } from 'node:crypto';
import knexFactory, { Knex } from 'knex';
import { resolvePackagePath } from '@backstage/backend-plugin-api';

interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The connection a (superuser) test knex was opened with. */
export function connectionOf(knex: Knex): ConnectionInfo {
  const raw = (knex.client.config as Knex.Config).connection as
    | string
    | Record<string, unknown>;
  if (typeof raw === 'string') {
    const url = new URL(raw);
    return {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
    };
  }
  return {
    host: String(raw.host),
    port: Number(raw.port ?? 5432),
    user: String(raw.user),
    password: String(raw.password),
    database: String(raw.database),
  };
}

export async function migratePlatform(knex: Knex): Promise<void> {
  await knex.migrate.latest({
    directory: resolvePackagePath(
      '@internal/plugin-platform-backend',
      'migrations',
    ),
  });
}

/**
 * A login role like the app's in production: not a superuser, not the tables' owner, member
 * of `platform_audit_writer` only. Returns a knex connected as it; `drop` removes both.
 */
export async function createAppRole(
  admin: Knex,
  extraGrants: string[] = [],
): Promise<{ knex: Knex; role: string; drop(): Promise<void> }> {
  const conn = connectionOf(admin);
  const role = `portal_app_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await admin.raw(
    `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS PASSWORD '${password}'`,
  );
  await admin.raw(`GRANT CONNECT ON DATABASE "${conn.database}" TO ${role}`);
  await admin.raw(`GRANT platform_audit_writer TO ${role}`);
  for (const grant of extraGrants) {
    await admin.raw(grant.replace(/\$ROLE/g, role));
  }
  const knex = knexFactory({
    client: 'pg',
    connection: { ...conn, user: role, password },
    pool: { min: 0, max: 4 },
  });
  return {
    knex,
    role,
    async drop() {
      await knex.destroy();
      await admin.raw(`DROP OWNED BY ${role}`);
      await admin.raw(`DROP ROLE ${role}`);
    },
  };
}
