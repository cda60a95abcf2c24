import { AuthzEvaluator, CompiledPolicy } from '@internal/plugin-authz-node';
import { DecisionLogEntry } from './DecisionLog';

export interface ReplayFlip {
  decisionId: string;
  decidedAt: string;
  subject: string;
  action: string;
  resource: string;
  team?: string;
  before: { allowed: boolean; reason: string };
  after: { allowed: boolean; reason: string };
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
  const groups = new Map<string, BlastRadiusRow>();
  const flips: ReplayFlip[] = [];
  let flipped = 0;
  recorded.forEach((r, i) => {
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
    const before = { allowed: r.policyAllowed!, reason: r.policyReason! };
    const now = { allowed: after[i].allowed, reason: after[i].reason };
    if (before.allowed === now.allowed) return;
    flipped++;
    row.flipped++;
    if (now.allowed) row.nowAllowed++;
    else row.nowDenied++;
    if (flips.length < maxFlips) {
      flips.push({
        decisionId: r.decisionId,
        decidedAt: r.decidedAt,
        subject: r.subject,
        action: r.action,
        resource: r.resource,
        ...(r.team ? { team: r.team } : {}),
        before,
        after: now,
      });
    }
  });
  return {
    candidate: candidate.sha256,
    replayed: recorded.length,
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
