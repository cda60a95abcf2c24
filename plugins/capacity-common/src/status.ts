import { CapacityStatus } from './types';

/** The spec's feature-freeze / priority policy (section 4), shown beside each status. */
export const STATUS_POLICY: Record<CapacityStatus, string> = {
  green:
    'Below trigger and act-by date not near: no action beyond the weekly capacity review.',
  yellow:
    'Yellow (trigger threshold reached): scaling work becomes P1; no new features that increase DB load. Platform team gets 2 additional engineers from feature teams.',
  red: 'Red (critical threshold reached): full feature freeze on DB-intensive work. All available engineers support scaling mitigation. Stakeholder communication within 4 hours of red status.',
};

export interface StatusInput {
  value: number;
  trigger: number;
  critical: number;
  /** Act-by date from the forecast, if any. */
  actBy: Date | null;
  now: Date;
  /** Yellow when the act-by date is within this many days. */
  yellowWithinDays: number;
}

const DAY_MS = 86_400_000;

/**
 * Red when the critical threshold is reached or the act-by date has passed; yellow when the
 * trigger is reached or the act-by date is within `yellowWithinDays`; else green.
 */
export function evaluateStatus(input: StatusInput): {
  status: CapacityStatus;
  reason: string;
} {
  const { value, trigger, critical, actBy, now, yellowWithinDays } = input;
  if (value >= critical) {
    return {
      status: 'red',
      reason: `current ${value} ≥ critical ${critical}`,
    };
  }
  if (actBy && actBy.getTime() <= now.getTime()) {
    return {
      status: 'red',
      reason: `act-by date ${actBy.toISOString().slice(0, 10)} has passed`,
    };
  }
  if (value >= trigger) {
    return {
      status: 'yellow',
      reason: `current ${value} ≥ trigger ${trigger}`,
    };
  }
  if (actBy && actBy.getTime() - now.getTime() <= yellowWithinDays * DAY_MS) {
    return {
      status: 'yellow',
      reason: `act-by date ${actBy
        .toISOString()
        .slice(0, 10)} is within ${yellowWithinDays} days`,
    };
  }
  return {
    status: 'green',
    reason: `below trigger ${trigger}${
      actBy ? `; act by ${actBy.toISOString().slice(0, 10)}` : ''
    }`,
  };
}
