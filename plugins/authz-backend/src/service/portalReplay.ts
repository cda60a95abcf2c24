import { Knex } from 'knex';
import {
  PortalPolicy,
  PortalPolicyAnswer,
  PortalUserSource,
  RecordedPortalDecision,
} from '@internal/plugin-authz-node';
import { ReplayAnswer, ReplayResult, replaySummary } from './replay';

const TABLE = 'authz_portal_decisions';

interface DbPortalDecisionRow {
  id: string;
  decided_at: Date;
  user_ref: string | null;
  permission: string;
  permission_action: string;
  resource_type: string | null;
  result: RecordedPortalDecision['result'];
  reason: string;
  policy_revision: string;
}

export interface StoredPortalDecision extends RecordedPortalDecision {
  id: string;
  decidedAt: string;
}

/** The portal policy's audited decisions, kept in the authz database for replay. */
export class PortalDecisionStore {
  constructor(private readonly knex: Knex) {}

  async insert(d: RecordedPortalDecision): Promise<void> {
    await this.knex(TABLE).insert({
      user_ref: d.userRef ?? null,
      permission: d.permission.name,
      permission_action: d.permission.action,
      resource_type: d.permission.resourceType ?? null,
      result: d.result,
      reason: d.reason,
      policy_revision: d.policyRevision,
    });
  }

  /** The newest `limit` decisions, newest first. */
  async last(limit: number): Promise<StoredPortalDecision[]> {
    const rows: DbPortalDecisionRow[] = await this.knex(TABLE)
      .orderBy('id', 'desc')
      .limit(limit);
    return rows.map(r => ({
      id: String(r.id),
      decidedAt: new Date(r.decided_at).toISOString(),
      ...(r.user_ref ? { userRef: r.user_ref } : {}),
      permission: {
        name: r.permission,
        action: r.permission_action,
        ...(r.resource_type ? { resourceType: r.resource_type } : {}),
      },
      result: r.result,
      reason: r.reason,
      policyRevision: r.policy_revision,
    }));
  }
}

const answerOf = (a: {
  result: RecordedPortalDecision['result'];
  reason: string;
}): ReplayAnswer => ({
  allowed: a.result !== 'DENY',
  reason: a.reason,
  result: a.result,
});

/**
 * Decides recorded portal decisions again with a candidate portal policy. Users resolve from
 * today's catalog, as the permission module resolves them (a user the organisation does not
 * define has only its own ref and no grants); the blast radius groups by the user's first team
 * and the permission.
 */
export async function replayPortalDecisions(
  candidate: PortalPolicy,
  recorded: StoredPortalDecision[],
  users: PortalUserSource,
  maxFlips: number,
): Promise<ReplayResult> {
  const refs = recorded.flatMap(r => (r.userRef ? [r.userRef] : []));
  const known = refs.length > 0 ? await users.load(refs) : new Map();
  return replaySummary(
    candidate.revision,
    recorded.map(r => {
      const attributes = r.userRef ? known.get(r.userRef) : undefined;
      const answer: PortalPolicyAnswer = candidate.decide({
        permission: {
          name: r.permission.name,
          attributes: { action: r.permission.action },
          ...(r.permission.resourceType
            ? { resourceType: r.permission.resourceType }
            : {}),
        },
        user: r.userRef
          ? {
              ownershipRefs: [r.userRef, ...(attributes?.teams ?? [])],
              accountAccess: attributes?.accountAccess ?? [],
              dataClasses: attributes?.dataClasses ?? [],
            }
          : null,
      });
      const team = attributes?.teams[0];
      return {
        decisionId: r.id,
        decidedAt: r.decidedAt,
        subject: r.userRef ? `portal-user:${r.userRef}` : 'none',
        action: r.permission.name,
        resource: r.permission.resourceType ?? r.permission.name,
        ...(team ? { team } : {}),
        before: answerOf(r),
        after: answerOf(answer),
      };
    }),
    maxFlips,
  );
}
