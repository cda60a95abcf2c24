import { PortalPolicy, PortalPolicyProvider } from './PortalPolicy';

/** One recorded portal decision, as replay decides it again. */
export interface RecordedPortalDecision {
  /** The user's entity ref; absent when the request carried no user. */
  userRef?: string;
  permission: { name: string; action: string; resourceType?: string };
  result: 'ALLOW' | 'DENY' | 'CONDITIONAL';
  reason: string;
  policyRevision: string;
}

/**
 * The portal policy in force in this backend process. With the authz backend in the process it
 * is the active stored revision (the backend claims it with `manage()` and activates revisions
 * as they change on any replica); without it, the repository's `policies/portal`.
 *
 * Fails closed: until a policy is active, `current()` waits up to `waitMs` for one and then
 * rejects, so the caller denies; once an activated revision failed to load it rejects at once
 * (waiting callers included) until another one is active.
 */
export class ActivePortalPolicy implements PortalPolicyProvider {
  private policy?: PortalPolicy;
  private failure?: Error;
  private managed = false;
  private waiters: Array<() => void> = [];
  private recorder?: (decision: RecordedPortalDecision) => Promise<void>;
  private readonly waitMs: number;

  constructor(options: { waitMs?: number } = {}) {
    this.waitMs = options.waitMs ?? 30_000;
  }

  /** Stored revisions decide from now on (the repository policy is never used). */
  manage(): void {
    this.managed = true;
  }

  get isManaged(): boolean {
    return this.managed;
  }

  /** Where recorded decisions go (the authz backend's portal decision table). */
  setRecorder(
    recorder: (decision: RecordedPortalDecision) => Promise<void>,
  ): void {
    this.recorder = recorder;
  }

  /** Records a decision for replay; resolves once stored (at once without a recorder). */
  async record(decision: RecordedPortalDecision): Promise<void> {
    await this.recorder?.(decision);
  }

  /** sha256 of the revision in force, undefined when none is. */
  get revision(): string | undefined {
    return this.policy?.revision;
  }

  activate(policy: PortalPolicy): void {
    this.policy = policy;
    this.failure = undefined;
    this.wakeWaiters();
  }

  /** The activated revision could not be loaded: deny (waiters at once) until another one is active. */
  fail(error: Error): void {
    this.policy = undefined;
    this.failure = error;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(wake => wake());
  }

  async current(): Promise<PortalPolicy> {
    if (this.policy) return this.policy;
    if (!this.failure) {
      await new Promise<void>(resolve => {
        let timer: NodeJS.Timeout | undefined = undefined;
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter(w => w !== wake);
          resolve();
        }, this.waitMs);
        this.waiters.push(wake);
      });
      if (this.policy) return this.policy;
    }
    throw new Error(
      this.failure
        ? `the active portal policy revision did not load: ${this.failure.message}`
        : `no portal policy revision is active after ${this.waitMs} ms`,
    );
  }
}
