import {
  BackstageCredentials,
  BackstageUserPrincipal,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { authzPolicyManagePermission } from '@internal/plugin-authz-common';
import {
  ActivePortalPolicy,
  AuthzEvaluator,
  CompiledPolicy,
  PolicySource,
  PortalPolicy,
  PortalPolicyInput,
  PortalPolicyOptions,
} from '@internal/plugin-authz-node';
import { createHash } from 'node:crypto';
import { readBundle, RegoCompileError } from '@internal/rego-wasm';
import { RequestValidationError } from '@internal/plugin-platform-node';
import {
  ACTIVATION_PREFIX,
  PolicyKind,
  RevisionStore,
  StoredRevision,
} from './RevisionStore';

/** Compiles a candidate revision; compile errors become a 400 naming module, line and column. */
export async function compileCandidate(
  source: PolicySource,
): Promise<CompiledPolicy> {
  try {
    return await CompiledPolicy.compile(source);
  } catch (error) {
    if (error instanceof RegoCompileError) {
      throw RequestValidationError.fromIssues(
        'policy',
        error.errors.map(e => ({
          path: `body.modules.${e.file}`,
          message: `${e.line}:${e.column}: ${e.code}: ${e.message}`,
        })),
      );
    }
    throw error;
  }
}

/** Where a policy's active revision is put in force on this replica. */
export interface RevisionTarget {
  readonly policy: PolicyKind;
  /** sha256 of the revision in force here, if any. */
  activeRevision(): string | undefined;
  /**
   * Loads a stored revision (its stored wasm, no recompilation) and returns what puts it in
   * force; that throws when the revision did not load (after putting the failure in force).
   */
  load(revision: StoredRevision): Promise<() => void>;
  /** Cached subjects and decisions are stale (product data changed, or a resync). */
  invalidate?(): void;
  /**
   * Refuses (409) a revision `actor` must not put in force; called before the activation
   * commits, so a refused revision never reaches any replica.
   */
  vet?(revision: StoredRevision, actor: BackstageCredentials): Promise<void>;
}

/** The Check API's policy: revisions go to the (root-scoped) evaluator. */
export function evaluatorTarget(evaluator: AuthzEvaluator): RevisionTarget {
  return {
    policy: 'product',
    activeRevision: () => evaluator.activeRevision,
    load: async revision => {
      const compiled = await CompiledPolicy.load(
        revision.source,
        revision.wasm,
        revision.sha256,
      );
      return () => evaluator.activate(compiled);
    },
    invalidate: () => evaluator.invalidateData(),
  };
}

/** A portal user as the portal policy sees them (`input.user`), looked up by entity ref. */
export type PortalPolicyUserLookup = (
  userRef: string,
) => Promise<NonNullable<PortalPolicyInput['user']>>;

/**
 * The portal's PermissionPolicy: revisions go to the portal policy in force in this process
 * (read by the permission backend). Fails closed: a revision that does not load leaves no
 * policy in force, so every portal decision denies until another revision loads.
 *
 * The portal policy also decides `authz.policy.manage`, the permission needed to activate or
 * roll back. So a portal revision is vetted before it commits: it must load, and it must allow
 * `authz.policy.manage` to the acting user (looked up by `userOf` as the permission module
 * sees them); otherwise it would lock the admins out of undoing it. Service principals are not
 * decided by the permission policy, so for them only loading is checked.
 */
export function portalTarget(
  active: ActivePortalPolicy,
  options: PortalPolicyOptions,
  userOf: PortalPolicyUserLookup,
): RevisionTarget {
  active.manage();
  return {
    vet: async (revision, actor) => {
      let policy: PortalPolicy;
      try {
        policy = await PortalPolicy.fromRevision(revision, options);
      } catch (error) {
        throw new ConflictError(
          `revision ${revision.id} does not load: ${(error as Error).message}`,
        );
      }
      const principal = actor.principal as Partial<BackstageUserPrincipal>;
      if (principal.type !== 'user' || !principal.userEntityRef) return;
      const userRef = principal.userEntityRef;
      const answer = policy.decide({
        permission: {
          name: authzPolicyManagePermission.name,
          attributes: { action: authzPolicyManagePermission.attributes.action },
        },
        user: await userOf(userRef),
      });
      if (answer.result !== 'ALLOW') {
        throw new ConflictError(
          `revision ${revision.id} would deny ${authzPolicyManagePermission.name} to ${userRef}: ${answer.reason}`,
        );
      }
    },
    policy: 'portal',
    activeRevision: () => active.revision,
    load: async revision => {
      try {
        const policy = await PortalPolicy.fromRevision(revision, options);
        return () => active.activate(policy);
      } catch (error) {
        return () => {
          active.fail(error as Error);
          throw error;
        };
      }
    },
  };
}

/**
 * Keeps this replica on a policy's active revision stored in Postgres: seeds the repository
 * policy as the first revision, and reloads on every change notification.
 */
export class PolicyRevisions {
  constructor(
    private readonly store: RevisionStore,
    private readonly target: RevisionTarget,
    private readonly logger: LoggerService,
  ) {}

  get policy(): PolicyKind {
    return this.target.policy;
  }

  /** What `RevisionStore.activate` calls before committing `actor`'s activation. */
  vetFor(
    actor: BackstageCredentials,
  ): ((revision: StoredRevision) => Promise<void>) | undefined {
    const { target } = this;
    if (!target.vet) return undefined;
    return revision => target.vet!(revision, actor);
  }

  /** First start: the repository's policy becomes revision 1, activated by the system. */
  async seed(source: PolicySource): Promise<void> {
    const { policy } = this.target;
    if (await this.store.activeId(policy)) return;
    const compiled = await CompiledPolicy.compile(source);
    const { id } = await this.store.add(
      compiled.sha256,
      source,
      compiled.wasm,
      'system:repository',
      policy,
    );
    await this.store.activate(id, 'system:repository', 'initial policy');
  }

  /**
   * Loads the active revision (stored wasm, no recompilation) unless already active. Calls run
   * one after another (change notifications and the activating request both sync), and a
   * revision is put in force only if it is still the active one once loaded: a slow load of an
   * older revision never replaces a newer one.
   */
  sync(): Promise<void> {
    const run = this.syncing.then(() => this.syncNow());
    this.syncing = run.catch(() => undefined);
    return run;
  }

  private syncing: Promise<void> = Promise.resolve();

  private async syncNow(): Promise<void> {
    const id = await this.store.activeId(this.target.policy);
    if (!id) return;
    const revision = await this.store.get(id);
    if (revision.sha256 === this.target.activeRevision()) return;
    const putInForce = await this.target.load(revision);
    if ((await this.store.activeId(this.target.policy)) !== id) {
      // activated meanwhile: catch up with that one instead
      await this.syncNow();
      return;
    }
    putInForce();
    this.logger.info(
      `authz: ${this.target.policy} revision ${id} (${revision.sha256.slice(
        0,
        12,
      )}) active`,
    );
  }

  /** A notification payload from the change channel. */
  async onChange(payload: string): Promise<void> {
    if (payload === 'data') this.target.invalidate?.();
    else if (payload === 'resync') {
      this.target.invalidate?.();
      await this.sync();
    } else if (payload.startsWith(ACTIVATION_PREFIX[this.target.policy])) {
      await this.sync();
    }
  }
}

/**
 * An OPA bundle (`.tar.gz` with `/policy.wasm` and optional `/data.json`, as
 * `opa build -t wasm` makes it) as a candidate revision: loaded once to prove it works and has
 * the entrypoint. Its sha256 is that of the bundle bytes and the entrypoint.
 */
export async function loadBundleCandidate(
  bytes: Uint8Array,
  entrypoint: string,
): Promise<{ policy: CompiledPolicy; source: PolicySource; sha256: string }> {
  let bundle;
  try {
    bundle = readBundle(bytes);
  } catch (error) {
    throw RequestValidationError.fromIssues('bundle', [
      {
        path: 'body.bundle',
        message: `not a readable OPA bundle (.tar.gz with /policy.wasm): ${
          (error as Error).message
        }`,
      },
    ]);
  }
  const source: PolicySource = {
    modules: {},
    data: bundle.data ?? {},
    entrypoint,
  };
  const sha256 = createHash('sha256')
    .update(bytes)
    .update(`\u0000${entrypoint}`)
    .digest('hex');
  try {
    const policy = await CompiledPolicy.load(source, bundle.wasm, sha256);
    return { policy, source, sha256 };
  } catch (error) {
    throw RequestValidationError.fromIssues('bundle', [
      { path: 'body.entrypoint', message: (error as Error).message },
    ]);
  }
}
