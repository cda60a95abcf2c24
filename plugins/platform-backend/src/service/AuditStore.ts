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

interface Pending {
  row: Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>;
  resolve: (receipt: AuditReceipt) => void;
  reject: (error: unknown) => void;
}

/** A stored row: the API record with the database's Date columns. */
type AuditRow = Omit<AuditRecord, 'recorded_at' | 'occurred_at'> & {
  recorded_at: Date;
  occurred_at: Date;
};

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
  row: Omit<AuditRow, 'prev_hash' | 'hash'>,
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

/** The fields a record's hash covers, in canonical form. */
export function canonicalAuditRecord(
  row: Omit<AuditRow, 'prev_hash' | 'hash'>,
): string {
  return canonicalJson(normalize(row));
}

/**
 * The tamper-evident audit store. Appends are group-committed: everything appended while a
 * batch is being written goes into the next batch, one transaction per batch, chained after
 * the head row (locked FOR UPDATE, so appenders in several processes keep one chain).
 * `append` resolves once its record has committed.
 */
export class AuditStore {
  private queue: Pending[] = [];
  private writing?: Promise<void>;

  constructor(
    private readonly knex: Knex,
    private readonly options: { maxBatch?: number; now?: () => Date } = {},
  ) {}

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
    return this.knex.transaction(async tx => {
      const head = await tx('platform_audit_head')
        .where({ id: 1 })
        .forUpdate()
        .first();
      let seq = BigInt(head.last_seq);
      let prev: string = head.last_hash;
      // Records in one batch share the commit; recorded_at must not go backwards in the chain.
      const full: AuditRow[] = rows.map(row => {
        seq += 1n;
        const withSeq = { ...row, seq: seq.toString() };
        const hash = chainHash(prev, canonicalAuditRecord(withSeq));
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
      await tx('platform_audit_head')
        .where({ id: 1 })
        .update({ last_seq: seq.toString(), last_hash: prev });
      return full.map(r => ({ id: r.id, seq: r.seq, hash: r.hash }));
    });
  }

  /** Waits until everything appended so far is written. */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async query(q: AuditQuery): Promise<AuditRecord[]> {
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
   * Walks the chain from its anchor (genesis, or the latest retention re-anchor) and
   * recomputes every hash; names the first record whose stored hash, link or sequence is wrong.
   */
  async verify(): Promise<AuditVerifyResult> {
    const anchor = await this.knex('platform_audit_anchors')
      .orderBy('id', 'desc')
      .first();
    let expectedPrev = anchor?.prev_hash ?? GENESIS_HASH;
    let expectedSeq = anchor ? BigInt(anchor.first_seq) : 1n;
    let checked = 0;
    let firstSeq: string | undefined;
    let lastSeq: string | undefined;
    const result = (extra: Partial<AuditVerifyResult>): AuditVerifyResult => ({
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
      ...extra,
    });
    let after = (expectedSeq - 1n).toString();
    // A record before the anchor that is still there, or a purge that left a gap, shows here.
    const early = await this.knex('platform_audit_log')
      .where('seq', '<=', after)
      .first('seq', 'id');
    if (early) {
      return result({
        valid: false,
        firstBroken: {
          seq: String(early.seq),
          id: early.id,
          reason: `record precedes the chain anchor (first seq ${expectedSeq})`,
        },
      });
    }
    for (;;) {
      const page: AuditRow[] = await this.knex('platform_audit_log')
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(5000);
      if (page.length === 0) break;
      for (const row of page) {
        const seq = BigInt(row.seq);
        firstSeq ??= String(row.seq);
        if (seq !== expectedSeq) {
          return result({
            valid: false,
            firstBroken: {
              seq: String(row.seq),
              id: row.id,
              reason: `sequence gap: expected seq ${expectedSeq}, found ${seq} (records deleted)`,
            },
          });
        }
        if (row.prev_hash !== expectedPrev) {
          return result({
            valid: false,
            firstBroken: {
              seq: String(row.seq),
              id: row.id,
              reason: 'prev_hash does not match the previous record',
              expected: expectedPrev,
              actual: row.prev_hash,
            },
          });
        }
        const recomputed = chainHash(row.prev_hash, canonicalAuditRecord(row));
        if (recomputed !== row.hash) {
          return result({
            valid: false,
            firstBroken: {
              seq: String(row.seq),
              id: row.id,
              reason: 'content does not match its hash (record altered)',
              expected: recomputed,
              actual: row.hash,
            },
          });
        }
        checked++;
        lastSeq = String(row.seq);
        expectedPrev = row.hash;
        expectedSeq = seq + 1n;
      }
      after = String(page[page.length - 1].seq);
    }
    const head = await this.knex('platform_audit_head')
      .where({ id: 1 })
      .first();
    if (head && BigInt(head.last_seq) !== expectedSeq - 1n) {
      return result({
        valid: false,
        firstBroken: {
          seq: String(expectedSeq),
          id: '',
          reason: `chain ends at seq ${expectedSeq - 1n} but the head says ${
            head.last_seq
          } (records deleted from the end)`,
        },
      });
    }
    return result({});
  }

  /**
   * Retention purge: deletes the records recorded before `cutoff` — always a prefix of the
   * chain — and re-anchors the chain on the first remaining record, in one transaction. The
   * only deletion the append-only trigger lets through.
   */
  async purgeBefore(
    cutoff: Date,
    runId: string,
  ): Promise<{ deleted: number; anchoredAt?: string }> {
    return this.knex.transaction(async tx => {
      await tx('platform_audit_head').where({ id: 1 }).forUpdate().first();
      const last = await tx('platform_audit_log')
        .where('recorded_at', '<', cutoff)
        .max('seq as seq')
        .first();
      if (!last?.seq) return { deleted: 0 };
      const lastPurged = await tx('platform_audit_log')
        .where({ seq: last.seq })
        .first('hash');
      await tx.raw(`SET LOCAL platform.audit_purge = 'on'`);
      const deleted = await tx('platform_audit_log')
        .where('seq', '<=', last.seq)
        .delete();
      await tx.raw(`SET LOCAL platform.audit_purge = 'off'`);
      const firstSeq = (BigInt(last.seq) + 1n).toString();
      await tx('platform_audit_anchors').insert({
        first_seq: firstSeq,
        prev_hash: lastPurged.hash,
        purged_count: deleted,
        cutoff,
        run_id: runId,
      });
      return { deleted, anchoredAt: firstSeq };
    });
  }
}

function toRecord(row: AuditRow): AuditRecord {
  return { ...normalize(row), prev_hash: row.prev_hash, hash: row.hash };
}
