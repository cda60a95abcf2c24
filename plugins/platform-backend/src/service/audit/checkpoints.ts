import { canonicalJson } from '../canonical';
import { AuditKeyring } from './hmacKeys';

/**
 * A copy of the chain head kept outside the database. `mac` = HMAC(key, canonical
 * {at, chain, hash, key_id, seq}): whoever can write the sink but lacks the key cannot forge one.
 */
export interface AuditCheckpoint {
  /** The chain's id (platform_audit_policy.chain_id): one sink may hold several chains. */
  chain: string;
  seq: string;
  hash: string;
  /** Key that signed the checkpoint (and, from keying on, the record at `seq`). */
  key_id: string;
  at: string;
  mac: string;
}

/** Where checkpoints go: append-only, outside the database. */
export interface AuditCheckpointSink {
  /** Human-readable location, e.g. `file:.data/...` or `s3://bucket/prefix`. */
  readonly description: string;
  write(checkpoint: AuditCheckpoint): Promise<void>;
  /** Every checkpoint, in any order; malformed entries are returned as problems. */
  readAll(): Promise<{ checkpoints: AuditCheckpoint[]; problems: string[] }>;
}

export function checkpointMac(
  keyring: AuditKeyring,
  c: Omit<AuditCheckpoint, 'mac'>,
): string {
  return keyring.mac(
    c.key_id,
    canonicalJson({
      at: c.at,
      chain: c.chain,
      hash: c.hash,
      key_id: c.key_id,
      seq: c.seq,
    }),
  );
}

export function signCheckpoint(
  keyring: AuditKeyring,
  head: { seq: string; hash: string; chainId: string },
  at: Date,
): AuditCheckpoint {
  const unsigned = {
    chain: head.chainId,
    seq: head.seq,
    hash: head.hash,
    key_id: keyring.currentKeyId,
    at: at.toISOString(),
  };
  return { ...unsigned, mac: checkpointMac(keyring, unsigned) };
}

/** Parses one stored checkpoint; undefined if it is not one. */
export function parseCheckpoint(value: unknown): AuditCheckpoint | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const ok =
    typeof v.chain === 'string' &&
    typeof v.seq === 'string' &&
    /^\d+$/.test(v.seq) &&
    typeof v.hash === 'string' &&
    typeof v.key_id === 'string' &&
    typeof v.at === 'string' &&
    typeof v.mac === 'string';
  if (!ok) return undefined;
  return {
    chain: v.chain as string,
    seq: v.seq as string,
    hash: v.hash as string,
    key_id: v.key_id as string,
    at: v.at as string,
    mac: v.mac as string,
  };
}
