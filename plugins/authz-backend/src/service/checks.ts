import express from 'express';
import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  authzCheckPermission,
  CheckRequest,
  Decision,
} from '@internal/plugin-authz-common';
import { AuthzEvaluator, DecisionRecord } from '@internal/plugin-authz-node';
import {
  actorRef,
  authorizeOrThrow,
  RequestValidationError,
} from '@internal/plugin-platform-node';
import { randomUUID } from 'node:crypto';
import { EnforcementModes } from './EnforcementModes';
import { ShadowRecord } from './ShadowStore';
import { DecisionLog, LoggedDecision } from './DecisionLog';
import { assertSubjectClaims } from './subjectClaims';

export interface CheckPathOptions {
  evaluator: AuthzEvaluator;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  decisionLog: DecisionLog;
  modes: EnforcementModes;
  /** sha256 of this replica's active revision (answers of `off` checks name it). */
  activeRevision: () => string | undefined;
  /** Service principal subjects allowed to check on behalf of product users. */
  productUserCallers: ReadonlySet<string>;
}

/**
 * Decides the checks of one `/v1/check` or `/v1/check/batch` request: authenticates and
 * authorizes the caller, applies each team and endpoint's mode (off, shadow, enforce), records
 * shadow decisions, and answers only once every decision is committed to the decision log.
 * `fieldPrefix(i)` names check `i` in validation errors (`body.` or `body.checks[i].`).
 */
export type CheckedRequest = (
  req: express.Request,
  checks: CheckRequest[],
  fieldPrefix: (i: number) => string,
) => Promise<Decision[]>;

export function createCheckPath(options: CheckPathOptions): CheckedRequest {
  const { evaluator, httpAuth, permissions, productUserCallers } = options;
  return async (req, checks, fieldPrefix) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeOrThrow(permissions, credentials, [
      { permission: authzCheckPermission },
    ]);
    assertSubjectClaims(credentials, checks, productUserCallers, fieldPrefix);
    const modes = checks.map(c => options.modes.modeOf(c.context));
    const missingLegacy = checks
      .map((c, i) => ({ c, i }))
      .filter(
        ({ c, i }) =>
          modes[i].mode !== 'enforce' && c.legacyDecision === undefined,
      )
      .map(({ i }) => ({
        path: `${fieldPrefix(i)}legacyDecision`,
        message: `required: ${modes[i].team} / ${modes[i].endpoint} is in ${modes[i].mode} mode`,
      }));
    if (missingLegacy.length > 0) {
      throw RequestValidationError.fromIssues('request', missingLegacy);
    }
    // the policy decides every check that is not off (shadow ones are only recorded)
    const evaluated = checks
      .map((c, i) => ({ c, i }))
      .filter(({ i }) => modes[i].mode !== 'off');
    const { decisions: policyDecisions, latencyUs } =
      await evaluator.checkBatchTimed(evaluated.map(e => e.c));
    const latencies: Array<number | undefined> = checks.map(() => undefined);
    const answers: Decision[] = checks.map(() => undefined as never);
    const policyAnswers: Array<Decision | undefined> = checks.map(
      () => undefined,
    );
    const shadowRecords: ShadowRecord[] = [];
    evaluated.forEach(({ c, i }, k) => {
      const policy = policyDecisions[k];
      policyAnswers[i] = policy;
      latencies[i] = latencyUs[k];
      const { mode, team, endpoint } = modes[i];
      if (mode === 'enforce') {
        answers[i] = { ...policy, mode };
        return;
      }
      answers[i] = {
        ...policy,
        allowed: c.legacyDecision === true,
        reason: 'legacy_decision',
        mode,
      };
      shadowRecords.push({
        team: team!,
        endpoint: endpoint!,
        decisionId: policy.decisionId,
        subject: `${c.subject.type}:${c.subject.id}`,
        action: c.action,
        resource: `${c.resource.type}:${c.resource.id}`,
        legacyAllowed: c.legacyDecision === true,
        legacyReason:
          typeof c.context?.legacyReason === 'string'
            ? c.context.legacyReason
            : undefined,
        policyAllowed: policy.allowed,
        policyReason: policy.reason,
        policyRevision: policy.policyRevision,
      });
    });
    checks.forEach((c, i) => {
      if (modes[i].mode === 'off') {
        answers[i] = {
          allowed: c.legacyDecision === true,
          reason: 'legacy_decision',
          decisionId: randomUUID(),
          policyRevision: options.activeRevision() ?? 'none',
          cacheHit: false,
          mode: 'off',
        };
      }
    });
    const caller = actorRef(credentials);
    const logged: LoggedDecision[] = checks.map((check, i) => ({
      caller,
      check,
      decision: answers[i],
      team: modes[i].team,
      endpoint: modes[i].endpoint,
      policy: policyAnswers[i] && {
        allowed: policyAnswers[i]!.allowed,
        reason: policyAnswers[i]!.reason,
      },
      latencyUs: latencies[i],
    }));
    // the answer waits for the group commit of its decisions (and shadow records)
    await options.decisionLog.append(logged, shadowRecords);
    return answers;
  };
}

/** An in-process (SDK) decision as the log keeps it: always enforced, team from the context. */
export function sdkLoggedDecision(
  record: DecisionRecord,
  caller: string,
): LoggedDecision {
  const { check, decision, latencyUs } = record;
  const team = check.context?.team;
  const endpoint = check.context?.endpoint;
  return {
    caller,
    check,
    decision: { ...decision, mode: 'enforce' },
    ...(typeof team === 'string' ? { team } : {}),
    ...(typeof endpoint === 'string' ? { endpoint } : {}),
    policy: { allowed: decision.allowed, reason: decision.reason },
    latencyUs,
  };
}
