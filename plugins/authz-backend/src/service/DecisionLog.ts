import { Knex } from 'knex';
import { CheckRequest, Decision } from '@internal/plugin-authz-common';
import { EnforcementMode, ShadowRecord } from './ShadowStore';
import { commitStatement } from './decisionLog/commitStatement';
import { PreparedStatements } from './decisionLog/preparedStatements';
import type { DecisionEvents } from './DecisionTrail';

/** One answered decision, as the log keeps it. */
export interface LoggedDecision {
  caller: string;
  check: CheckRequest;
  decision: Decision;
  team?: string;
  endpoint?: string;
  /** The policy's own answer (absent in `off` mode, where the policy is not asked). */
  policy?: { allowed: boolean; reason: string };
  /**
   * The evaluator's latency for this decision in µs (cache lookup, or subject load plus policy
   * evaluation on a miss; never the log commit). Absent in `off` mode (nothing evaluated).
   */
  latencyUs?: number;
}

interface DbDecisionRow {
  id: string;
  decision_id: string;
  decided_at: Date;
  caller: string;
  subject: string;
  action: string;
  resource: string;
  team: string | null;
  endpoint: string | null;
  mode: EnforcementMode;
  allowed: boolean;
  reason: string;
  policy_allowed: boolean | null;
  policy_reason: string | null;
  policy_revision: string;
  cache_hit: boolean;
  check: CheckRequest;
}

export interface DecisionLogEntry {
  seq: string;
  decisionId: string;
  decidedAt: string;
  caller: string;
  subject: string;
  action: string;
  resource: string;
  team?: string;
  endpoint?: string;
  mode: EnforcementMode;
  allowed: boolean;
  reason: string;
  policyAllowed?: boolean;
  policyReason?: string;
  policyRevision: string;
  cacheHit: boolean;
  check: CheckRequest;
}

export interface DecisionQuery {
  subject?: string;
  action?: string;
  outcome?: 'allowed' | 'denied';
  team?: string;
  from?: string;
  to?: string;
  /** Only entries with a smaller seq (paging newest first). */
  before?: string;
  limit: number;
}

export interface DecisionLogOptions {
  /** Most rows in one commit (default 5,000). */
  maxBatch?: number;
  /** Appends wait (backpressure) while this many decisions are queued (default 50,000). */
  maxQueued?: number;
  /**
   * The events of a batch (see DecisionTrail.events): their outbox rows are inserted by the
   * commit statement itself, so they commit with the decisions in the same round trip.
   */
  events?: (decisions: readonly LoggedDecision[]) => DecisionEvents | undefined;
  /**
   * Called with each committed batch's decisions before its appends resolve (the audit store
   * and events, see DecisionTrail); a rejection fails the appends of the batch. The next
   * batch's statement may run meanwhile (the audit append and the next commit overlap).
   */
  onCommitted?: (decisions: LoggedDecision[]) => Promise<void>;
}

interface Pending {
  decisions: LoggedDecision[];
  shadow: ShadowRecord[];
  done: () => void;
  failed: (error: Error) => void;
}

const toEntry = (r: DbDecisionRow): DecisionLogEntry => ({
  seq: String(r.id),
  decisionId: r.decision_id,
  decidedAt: new Date(r.decided_at).toISOString(),
  caller: r.caller,
  subject: r.subject,
  action: r.action,
  resource: r.resource,
  ...(r.team === null ? {} : { team: r.team }),
  ...(r.endpoint === null ? {} : { endpoint: r.endpoint }),
  mode: r.mode,
  allowed: r.allowed,
  reason: r.reason,
  ...(r.policy_allowed === null ? {} : { policyAllowed: r.policy_allowed }),
  ...(r.policy_reason === null ? {} : { policyReason: r.policy_reason }),
  policyRevision: r.policy_revision,
  cacheHit: r.cache_hit,
  check: r.check,
});

/**
 * The durable decision log, written by group commit: every append waiting while a commit is
 * in flight joins the next one (one statement, see commitStatement), and each
 * append resolves only once its rows are committed. Under load appends wait for room in the
 * queue (backpressure) rather than dropping anything.
 */
export class DecisionLog {
  private queue: Pending[] = [];
  private queued = 0;
  private flushing = false;
  private committedBatches = 0;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private readonly statements: PreparedStatements;

  constructor(
    private readonly knex: Knex,
    private readonly options: DecisionLogOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 5000;
    this.maxQueued = options.maxQueued ?? 50_000;
    this.statements = new PreparedStatements(knex);
  }

  /** Resolves once every given decision (and shadow record) is committed. */
  async append(
    decisions: LoggedDecision[],
    shadow: ShadowRecord[] = [],
  ): Promise<void> {
    if (decisions.length === 0 && shadow.length === 0) return;
    while (this.queued > 0 && this.queued + decisions.length > this.maxQueued) {
      await new Promise<void>(resolve => this.roomWaiters.push(resolve));
    }
    const committed = new Promise<void>((done, failed) => {
      this.queue.push({ decisions, shadow, done, failed });
    });
    this.queued += decisions.length;
    this.flush();
    await committed;
  }

  /** Transactions committed so far (with `pending`, shows the grouping). */
  get commits(): number {
    return this.committedBatches;
  }

  /** Decisions queued and not yet committed (a gauge for the backpressure). */
  get pending(): number {
    return this.queued;
  }

  /**
   * Starts the next commit unless one is in flight. Its statement and the previous batch's
   * `onCommitted` (the audit append) overlap: the next statement starts as soon as this one
   * has committed, while each batch's appends still resolve only after its own `onCommitted`.
   */
  private flush(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch: Pending[] = [];
    let rows = 0;
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || rows < this.maxBatch)
    ) {
      const next = this.queue.shift()!;
      batch.push(next);
      rows += next.decisions.length;
    }
    const decisions = batch.flatMap(p => p.decisions);
    const committed = this.commit(
      decisions,
      batch.flatMap(p => p.shadow),
    ).finally(() => {
      this.flushing = false;
      this.flush();
    });
    committed
      .then(async () => {
        this.committedBatches++;
        if (decisions.length > 0) await this.options.onCommitted?.(decisions);
      })
      .then(
        () => batch.forEach(p => p.done()),
        (error: Error) => batch.forEach(p => p.failed(error)),
      )
      .finally(() => {
        this.queued -= rows;
        while (this.roomWaiters.length > 0 && this.queued < this.maxQueued) {
          this.roomWaiters.shift()!();
        }
        this.flush();
      });
  }

  /** One group commit: decisions, shadow records and their events in one statement. */
  private async commit(
    decisions: LoggedDecision[],
    shadow: ShadowRecord[],
  ): Promise<void> {
    const events =
      decisions.length > 0 ? this.options.events?.(decisions) : undefined;
    const { sql, bindings } = commitStatement(
      decisions,
      shadow,
      events?.insert(),
    );
    await this.statements.run(sql, bindings);
    events?.written();
  }

  private filtered(q: Omit<DecisionQuery, 'limit' | 'before'>) {
    const query = this.knex<DbDecisionRow>('authz_decisions');
    if (q.subject) query.where('subject', q.subject);
    if (q.action) query.where('action', q.action);
    if (q.team) query.where('team', q.team);
    if (q.outcome) query.where('allowed', q.outcome === 'allowed');
    if (q.from) query.where('decided_at', '>=', q.from);
    if (q.to) query.where('decided_at', '<', q.to);
    return query;
  }

  /** Newest first; `nextBefore` pages on. */
  async query(
    q: DecisionQuery,
  ): Promise<{ decisions: DecisionLogEntry[]; nextBefore?: string }> {
    const query = this.filtered(q);
    if (q.before) query.where('id', '<', q.before);
    const rows: DbDecisionRow[] = await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .select();
    const page = rows.slice(0, q.limit).map(toEntry);
    return {
      decisions: page,
      ...(rows.length > q.limit
        ? { nextBefore: page[page.length - 1].seq }
        : {}),
    };
  }

  /** Every matching entry, oldest first, one page of rows at a time. */
  async *export(
    q: Omit<DecisionQuery, 'limit' | 'before'>,
    pageSize = 2000,
  ): AsyncGenerator<DecisionLogEntry> {
    let after = '0';
    for (;;) {
      const rows: DbDecisionRow[] = await this.filtered(q)
        .where('id', '>', after)
        .orderBy('id', 'asc')
        .limit(pageSize)
        .select();
      for (const row of rows) yield toEntry(row);
      if (rows.length < pageSize) return;
      after = String(rows[rows.length - 1].id);
    }
  }

  /** The last `limit` decisions the policy made (not `off` ones), newest first. */
  async lastPolicyDecisions(limit: number): Promise<DecisionLogEntry[]> {
    const rows: DbDecisionRow[] = await this.knex<DbDecisionRow>(
      'authz_decisions',
    )
      .whereNotNull('policy_allowed')
      .orderBy('id', 'desc')
      .limit(limit)
      .select();
    return rows.map(toEntry);
  }

  async count(): Promise<number> {
    const row = await this.knex('authz_decisions').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }
}
