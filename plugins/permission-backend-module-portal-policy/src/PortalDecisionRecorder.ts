import { LoggerService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { AuditRecordInput } from '@internal/plugin-platform-common';
import { PlatformEventsService } from '@internal/plugin-platform-node';
import { RecordedPortalDecision } from '@internal/plugin-authz-node';
import { PortalDecisionRecord } from './RegoPortalPermissionPolicy';
import { ADMIN_ONLY_PERMISSIONS } from './roles';

/** Default share of decisions emitted as `permission.checked` (spec: 10 %). */
export const CHECKED_SAMPLE_RATE = 0.1;

const RESULT_NAMES = {
  [AuthorizeResult.ALLOW]: 'allowed',
  [AuthorizeResult.DENY]: 'denied',
  [AuthorizeResult.CONDITIONAL]: 'conditional',
} as const;

const adminOnly = new Set(ADMIN_ONLY_PERMISSIONS.map(p => p.name));

/**
 * Where a portal policy decision goes besides the answer: denials and admin actions (an
 * administrator allowed a write or an admin-only read) into the platform audit store, awaited
 * — the decision waits for the record's commit — and, best effort, into the replay table; `permission.denied` for every denial and
 * `permission.checked` for a sample of all decisions into the platform event log (v2 schemas:
 * no account, these decisions concern no tenant).
 */
export class PortalDecisionRecorder {
  private readonly sampleRate: number;
  private readonly random: () => number;

  constructor(
    private readonly options: {
      events: Pick<PlatformEventsService, 'emit'>;
      appendAudit: (records: AuditRecordInput[]) => Promise<void>;
      /**
       * Keeps the audited decisions for replay (the authz backend's portal decision table,
       * through ActivePortalPolicy.record); awaited with the audit append, but a failure is
       * only logged (a warning): replay misses that decision, the decision stands.
       */
      recordForReplay?: (decision: RecordedPortalDecision) => Promise<void>;
      /** Used when a record names no revision (no policy was in force). */
      policyRevision?: string;
      logger: LoggerService;
      checkedSampleRate?: number;
      random?: () => number;
    },
  ) {
    this.sampleRate = options.checkedSampleRate ?? CHECKED_SAMPLE_RATE;
    this.random = options.random ?? Math.random;
  }

  /** Resolves once an audited decision's record is committed; rejects if it is not. */
  async record(record: PortalDecisionRecord): Promise<void> {
    this.emitEvents(record);
    if (isAudited(record)) {
      await Promise.all([
        this.options.appendAudit([this.auditRecord(record)]),
        this.keepForReplay(record),
      ]);
    }
  }

  /** Best effort: an authz database outage must not deny admin writes (the audit record stays). */
  private async keepForReplay(record: PortalDecisionRecord): Promise<void> {
    try {
      await this.options.recordForReplay?.(this.replayRecord(record));
    } catch (error) {
      this.options.logger.warn(
        `portal policy: decision on ${
          record.permission.name
        } not kept for replay: ${(error as Error).message}`,
      );
    }
  }

  private auditRecord(record: PortalDecisionRecord): AuditRecordInput {
    const { permission, answer, decision, userRef } = record;
    const denied = decision.result === AuthorizeResult.DENY;
    return {
      actor: userRef ?? 'none',
      action: 'permission.decision',
      resource: permission.name,
      outcome: denied ? 'failed' : 'succeeded',
      severity: denied ? 'medium' : 'high',
      plugin: 'permission',
      meta: {
        permission: permission.name,
        permissionAction: permission.attributes.action ?? 'read',
        ...('resourceType' in permission
          ? { resourceType: permission.resourceType }
          : {}),
        result: RESULT_NAMES[decision.result],
        reason: answer.reason,
        policyRevision: this.revisionOf(record),
        latencyMs: record.latencyMs,
      },
    };
  }

  private replayRecord(record: PortalDecisionRecord): RecordedPortalDecision {
    const { permission, answer, userRef } = record;
    return {
      ...(userRef ? { userRef } : {}),
      permission: {
        name: permission.name,
        action: permission.attributes.action ?? 'read',
        ...('resourceType' in permission
          ? { resourceType: permission.resourceType }
          : {}),
      },
      result: answer.result,
      reason: answer.reason,
      policyRevision: this.revisionOf(record),
    };
  }

  private revisionOf(record: PortalDecisionRecord): string {
    return record.policyRevision ?? this.options.policyRevision ?? 'none';
  }

  private emitEvents(record: PortalDecisionRecord) {
    const { permission, answer, decision, userRef } = record;
    const identity = userRef ? { user_id: userRef } : {};
    const common = {
      subject_id: userRef ?? 'none',
      action: permission.name,
      ...('resourceType' in permission
        ? { resource_type: permission.resourceType }
        : {}),
      reason: answer.reason,
      policy_revision: this.revisionOf(record),
    };
    const emit = (name: string, properties: Record<string, unknown>) =>
      this.options.events
        .emit(name, properties, identity)
        .catch(error =>
          this.options.logger.warn(
            `portal policy: ${name} not emitted: ${(error as Error).message}`,
          ),
        );
    if (decision.result === AuthorizeResult.DENY) {
      emit('permission.denied.v2', common);
    }
    if (this.random() < this.sampleRate) {
      emit('permission.checked.v2', {
        ...common,
        result: RESULT_NAMES[decision.result],
        latency_ms: Math.max(0, record.latencyMs),
      });
    }
  }
}

/** Denials, and what only administrators may do: writes and admin-only reads they were allowed. */
export function isAudited({
  decision,
  answer,
  permission,
}: PortalDecisionRecord) {
  if (decision.result === AuthorizeResult.DENY) return true;
  if (answer.reason !== 'platform_admin') return false;
  return (
    (permission.attributes.action ?? 'read') !== 'read' ||
    adminOnly.has(permission.name)
  );
}
