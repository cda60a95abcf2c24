import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Knex } from 'knex';
import { InputError } from '@backstage/errors';
import {
  AuditRecord,
  AuditRecordInput,
  AuditVerifyResult,
} from '@internal/plugin-platform-common';
import { canonicalJson, chainHash, GENESIS_HASH } from './canonical';
import { AuditKeyring } from './audit/hmacKeys';
import { AuditCheckpoint, checkpointMac } from './audit/checkpoints';

interface Pending {
  row: Omit<AuditRow, 'seq' | 'prev_hash' | 'hash' | 'key_id'>;
  resolve: (receipt: AuditReceipt) => void;
  reject: (error: unknown) => void;
}

/** A stored row: the API record with the database's Date columns and its key id. */
type AuditRow = Omit<AuditRecord, 'recorded_at' | 'occurred_at'> & {
  recorded_at: Date;
  occurred_at: Date;
  /** HMAC key id; null only for records written before keying began. */
  key_id: string | null;
};

/** An API record with the id of the key that signed it. */
export type SignedAuditRecord = AuditRecord & { key_id: string | null };

/** Verify's answer: the chain, the keys it was signed with and the checkpoints compared. */
export type AuditChainVerifyResult = AuditVerifyResult & {
  /** `incremental`: walked from the newest valid checkpoint (`fromSeq`) only. */
  mode: 'full' | 'incremental';
  fromSeq?: string;
  keyIds: string[];
  checkpoints?: {
    sink: string;
    compared: number;
    /** Checkpoints of records since purged (only the one at the anchor can be compared). */
    purged: number;
    /** Checkpoints in the sink that belong to other chains (other databases). */
    otherChains: number;
    latest?: { seq: string; at: string };
    problems: string[];
  };
  firstBroken?: AuditVerifyResult['firstBroken'] & {
    checkpoint?: { seq: string; hash: string; at: string };
  };
};

export const KEY_ROTATION_ACTION = 'platform.audit-key-rotated';

export interface AuditReceipt {
  id: string;
  seq: string;
  hash: string;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  resource?: string;
  outcome?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  afterSeq?: string;
}

const OUTCOMES = ['initiated', 'succeeded', 'failed'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

/** A stored row in API form: text seq and ISO timestamps (also what the hash covers). */
function normalize(
  row: Omit<AuditRow, 'prev_hash' | 'hash' | 'key_id'>,
): Omit<AuditRecord, 'prev_hash' | 'hash'> {
  return {
    seq: String(row.seq),
    id: row.id,
    recorded_at: new Date(row.recorded_at).toISOString(),
    occurred_at: new Date(row.occurred_at).toISOString(),
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    outcome: row.outcome,
    severity: row.severity,
    plugin: row.plugin,
    meta: row.meta ?? {},
  };
}

/**
 * The fields a record's hash covers, in canonical form; a signed record's key id is covered
 * too (records from before keying hash exactly as they always did).
 */
export function canonicalAuditRecord(
  row: Omit<AuditRow, 'prev_hash' | 'hash' | 'key_id'> & {
    key_id?: string | null;
  },
): string {
  const record = normalize(row);
  return canonicalJson(row.key_id ? { ...record, key_id: row.key_id } : record);
}

/** What an anchor's MAC covers. */
export function canonicalAnchor(anchor: {
  cutoff: Date | string;
  first_seq: string | number;
  key_id: string;
  prev_hash: string;
  run_id: string;
}): string {
  return canonicalJson({
    cutoff: new Date(anchor.cutoff).toISOString(),
    first_seq: String(anchor.first_seq),
    key_id: anchor.key_id,
    prev_hash: anchor.prev_hash,
    run_id: anchor.run_id,
  });
}

interface AuditPolicyRow {
  chain_id: string;
  keyed_from_seq: string;
  legacy_anchor_max_id: string;
  min_retention_days: number | null;
}

/**
 * The tamper-evident audit store. Appends are group-committed: everything appended while a
 * batch is being written goes into the next batch, one transaction per batch, chained after
 * the head row (locked FOR UPDATE, so appenders in several processes keep one chain).
 * `append` resolves once its record has committed.
 *
 * Each record's hash is HMAC-SHA256(key, prev_hash || canonical(record)) with a key from
 * config (`AuditKeyring`), so rewriting the chain needs the key, not just database access.
 * When the current key differs from the one that signed the head, the batch starts with a
 * key-rotation record signed by the new key.
 */
export class AuditStore {
  private queue: Pending[] = [];
  private writing?: Promise<void>;
  readonly keyring: AuditKeyring;

  constructor(
    private readonly knex: Knex,
    private readonly options: {
      maxBatch?: number;
      now?: () => Date;
      /** Default: the fixed insecure development key (tests, benchmarks). */
      keyring?: AuditKeyring;
    } = {},
  ) {
    this.keyring = options.keyring ?? AuditKeyring.insecureDevelopmentKey();
  }

  /** Appends a record; resolves after the transaction holding it commits. */
  append(input: AuditRecordInput): Promise<AuditReceipt> {
    const row = this.toRow(input);
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.schedule();
    });
  }

  /** Appends several records as one group; resolves when all have committed. */
  appendMany(inputs: AuditRecordInput[]): Promise<AuditReceipt[]> {
    return Promise.all(inputs.map(i => this.append(i)));
  }

  private toRow(input: AuditRecordInput): Pending['row'] {
    for (const field of ['actor', 'action', 'resource'] as const) {
      if (typeof input[field] !== 'string' || input[field].length === 0) {
        throw new InputError(
          `audit record field '${field}' must be a non-empty string`,
        );
      }
    }
    if (!OUTCOMES.includes(input.outcome)) {
      throw new InputError(
        `audit record field 'outcome' must be one of ${OUTCOMES.join(', ')}`,
      );
    }
    const severity = input.severity ?? 'low';
    if (!SEVERITIES.includes(severity)) {
      throw new InputError(
        `audit record field 'severity' must be one of ${SEVERITIES.join(', ')}`,
      );
    }
    const now = this.options.now?.() ?? new Date();
    return {
      id: randomUUID(),
      recorded_at: now,
      occurred_at: input.occurred_at ?? now,
      actor: input.actor.slice(0, 500),
      action: input.action.slice(0, 200),
      resource: input.resource.slice(0, 1000),
      outcome: input.outcome,
      severity,
      plugin: input.plugin ?? 'platform',
      // jsonb round trip: what we hash must be what Postgres gives back.
      meta: JSON.parse(
        JSON.stringify(input.meta ?? {}).replace(/\\u0000/g, ''),
      ),
    };
  }

  private schedule() {
    if (this.writing) return;
    this.writing = new Promise<void>(resolve => setImmediate(resolve))
      .then(() => this.writeLoop())
      .finally(() => {
        this.writing = undefined;
        if (this.queue.length) this.schedule();
      });
  }

  private async writeLoop() {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch ?? 1000);
      try {
        const receipts = await this.writeBatch(batch.map(p => p.row));
        batch.forEach((p, i) => p.resolve(receipts[i]));
      } catch (error) {
        batch.forEach(p => p.reject(error));
      }
    }
  }

  private async writeBatch(rows: Pending['row'][]): Promise<AuditReceipt[]> {
    const keyId = this.keyring.currentKeyId;
    return this.knex.transaction(async tx => {
      const head = await tx('platform_audit_head')
        .where({ id: 1 })
        .forUpdate()
        .first();
      let seq = BigInt(head.last_seq);
      let prev: string = head.last_hash;
      const lastKeyId: string | null = head.last_key_id ?? null;
      // A fresh chain starts signed; an existing one records the switch of key (or keying).
      const rotation: Pending['row'][] =
        lastKeyId !== keyId && (lastKeyId !== null || seq > 0n)
          ? [this.rotationRow(lastKeyId, keyId, rows[0].recorded_at)]
          : [];
      // Records in one batch share the commit; recorded_at must not go backwards in the chain.
      const full: AuditRow[] = [...rotation, ...rows].map(row => {
        seq += 1n;
        const withSeq = { ...row, seq: seq.toString(), key_id: keyId };
        const hash = this.keyring.mac(
          keyId,
          prev,
          canonicalAuditRecord(withSeq),
        );
        const out = { ...withSeq, prev_hash: prev, hash };
        prev = hash;
        return out;
      });
      for (let i = 0; i < full.length; i += 1000) {
        await tx('platform_audit_log').insert(
          full
            .slice(i, i + 1000)
            .map(r => ({ ...r, meta: JSON.stringify(r.meta) })),
        );
      }
      await tx('platform_audit_head').where({ id: 1 }).update({
        last_seq: seq.toString(),
        last_hash: prev,
        last_key_id: keyId,
      });
      return full
        .slice(rotation.length)
        .map(r => ({ id: r.id, seq: r.seq, hash: r.hash }));
    });
  }

  private rotationRow(
    fromKeyId: string | null,
    toKeyId: string,
    at: Date,
  ): Pending['row'] {
    return {
      id: randomUUID(),
      recorded_at: at,
      occurred_at: at,
      actor: 'platform-backend',
      action: KEY_ROTATION_ACTION,
      resource: 'audit-chain',
      outcome: 'succeeded',
      severity: 'high',
      plugin: 'platform',
      meta: { fromKeyId, toKeyId },
    };
  }

  /** The chain head as the database has it, with the chain's id. */
  async head(): Promise<{
    seq: string;
    hash: string;
    keyId: string | null;
    chainId: string;
  }> {
    const head = await this.knex('platform_audit_head')
      .where({ id: 1 })
      .first();
    const policy = await this.knex('platform_audit_policy')
      .where({ id: 1 })
      .first('chain_id');
    return {
      seq: String(head.last_seq),
      hash: head.last_hash,
      keyId: head.last_key_id ?? null,
      chainId: policy.chain_id,
    };
  }

  /** Waits until everything appended so far is written. */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async query(q: AuditQuery): Promise<SignedAuditRecord[]> {
    const limit = Math.min(q.limit ?? 100, 10_000);
    const rows = await this.filtered(q).orderBy('seq', 'asc').limit(limit);
    return rows.map(toRecord);
  }

  private filtered(q: AuditQuery) {
    const query = this.knex<AuditRow>('platform_audit_log');
    if (q.actor) query.where('actor', q.actor);
    if (q.action) query.where('action', q.action);
    if (q.resource) query.where('resource', q.resource);
    if (q.outcome) query.where('outcome', q.outcome);
    if (q.from) query.where('occurred_at', '>=', q.from);
    if (q.to) query.where('occurred_at', '<', q.to);
    if (q.afterSeq) query.where('seq', '>', q.afterSeq);
    return query;
  }

  /** NDJSON for a SIEM: one record per line, in chain order, read in pages. */
  exportNdjson(q: AuditQuery): Readable {
    const pageSize = 1000;
    let afterSeq = q.afterSeq;
    let remaining = q.limit ?? Number.MAX_SAFE_INTEGER;
    const readPage = (size: number) =>
      this.query({ ...q, afterSeq, limit: size });
    return Readable.from(
      (async function* generate() {
        while (remaining > 0) {
          const page = await readPage(Math.min(pageSize, remaining));
          if (page.length === 0) return;
          yield `${page.map(r => JSON.stringify(r)).join('\n')}\n`;
          remaining -= page.length;
          afterSeq = page[page.length - 1].seq;
          if (page.length < pageSize) return;
        }
      })(),
    );
  }

  /**
   * Walks the chain from its anchor (genesis, or the latest retention re-anchor), recomputes
   * every record's HMAC (plain sha256 for records from before keying), checks the anchor's
   * MAC and key rotations, and compares the chain with the checkpoints kept outside the
   * database. Names the first record (by seq) whose content, link, sequence, signature or
   * checkpoint is wrong.
   */
  async verify(
    options: {
      checkpoints?: {
        sink: string;
        checkpoints: AuditCheckpoint[];
        problems: string[];
      };
      /**
       * Start at the newest checkpoint whose MAC holds instead of the anchor: records before
       * it are not re-hashed (a full run, e.g. daily, covers them). Full when there is none.
       */
      incremental?: boolean;
    } = {},
  ): Promise<AuditChainVerifyResult> {
    const keyring = this.keyring;
    // The head first: records appended while we walk (seq beyond it) are not ours to judge,
    // and everything up to it had committed when it was read (same transaction as the head).
    const head = await this.knex('platform_audit_head')
      .where({ id: 1 })
      .first();
    const headSeq = BigInt(head?.last_seq ?? 0);
    const anchor = await this.knex('platform_audit_anchors')
      .orderBy('id', 'desc')
      .first();
    const policy: AuditPolicyRow | undefined = await this.knex(
      'platform_audit_policy',
    )
      .where({ id: 1 })
      .first();
    const keyedFrom = BigInt(policy?.keyed_from_seq ?? 1);
    let expectedPrev = anchor?.prev_hash ?? GENESIS_HASH;
    let expectedSeq = anchor ? BigInt(anchor.first_seq) : 1n;
    let checked = 0;
    let mode: AuditChainVerifyResult['mode'] = 'full';
    let fromSeq: string | undefined;
    let firstSeq: string | undefined;
    let lastSeq: string | undefined;
    const keyIds = new Set<string>();
    const allCheckpoints = options.checkpoints?.checkpoints ?? [];
    const checkpointList = allCheckpoints
      .filter(c => c.chain === policy?.chain_id)
      .sort((a, b) => {
        const d = BigInt(a.seq) - BigInt(b.seq);
        if (d === 0n) return a.at.localeCompare(b.at);
        return d < 0n ? -1 : 1;
      });
    const checkpointProblems = [...(options.checkpoints?.problems ?? [])];
    if (checkpointList.length === 0 && allCheckpoints.length > 0) {
      checkpointProblems.push(
        `the sink holds ${allCheckpoints.length} checkpoints of other chains and none of chain ${policy?.chain_id} (a sink shared with other databases, or the chain id was changed)`,
      );
    }
    /** The checkpoints whose MAC holds (filled below). */
    const checkpoints: AuditCheckpoint[] = [];
    let purgedCheckpoints = 0;
    let comparedCheckpoints = 0;
    const result = (
      extra: Partial<AuditChainVerifyResult>,
    ): AuditChainVerifyResult => ({
      valid: true,
      checked,
      firstSeq,
      lastSeq,
      anchor: anchor
        ? {
            firstSeq: String(anchor.first_seq),
            prevHash: anchor.prev_hash,
            purgedCount: Number(anchor.purged_count),
            createdAt: new Date(anchor.created_at).toISOString(),
          }
        : undefined,
      verifiedAt: new Date().toISOString(),
      mode,
      ...(fromSeq ? { fromSeq } : {}),
      keyIds: [...keyIds],
      ...(options.checkpoints
        ? {
            checkpoints: {
              sink: options.checkpoints.sink,
              compared: comparedCheckpoints,
              purged: purgedCheckpoints,
              otherChains: allCheckpoints.length - checkpointList.length,
              // The newest checkpoint whose MAC held.
              latest: checkpoints.length
                ? {
                    seq: checkpoints[checkpoints.length - 1].seq,
                    at: checkpoints[checkpoints.length - 1].at,
                  }
                : undefined,
              problems: checkpointProblems,
            },
          }
        : {}),
      ...extra,
    });
    const broken = (
      firstBroken: NonNullable<AuditChainVerifyResult['firstBroken']>,
    ) => result({ valid: false, firstBroken });

    // A checkpoint whose own MAC fails was forged or altered in the sink: it proves nothing.
    for (const c of checkpointList) {
      const { mac, ...unsigned } = c;
      if (!keyring.has(c.key_id)) {
        checkpointProblems.push(
          `checkpoint of ${c.at} (seq ${c.seq}) is signed with key '${c.key_id}', which this backend does not hold`,
        );
      } else if (checkpointMac(keyring, unsigned) !== mac) {
        checkpointProblems.push(
          `checkpoint of ${c.at} (seq ${c.seq}) has an invalid MAC (altered or forged in the sink)`,
        );
      } else {
        checkpoints.push(c);
      }
    }
    const checkpointBroken = (c: AuditCheckpoint, reason: string, id = '') =>
      broken({
        seq: c.seq,
        id,
        reason,
        expected: c.hash,
        checkpoint: { seq: c.seq, hash: c.hash, at: c.at },
      });
    let nextCheckpoint = 0;

    if (anchor) {
      const anchorSeq = String(anchor.first_seq);
      if (BigInt(anchor.id) > BigInt(policy?.legacy_anchor_max_id ?? 0)) {
        const valid =
          anchor.key_id &&
          anchor.mac &&
          keyring.has(anchor.key_id) &&
          keyring.mac(anchor.key_id, canonicalAnchor(anchor)) === anchor.mac;
        if (!valid) {
          return broken({
            seq: anchorSeq,
            id: '',
            reason: `chain anchor ${anchor.id} (first seq ${anchorSeq}) has no valid MAC: inserted or altered outside the purge`,
          });
        }
      }
      // Checkpoints of purged records: only the last purged one can still be compared.
      while (
        nextCheckpoint < checkpoints.length &&
        BigInt(checkpoints[nextCheckpoint].seq) < expectedSeq
      ) {
        const c = checkpoints[nextCheckpoint++];
        if (BigInt(c.seq) === expectedSeq - 1n) {
          comparedCheckpoints++;
          if (c.hash !== anchor.prev_hash) {
            return checkpointBroken(
              c,
              `checkpoint of ${c.at} says seq ${c.seq} had hash ${c.hash}, the anchor chains to ${anchor.prev_hash}`,
            );
          }
        } else {
          purgedCheckpoints++;
        }
      }
    }

    if (options.incremental) {
      // The newest trusted checkpoint still inside the chain; its record's own HMAC is
      // re-checked below and its hash compared with the checkpoint.
      let start = -1;
      for (let i = checkpoints.length - 1; i >= nextCheckpoint; i--) {
        const seq = BigInt(checkpoints[i].seq);
        if (seq >= expectedSeq && seq <= headSeq) {
          start = i;
          break;
        }
      }
      if (start >= 0) {
        const c = checkpoints[start];
        const row = await this.knex('platform_audit_log')
          .where({ seq: c.seq })
          .first('prev_hash');
        if (!row) {
          return checkpointBroken(
            c,
            `checkpoint of ${c.at} records seq ${c.seq}, which is missing from the chain`,
          );
        }
        mode = 'incremental';
        fromSeq = c.seq;
        expectedSeq = BigInt(c.seq);
        expectedPrev = row.prev_hash;
        nextCheckpoint = start;
      }
    }

    let after = (expectedSeq - 1n).toString();
    // A record before the anchor that is still there, or a purge that left a gap, shows here.
    const early =
      mode === 'full' &&
      (await this.knex('platform_audit_log')
        .where('seq', '<=', after)
        .first('seq', 'id'));
    if (early) {
      return broken({
        seq: String(early.seq),
        id: early.id,
        reason: `record precedes the chain anchor (first seq ${expectedSeq})`,
      });
    }
    let lastKeyId: string | null = null;
    for (;;) {
      const page: AuditRow[] = await this.knex('platform_audit_log')
        .where('seq', '>', after)
        .where('seq', '<=', headSeq.toString())
        .orderBy('seq', 'asc')
        .limit(5000);
      if (page.length === 0) break;
      for (const row of page) {
        const seq = BigInt(row.seq);
        const at = { seq: String(row.seq), id: row.id };
        firstSeq ??= String(row.seq);
        if (seq !== expectedSeq) {
          return broken({
            ...at,
            reason: `sequence gap: expected seq ${expectedSeq}, found ${seq} (records deleted)`,
          });
        }
        if (row.prev_hash !== expectedPrev) {
          return broken({
            ...at,
            reason: 'prev_hash does not match the previous record',
            expected: expectedPrev,
            actual: row.prev_hash,
          });
        }
        let recomputed: string;
        if (row.key_id === null) {
          if (seq >= keyedFrom) {
            return broken({
              ...at,
              reason: `record is not HMAC-signed, but every record from seq ${keyedFrom} must be (forged with a plain sha256 chain)`,
            });
          }
          recomputed = chainHash(row.prev_hash, canonicalAuditRecord(row));
        } else {
          if (!keyring.has(row.key_id)) {
            return broken({
              ...at,
              reason: `record is signed with key '${row.key_id}', which this backend does not hold (add it to platform.audit.hmacKeys to verify)`,
            });
          }
          if (lastKeyId !== null && row.key_id !== lastKeyId) {
            const meta = row.meta as { fromKeyId?: unknown; toKeyId?: unknown };
            if (
              row.action !== KEY_ROTATION_ACTION ||
              meta.fromKeyId !== lastKeyId ||
              meta.toKeyId !== row.key_id
            ) {
              return broken({
                ...at,
                reason: `key changes from '${lastKeyId}' to '${row.key_id}' without a key-rotation record`,
              });
            }
          }
          keyIds.add(row.key_id);
          lastKeyId = row.key_id;
          recomputed = keyring.mac(
            row.key_id,
            row.prev_hash,
            canonicalAuditRecord(row),
          );
        }
        if (recomputed !== row.hash) {
          return broken({
            ...at,
            reason:
              row.key_id === null
                ? 'content does not match its hash (record altered)'
                : 'content does not match its HMAC (record altered, or the chain recomputed without the key)',
            expected: recomputed,
            actual: row.hash,
          });
        }
        while (
          nextCheckpoint < checkpoints.length &&
          BigInt(checkpoints[nextCheckpoint].seq) === seq
        ) {
          const c = checkpoints[nextCheckpoint++];
          comparedCheckpoints++;
          if (c.hash !== row.hash) {
            return checkpointBroken(
              c,
              `checkpoint of ${c.at} says seq ${c.seq} has hash ${c.hash}; the chain has ${row.hash} (chain rewritten after the checkpoint)`,
              row.id,
            );
          }
        }
        checked++;
        lastSeq = String(row.seq);
        expectedPrev = row.hash;
        expectedSeq = seq + 1n;
      }
      after = String(page[page.length - 1].seq);
    }
    if (nextCheckpoint < checkpoints.length) {
      const c = checkpoints[nextCheckpoint];
      return checkpointBroken(
        c,
        `checkpoint of ${c.at} records seq ${
          c.seq
        }, but the chain ends at seq ${
          expectedSeq - 1n
        } (records removed from the end)`,
      );
    }
    if (head && headSeq !== expectedSeq - 1n) {
      return broken({
        seq: String(expectedSeq),
        id: '',
        reason: `chain ends at seq ${expectedSeq - 1n} but the head says ${
          head.last_seq
        } (records deleted from the end)`,
      });
    }
    // Rows past a head that has not moved were not appended by the store.
    const beyond = await this.knex('platform_audit_log')
      .where('seq', '>', headSeq.toString())
      .orderBy('seq', 'asc')
      .first('seq', 'id');
    if (beyond) {
      const now = await this.knex('platform_audit_head')
        .where({ id: 1 })
        .first('last_seq');
      if (BigInt(now.last_seq) === headSeq) {
        return broken({
          seq: String(beyond.seq),
          id: beyond.id,
          reason: `record beyond the chain head (seq ${headSeq}): inserted without moving the head`,
        });
      }
    }
    return result({});
  }

  /**
   * Retention purge: deletes the records recorded before `cutoff` — always a prefix of the
   * chain — and re-anchors the chain on the first remaining record, through the database's
   * `platform_audit_purge` function (SECURITY DEFINER, owned by the purge role: the only
   * deletion the append-only trigger lets through). The anchor is signed here, with the key
   * the database never sees.
   */
  async purgeBefore(
    cutoff: Date,
    runId: string,
  ): Promise<{ deleted: number; anchoredAt?: string }> {
    return this.knex.transaction(async tx => {
      await tx('platform_audit_head').where({ id: 1 }).forUpdate().first();
      const firstYoung = await tx('platform_audit_log')
        .where('recorded_at', '>=', cutoff)
        .min('seq as seq')
        .first();
      const through = firstYoung?.seq
        ? (BigInt(firstYoung.seq) - 1n).toString()
        : (await tx('platform_audit_log').max('seq as seq').first())?.seq;
      if (!through) return { deleted: 0 };
      const lastPurged = await tx('platform_audit_log')
        .where({ seq: through })
        .first('hash');
      if (!lastPurged) return { deleted: 0 };
      const firstSeq = (BigInt(through) + 1n).toString();
      const keyId = this.keyring.currentKeyId;
      const mac = this.keyring.mac(
        keyId,
        canonicalAnchor({
          cutoff,
          first_seq: firstSeq,
          key_id: keyId,
          prev_hash: lastPurged.hash,
          run_id: runId,
        }),
      );
      const {
        rows: [{ deleted }],
      } = await tx.raw(
        'SELECT platform_audit_purge(?, ?, ?, ?, ?, ?) AS deleted',
        [through, lastPurged.hash, cutoff, runId, keyId, mac],
      );
      return { deleted: Number(deleted), anchoredAt: firstSeq };
    });
  }
}

function toRecord(row: AuditRow): SignedAuditRecord {
  return {
    ...normalize(row),
    prev_hash: row.prev_hash,
    hash: row.hash,
    key_id: row.key_id ?? null,
  };
}
