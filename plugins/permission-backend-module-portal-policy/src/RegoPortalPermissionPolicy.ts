import {
  AuthorizeResult,
  PolicyDecision,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  PORTAL_POLICY_ERROR,
  PortalPolicyAnswer,
  PortalPolicyInput,
  PortalPolicyProvider,
} from '@internal/plugin-authz-node';
import { PortalPolicyLookups } from './lookups';
import { portalDecision } from './portalDecision';

const deny: PolicyDecision = { result: AuthorizeResult.DENY };

/** One decision of the portal policy, as handed to the audit store and the event log. */
export interface PortalDecisionRecord {
  permission: PolicyQuery['permission'];
  user?: PolicyQueryUser;
  /** The user's entity ref as the policy saw it (first `user:` ownership ref). */
  userRef?: string;
  answer: PortalPolicyAnswer;
  decision: PolicyDecision;
  latencyMs: number;
  /** sha256 of the revision that decided; absent when no policy was in force. */
  policyRevision?: string;
}

/**
 * The portal's Backstage PermissionPolicy: every decision comes from the Rego portal policy
 * (`policies/portal`) evaluated in-process by authz-node. This class only gathers what the
 * policy reads about the user from the catalog and turns its answer into a Backstage decision.
 * Fails closed: a lookup or policy error denies.
 */
export class RegoPortalPermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly deps: PortalPolicyLookups & {
      /** A fixed PortalPolicy, or the active stored revision (ActivePortalPolicy). */
      policy: PortalPolicyProvider;
      /** Awaited: an allow whose record cannot be written is answered with a deny. */
      onDecision?: (record: PortalDecisionRecord) => Promise<void> | void;
      onError?: (error: Error) => void;
    },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const started = performance.now();
    const { permission } = request;
    let answer: PortalPolicyAnswer;
    let userRef: string | undefined;
    let policyRevision: string | undefined;
    try {
      const [input, policy] = await Promise.all([
        this.input(request, user),
        this.deps.policy.current(),
      ]);
      userRef = input.user?.ownershipRefs.find(ref => ref.startsWith('user:'));
      policyRevision = policy.revision;
      answer = policy.decide(input);
    } catch (error) {
      this.deps.onError?.(error as Error);
      answer = PORTAL_POLICY_ERROR;
    }
    const decision = portalDecision(answer);
    try {
      await this.deps.onDecision?.({
        permission,
        user,
        userRef,
        answer,
        decision,
        latencyMs: performance.now() - started,
        ...(policyRevision ? { policyRevision } : {}),
      });
    } catch (error) {
      // an audited decision whose record was not committed is not acted on
      this.deps.onError?.(error as Error);
      return deny;
    }
    return decision;
  }

  private async input(
    { permission }: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PortalPolicyInput> {
    const asked = {
      name: permission.name,
      attributes: { action: permission.attributes.action },
      ...(isResourcePermission(permission)
        ? { resourceType: permission.resourceType }
        : {}),
    };
    if (!user) return { permission: asked, user: null };
    const ownershipRefs = await this.deps.ownershipRefs(user);
    const groups = ownershipRefs.filter(ref => ref.startsWith('group:'));
    const [access, classes] = await Promise.all([
      this.deps.accountAccess(groups),
      this.deps.dataClasses(groups),
    ]);
    return {
      permission: asked,
      user: {
        ownershipRefs,
        accountAccess: access === 'all' ? '*' : [...access],
        dataClasses: [...classes],
      },
    };
  }
}
