/** The three shared capabilities the matrix tracks. */
export const CAPABILITIES = ['export', 'filtering', 'permissions'] as const;
export type CapabilityId = (typeof CAPABILITIES)[number];

/** 0 none; 1 new work uses the platform service; 2 legacy wrapped (shim/shadow); 3 legacy removed. */
export type Phase = 0 | 1 | 2 | 3;

/** The measured facts a phase is derived from (30-day window ending at `asOf`). */
export interface PhaseEvidence {
  /** Calls of the team that reached the platform service in the window. */
  calls30d: number;
  lastCallAt: string | null;
  /** Calls the adapter shim recorded on the team's legacy paths in the window. */
  legacyCalls30d: number;
  /** Newest legacy call ever recorded (null: the shim never reported one). */
  lastLegacyCallAt: string | null;
  /** Permissions only: shadow/enforce state from the authz plugin. */
  shadow?: {
    mode: 'off' | 'shadow' | 'enforce';
    checks: number;
    discrepancies: number;
    /** discrepancies / checks, null without checks. */
    rate: number | null;
  };
  /** Service principals the catalog maps to the team; their calls are in `calls30d`. */
  viaServices?: Array<{
    service: string;
    entity: string;
    calls30d: number;
    lastCallAt: string | null;
  }>;
  /** Shown beside the phase, not used by it: the team's records in the platform audit store. */
  audit?: {
    events30d: number;
    lastEventAt: string | null;
    actions: Array<{ action: string; outcome: string; count: number }>;
    viaServices: string[];
  };
}

export interface PhaseRules {
  /** Phase 3 needs this many days without a legacy call. */
  legacyQuietDays: number;
}

export interface PhaseDecision {
  phase: Phase;
  /** Why, in one sentence naming the facts. */
  reason: string;
}

const DAY_MS = 86_400_000;

/**
 * The phase of one team × capability cell from measured evidence only (issue 14):
 * 1 when calls reached the platform service; 2 when the legacy path is wrapped by the shim
 * (or, for permissions, shadow mode is on); 3 when the shim saw no legacy call for
 * `legacyQuietDays` days after having seen some (and, for permissions, enforcement is on).
 */
export function derivePhase(
  capability: CapabilityId,
  e: PhaseEvidence,
  rules: PhaseRules,
  asOf: Date,
): PhaseDecision {
  const usesPlatform = e.calls30d > 0;
  const shimSeen = e.lastLegacyCallAt !== null;
  const quietSinceMs = shimSeen
    ? asOf.getTime() - Date.parse(e.lastLegacyCallAt as string)
    : 0;
  const quiet = shimSeen && quietSinceMs >= rules.legacyQuietDays * DAY_MS;

  if (capability === 'permissions') {
    const mode = e.shadow?.mode ?? 'off';
    if (mode === 'enforce' && (!shimSeen || quiet)) {
      return {
        phase: 3,
        reason: shimSeen
          ? `enforcement on and no legacy call for ${rules.legacyQuietDays} days`
          : 'enforcement on and the shim never reported a legacy call',
      };
    }
    if (mode === 'shadow' || mode === 'enforce' || (shimSeen && !quiet)) {
      return {
        phase: 2,
        reason:
          mode === 'off'
            ? `legacy calls wrapped by the adapter shim (${e.legacyCalls30d} in 30 days)`
            : `${mode} mode on (discrepancy rate ${formatRate(
                e.shadow?.rate ?? null,
              )})${mode === 'enforce' ? ', legacy calls still seen' : ''}`,
      };
    }
    if (usesPlatform)
      return {
        phase: 1,
        reason: `${e.calls30d} calls to the platform service in 30 days`,
      };
    return { phase: 0, reason: 'no calls, no shim reports, shadow mode off' };
  }

  if (quiet && usesPlatform) {
    return {
      phase: 3,
      reason: `no legacy call for ${rules.legacyQuietDays} days, ${e.calls30d} platform calls in 30 days`,
    };
  }
  if (shimSeen && !quiet) {
    return {
      phase: 2,
      reason: `legacy calls wrapped by the adapter shim (${e.legacyCalls30d} in 30 days)`,
    };
  }
  if (usesPlatform) {
    return {
      phase: 1,
      reason: `${e.calls30d} calls to the platform service in 30 days`,
    };
  }
  return {
    phase: 0,
    reason: 'no platform calls and no shim reports in 30 days',
  };
}

function formatRate(rate: number | null): string {
  return rate === null ? 'n/a (no checks)' : `${(rate * 100).toFixed(3)}%`;
}
