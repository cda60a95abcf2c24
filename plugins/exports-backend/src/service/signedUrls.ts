import { createHmac, timingSafeEqual } from 'node:crypto';

export const DOWNLOAD_URL_TTL_MS = 15 * 60 * 1000;

export type TokenCheck =
  | { valid: true; jobId: string; expiresAt: Date }
  | { valid: false; reason: 'tampered' | 'expired' };

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** `<payload>.<mac>`: payload = base64url({ j: jobId, e: expiry ms }), mac = HMAC-SHA256. */
export function signDownloadToken(
  secret: string,
  jobId: string,
  expiresAt: Date,
): string {
  const payload = b64(JSON.stringify({ j: jobId, e: expiresAt.getTime() }));
  const mac = createHmac('sha256', secret).update(payload).digest();
  return `${payload}.${b64(mac)}`;
}

/** Checks the MAC first (anything altered is `tampered`), then the expiry. */
export function verifyDownloadToken(
  secret: string,
  token: string,
  now: Date = new Date(),
): TokenCheck {
  const [payload, mac, ...rest] = token.split('.');
  if (!payload || !mac || rest.length > 0) {
    return { valid: false, reason: 'tampered' };
  }
  const expected = createHmac('sha256', secret).update(payload).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { valid: false, reason: 'tampered' };
  }
  let parsed: { j?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { valid: false, reason: 'tampered' };
  }
  if (typeof parsed.j !== 'string' || typeof parsed.e !== 'number') {
    return { valid: false, reason: 'tampered' };
  }
  if (parsed.e <= now.getTime()) return { valid: false, reason: 'expired' };
  return { valid: true, jobId: parsed.j, expiresAt: new Date(parsed.e) };
}
