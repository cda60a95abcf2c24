import { LoggerService } from '@backstage/backend-plugin-api';
import {
  EventToEmit,
  PlatformEventsService,
  PlatformSink,
  PreparedEvents,
} from '@internal/plugin-platform-node';
import { LoggedDecision } from './DecisionLog';

type AuditRecords = Parameters<PlatformSink['appendAudit']>[0];
/** A batch's events, written by the decision log's commit statement itself. */
export type DecisionEvents = Pick<PreparedEvents, 'insert' | 'written'>;

/** Default share of decisions emitted as `permission.checked` (spec: 10 %). */
export const CHECKED_SAMPLE_RATE = 0.1;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What goes with a group commit of the decision log: `permission.denied` for every denial and
 * `permission.checked` for a sample of all decisions, as outbox rows the commit statement
 * itself inserts (`events`: atomic with the decisions, no statement per event; v2: the account
 * only when the check names a tenant); then every denial answered by the Check API as a record
 * of the platform audit store (`committed`: one append per commit, awaited — the requests
 * answer only once their denials are in the audit store too).
 */
export class DecisionTrail {
  private readonly sampleRate: number;
  private readonly random: () => number;

  constructor(
    private readonly options: {
      appendAudit: (records: AuditRecords) => Promise<void>;
      events: Pick<PlatformEventsService, 'prepare'>;
      logger: LoggerService;
      checkedSampleRate?: number;
      random?: () => number;
    },
  ) {
    this.sampleRate = options.checkedSampleRate ?? CHECKED_SAMPLE_RATE;
    this.random = options.random ?? Math.random;
  }

  /**
   * The events of a batch about to commit, for its commit statement; undefined when there are
   * none or they could not be built (events are best effort: logged, the decisions commit).
   */
  events(decisions: readonly LoggedDecision[]): DecisionEvents | undefined {
    const events: EventToEmit[] = [];
    for (const d of decisions) this.eventsOf(d, events);
    if (events.length === 0) return undefined;
    try {
      return this.options.events.prepare(events);
    } catch (error) {
      this.options.logger.warn(
        `authz: ${events.length} permission events not emitted: ${
          (error as Error).message
        }`,
      );
      return undefined;
    }
  }

  /** Called with the decisions of one committed batch; rejects if the audit append fails. */
  async committed(decisions: LoggedDecision[]): Promise<void> {
    const denied = decisions.filter(d => !d.decision.allowed);
    if (denied.length > 0) {
      await this.options.appendAudit(denied.map(d => this.auditRecord(d)));
    }
  }

  private auditRecord(d: LoggedDecision): AuditRecords[number] {
    const { check, decision } = d;
    return {
      actor: d.caller,
      action: 'authz.decision',
      resource: `${check.resource.type}:${check.resource.id}`,
      outcome: 'failed',
      severity: 'medium',
      plugin: 'authz',
      meta: {
        decisionId: decision.decisionId,
        subject: `${check.subject.type}:${check.subject.id}`,
        action: check.action,
        reason: decision.reason,
        mode: decision.mode ?? 'enforce',
        policyRevision: decision.policyRevision,
        ...(d.team ? { team: d.team } : {}),
        ...(d.endpoint ? { endpoint: d.endpoint } : {}),
      },
    };
  }

  private eventsOf(d: LoggedDecision, out: EventToEmit[]) {
    const { check, decision } = d;
    const account = check.resource.attributes?.account;
    const identity = {
      ...(check.subject.type === 'product-user' && UUID.test(check.subject.id)
        ? { user_id: check.subject.id }
        : {}),
      ...(check.subject.type === 'portal-user' &&
      check.subject.id.startsWith('user:')
        ? { user_id: check.subject.id }
        : {}),
      ...(typeof account === 'string' && UUID.test(account)
        ? { account_id: account }
        : {}),
    };
    const common = {
      subject_id: `${check.subject.type}:${check.subject.id}`,
      action: check.action,
      resource_type: check.resource.type,
      resource_id: check.resource.id,
      reason: decision.reason,
      policy_revision: decision.policyRevision,
    };
    if (!decision.allowed) {
      out.push({ name: 'permission.denied.v2', properties: common, identity });
    }
    if (this.random() < this.sampleRate) {
      out.push({
        name: 'permission.checked.v2',
        properties: {
          ...common,
          result: decision.allowed ? 'allowed' : 'denied',
          cache_hit: decision.cacheHit,
        },
        identity,
      });
    }
  }
}
