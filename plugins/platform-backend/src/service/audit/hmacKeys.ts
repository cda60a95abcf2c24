import { createHmac } from 'node:crypto';
import { Config } from '@backstage/config';

/** A dev-only key used when none is configured outside production; it protects nothing. */
export const INSECURE_DEV_KEY_ID = 'insecure-dev-key';
const INSECURE_DEV_SECRET = 'platform-audit-insecure-dev-key-do-not-use';

/**
 * The HMAC keys that sign the audit chain. They live in config (a secret store in
 * production), never in the database: someone holding only the database credentials can
 * rewrite rows but cannot produce the MACs that verify checks.
 */
export class AuditKeyring {
  private readonly keys: Map<string, Buffer>;

  constructor(
    readonly currentKeyId: string,
    keys: Record<string, string | Buffer>,
  ) {
    this.keys = new Map(
      Object.entries(keys).map(([id, secret]) => [
        id,
        Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8'),
      ]),
    );
    if (!this.keys.has(currentKeyId)) {
      throw new Error(
        `platform.audit.currentHmacKeyId '${currentKeyId}' is not one of platform.audit.hmacKeys`,
      );
    }
  }

  /**
   * Reads `platform.audit.hmacKeys` ([{ id, secret }], secrets of at least 32 characters) and
   * `platform.audit.currentHmacKeyId` (default: the last key listed). Without keys, a fixed
   * insecure key is used unless `NODE_ENV` is production, where starting is refused.
   */
  static fromConfig(
    config: Config,
    env: NodeJS.ProcessEnv = process.env,
  ): { keyring: AuditKeyring; insecure: boolean } {
    const entries = config.getOptionalConfigArray('platform.audit.hmacKeys');
    if (!entries || entries.length === 0) {
      if (env.NODE_ENV === 'production') {
        throw new Error(
          'platform.audit.hmacKeys is required in production: the audit chain must be signed with a key kept outside the database (docs/security.md)',
        );
      }
      return { keyring: AuditKeyring.insecureDevelopmentKey(), insecure: true };
    }
    const keys: Record<string, string> = {};
    entries.forEach((entry, index) => {
      const id = entry.getString('id');
      const secret = entry.getString('secret');
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
        throw new Error(
          `platform.audit.hmacKeys[${index}].id must be 1-64 letters, digits, '.', '_' or '-'`,
        );
      }
      if (secret.length < 32) {
        throw new Error(
          `platform.audit.hmacKeys[${index}].secret must be at least 32 characters`,
        );
      }
      if (keys[id]) {
        throw new Error(
          `platform.audit.hmacKeys[${index}].id '${id}' is listed twice`,
        );
      }
      keys[id] = secret;
    });
    const current =
      config.getOptionalString('platform.audit.currentHmacKeyId') ??
      entries[entries.length - 1].getString('id');
    return { keyring: new AuditKeyring(current, keys), insecure: false };
  }

  /** The published development key: for tests, benchmarks and local runs only. */
  static insecureDevelopmentKey(): AuditKeyring {
    return new AuditKeyring(INSECURE_DEV_KEY_ID, {
      [INSECURE_DEV_KEY_ID]: INSECURE_DEV_SECRET,
    });
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** HMAC-SHA256 over the parts in order, hex; throws for a key id it does not hold. */
  mac(keyId: string, ...parts: string[]): string {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`unknown audit HMAC key id '${keyId}'`);
    const hmac = createHmac('sha256', key);
    for (const part of parts) hmac.update(part);
    return hmac.digest('hex');
  }
}
