export type AlertSeverity = 'page' | 'ticket';

export interface AlertRule {
  /** Stable within an SLO: used in dedup keys and history. */
  name: string;
  severity: AlertSeverity;
  factor: number;
  longWindowMinutes: number;
  shortWindowMinutes: number;
}

/**
 * Multi-window multi-burn-rate alert presets. `sre-workbook`: the Google SRE workbook's
 * table (chapter 5, "Alerting on SLOs"). `spec`: the improvement pack's fast 10× / slow 2×,
 * paired with the pack's fast 5-minute and slow 1-hour windows as short windows and a long
 * window twelve times as long (the workbook's ratio).
 */
export const ALERT_PRESETS = {
  'sre-workbook': [
    {
      name: 'page-1h',
      severity: 'page',
      factor: 14.4,
      longWindowMinutes: 60,
      shortWindowMinutes: 5,
    },
    {
      name: 'page-6h',
      severity: 'page',
      factor: 6,
      longWindowMinutes: 360,
      shortWindowMinutes: 30,
    },
    {
      name: 'ticket-1d',
      severity: 'ticket',
      factor: 3,
      longWindowMinutes: 1440,
      shortWindowMinutes: 120,
    },
    {
      name: 'ticket-3d',
      severity: 'ticket',
      factor: 1,
      longWindowMinutes: 4320,
      shortWindowMinutes: 360,
    },
  ],
  spec: [
    {
      name: 'fast-burn',
      severity: 'page',
      factor: 10,
      longWindowMinutes: 60,
      shortWindowMinutes: 5,
    },
    {
      name: 'slow-burn',
      severity: 'ticket',
      factor: 2,
      longWindowMinutes: 720,
      shortWindowMinutes: 60,
    },
  ],
} as const satisfies Record<string, readonly AlertRule[]>;

export type AlertPresetName = keyof typeof ALERT_PRESETS;

export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/**
 * A resolved alert shows as `resolved` for this long after its condition cleared, then
 * `inactive`. Bounded so that the state at any minute can be replayed from a bounded past.
 */
export const RESOLVED_HOLD_MINUTES = 60;

export interface AlertStateAt {
  state: AlertState;
  /** First minute (epoch minute index) of the current state. */
  sinceMinute: number;
}

/**
 * The alert state at minute `at`, replayed from the condition over the minutes before it.
 * inactive → pending (condition true, `forMinutes` > 0) → firing (condition held for
 * `forMinutes`; at once when 0) → resolved (condition false) → inactive after
 * RESOLVED_HOLD_MINUTES, or pending/firing again when the condition returns. The replay
 * starts far enough back (forMinutes + hold + 2) to give the same answer as replaying from
 * the beginning of time.
 */
export function replayAlertState(
  condition: (minute: number) => boolean,
  at: number,
  forMinutes: number,
): AlertStateAt {
  const start = at - (forMinutes + RESOLVED_HOLD_MINUTES + 2);
  let state: AlertState = 'inactive';
  let since = start;
  let pendingSince = start;
  for (let t = start; t <= at; t++) {
    const holds = condition(t);
    const next = step(state, holds, t);
    if (next !== state) {
      state = next;
      since = t;
    }
  }
  return { state, sinceMinute: since };

  function step(current: AlertState, holds: boolean, t: number): AlertState {
    switch (current) {
      case 'inactive':
      case 'resolved':
        if (holds) {
          pendingSince = t;
          return forMinutes === 0 ? 'firing' : 'pending';
        }
        return current === 'resolved' && t - since >= RESOLVED_HOLD_MINUTES
          ? 'inactive'
          : current;
      case 'pending':
        if (!holds) return 'inactive';
        return t - pendingSince >= forMinutes ? 'firing' : 'pending';
      case 'firing':
        return holds ? 'firing' : 'resolved';
      default:
        return current;
    }
  }
}
