// An external Postgres is named by POSTGRES_HOST (+ PORT/USER/PASSWORD) in the environment, or by
// backend.database.connection.host in app-config.local.yaml. Then nothing embedded starts.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');

export function externalPostgresFromEnv() {
  if (process.env.POSTGRES_HOST) {
    return {
      host: process.env.POSTGRES_HOST,
      port: Number(process.env.POSTGRES_PORT ?? 5432),
    };
  }
  const local = join(repoRoot, 'app-config.local.yaml');
  if (existsSync(local)) {
    // A literal host under backend.database.connection (no YAML parser needed for this one key).
    const match = readFileSync(local, 'utf8').match(
      /^backend:[\s\S]*?^\s+database:[\s\S]*?^\s+connection:[\s\S]*?^\s+host:\s*['"]?([^'"\s$]+)/m,
    );
    if (match)
      return {
        host: match[1],
        port: Number(process.env.POSTGRES_PORT ?? 5432),
      };
  }
  return undefined;
}
