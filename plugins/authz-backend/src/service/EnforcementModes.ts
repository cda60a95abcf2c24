import { EnforcementMode, ShadowStore } from './ShadowStore';

/**
 * This replica's copy of the modes (the check path reads it without a query); reloaded on the
 * `modes` notification every change sends.
 */
export class EnforcementModes {
  private modes = new Map<string, EnforcementMode>();

  constructor(private readonly store: ShadowStore) {}

  async reload(): Promise<void> {
    this.modes = await this.store.modes();
  }

  /** A check without team and endpoint, or with no mode set, is enforced. */
  modeOf(context: Record<string, unknown> | undefined): {
    mode: EnforcementMode;
    team?: string;
    endpoint?: string;
  } {
    const team = context?.team;
    const endpoint = context?.endpoint;
    if (typeof team !== 'string' || typeof endpoint !== 'string') {
      return { mode: 'enforce' };
    }
    return {
      mode: this.modes.get(`${team}\u0000${endpoint}`) ?? 'enforce',
      team,
      endpoint,
    };
  }
}
