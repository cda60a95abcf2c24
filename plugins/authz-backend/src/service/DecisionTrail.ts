import { LoggerService } from '@backstage/backend-plugin-api';
import {
  PlatformEventsService,
  PlatformSink,
} from '@internal/plugin-platform-node';
import { LoggedDecision } from './DecisionLog';

type AuditRecords = Parameters<PlatformSink['appendAudit']>[0];

/** Default share of decisions emitted as `permission.checked` (spec: 10 %). */
export const CHECKED_SAMPLE_RATE = 0.1;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What follows a group commit of the decision log: every denial answered by the Check API as a
 * record of the platform audit store (one append per commit, awaited — the requests answer
 * only once their denials are in the audit store too), `permission.denied` for every denial
 * and `permission.checked` for a sample of all decisions into the platform event log (v2: the
 * account only when the check names a tenant).
 */
export class DecisionTrail {
  private readonly sampleRate: number;
  private readonly random: () => number;

  constructor(
    private readonly options: {
      appendAudit: (records: AuditRecords) => Promise<void>;
      events: Pick<PlatformEventsService, 'emit'>;
      logger: LoggerService;
      checkedSampleRate?: number;
      random?: () => number;
    },
  ) {
    this.sampleRate = options.checkedSampleRate ?? CHECKED_SAMPLE_RATE;
    this.random = options.random ?? Math.random;
  }

  /** Called with the decisions of one committed batch; rejects if the audit append fails. */
  async committed(decisions: LoggedDecision[]): Promise<void> {
    decisions.forEach(d => this.emitEvents(d));
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

  private emitEvents(d: LoggedDecision) {
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
    const emit = (name: string, properties: Record<string, unknown>) =>
      this.options.events
        .emit(name, properties, identity)
        .catch(error =>
          this.options.logger.warn(
            `authz: ${name} not emitted: ${(error as Error).message}`,
          ),
        );
    if (!decision.allowed) emit('permission.denied.v2', common);
    if (this.random() < this.sampleRate) {
      emit('permission.checked.v2', {
        ...common,
        result: decision.allowed ? 'allowed' : 'denied',
        cache_hit: decision.cacheHit,
      });
    }
  }
}
