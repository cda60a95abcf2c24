import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted (recursively), no whitespace, undefined members left
 * out. Two records with the same content always give the same bytes, whatever key order
 * Postgres' jsonb returns them in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value ?? null);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as object)
    .filter(k => (value as any)[k] !== undefined)
    .sort()
    .map(k => `${JSON.stringify(k)}:${canonicalJson((value as any)[k])}`);
  return `{${entries.join(',')}}`;
}

export const GENESIS_HASH = '0'.repeat(64);

/** sha256(previous_hash || canonical(record)), hex. */
export function chainHash(prevHash: string, canonicalRecord: string): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalRecord)
    .digest('hex');
}
