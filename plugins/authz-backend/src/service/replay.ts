import { AuthzEvaluator, CompiledPolicy } from '@internal/plugin-authz-node';
import { DecisionLogEntry } from './DecisionLog';

export interface ReplayFlip {
  decisionId: string;
  decidedAt: string;
  subject: string;
  action: string;
  resource: string;
  team?: string;
  before: ReplayAnswer;
  after: ReplayAnswer;
}

export interface BlastRadiusRow {
  team?: string;
  action: string;
  replayed: number;
  flipped: number;
  nowAllowed: number;
  nowDenied: number;
}

export interface ReplayResult {
  candidate: string;
  replayed: number;
  flipped: number;
  blastRadius: BlastRadiusRow[];
  flips: ReplayFlip[];
}

/** One recorded decision decided again: what the policy answered then and what it answers now. */
export type ReplayedDecision = ReplayFlip;

/**
 * An answer as replay compares it: `allowed`, and for the portal policy its `result`
 * (`CONDITIONAL` counts as allowed under conditions; a change of result is a flip).
 */
export interface ReplayAnswer {
  allowed: boolean;
  reason: string;
  result?: 'ALLOW' | 'DENY' | 'CONDITIONAL';
}

const outcome = (a: ReplayAnswer) => a.result ?? String(a.allowed);

/** What flips, grouped by calling team and action (the blast radius), newest flips first. */
export function replaySummary(
  candidate: string,
  replayed: ReplayedDecision[],
  maxFlips: number,
): ReplayResult {
  const groups = new Map<string, BlastRadiusRow>();
  const flips: ReplayFlip[] = [];
  let flipped = 0;
  for (const r of replayed) {
    const key = `${r.team ?? ''}\u0000${r.action}`;
    let row = groups.get(key);
    if (!row) {
      row = {
        ...(r.team ? { team: r.team } : {}),
        action: r.action,
        replayed: 0,
        flipped: 0,
        nowAllowed: 0,
        nowDenied: 0,
      };
      groups.set(key, row);
    }
    row.replayed++;
    if (outcome(r.before) === outcome(r.after)) continue;
    flipped++;
    row.flipped++;
    if (r.after.allowed) row.nowAllowed++;
    else row.nowDenied++;
    if (flips.length < maxFlips) flips.push(r);
  }
  return {
    candidate,
    replayed: replayed.length,
    flipped,
    blastRadius: [...groups.values()].sort(
      (a, b) =>
        b.flipped - a.flipped ||
        (a.team ?? '').localeCompare(b.team ?? '') ||
        a.action.localeCompare(b.action),
    ),
    flips,
  };
}

/**
 * Decides recorded checks again with a candidate revision and compares with what the policy
 * decided then: what flips, grouped by calling team and action (the blast radius).
 */
export async function replayDecisions(
  evaluator: AuthzEvaluator,
  candidate: CompiledPolicy,
  recorded: DecisionLogEntry[],
  maxFlips: number,
): Promise<ReplayResult> {
  const after = await evaluator.decideWith(
    candidate,
    recorded.map(r => r.check),
  );
  return replaySummary(
    candidate.sha256,
    recorded.map((r, i) => ({
      decisionId: r.decisionId,
      decidedAt: r.decidedAt,
      subject: r.subject,
      action: r.action,
      resource: r.resource,
      ...(r.team ? { team: r.team } : {}),
      before: { allowed: r.policyAllowed!, reason: r.policyReason! },
      after: { allowed: after[i].allowed, reason: after[i].reason },
    })),
    maxFlips,
  );
}
