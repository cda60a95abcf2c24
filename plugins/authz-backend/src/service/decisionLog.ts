import { AuditorService } from '@backstage/backend-plugin-api';
import { CheckRequest, Decision } from '@internal/plugin-authz-common';
import { Request } from 'express';

/**
 * Writes the decisions of one request to the audit store through the auditor (the platform
 * auditor appends to the tamper-evident store and resolves `success()` once committed).
 * The response waits for that commit: an acknowledged decision is never lost.
 */
export async function logDecisions(
  auditor: AuditorService,
  req: Request,
  checks: CheckRequest[],
  decisions: Decision[],
): Promise<void> {
  const denied = decisions.filter(d => !d.allowed).length;
  const event = await auditor.createEvent({
    eventId: 'permission-check',
    severityLevel: denied > 0 ? 'medium' : 'low',
    request: req,
    meta: {
      resource: 'authz/decisions',
      checks: checks.length,
      denied,
      decisions: checks.map((c, i) => ({
        subject: `${c.subject.type}:${c.subject.id}`,
        action: c.action,
        resource: `${c.resource.type}:${c.resource.id}`,
        allowed: decisions[i].allowed,
        reason: decisions[i].reason,
        decisionId: decisions[i].decisionId,
        policyRevision: decisions[i].policyRevision,
      })),
    },
  });
  await event.success();
}
