import { CapabilityId, Phase } from './phase';

export type Level = 'none' | 'bronze' | 'silver' | 'gold';

export interface ScoreWeights {
  /** Weight of each capability (normalised by their sum). */
  capabilities: Record<CapabilityId, number>;
}

export const DEFAULT_WEIGHTS: ScoreWeights = {
  // Permissions first: 7 consumers and the SOC 2 trail (spec section 2).
  capabilities: { permissions: 0.4, filtering: 0.35, export: 0.25 },
};

export interface ScoredCheck {
  capability: CapabilityId;
  phase: Phase;
  weight: number;
  /** weight × phase / 3, as a share of 100. */
  points: number;
}

/** Score 0–100 from measured phases: each capability contributes weight × phase/3. */
export function scoreFromPhases(
  phases: Array<{ capability: CapabilityId; phase: Phase }>,
  weights: ScoreWeights = DEFAULT_WEIGHTS,
): { score: number; checks: ScoredCheck[] } {
  const total = phases.reduce(
    (s, p) => s + weights.capabilities[p.capability],
    0,
  );
  const checks = phases.map(p => {
    const weight = total > 0 ? weights.capabilities[p.capability] / total : 0;
    return {
      capability: p.capability,
      phase: p.phase,
      weight,
      points: Math.round(weight * (p.phase / 3) * 1000) / 10,
    };
  });
  const score = Math.round(checks.reduce((s, c) => s + c.points, 0) * 10) / 10;
  return { score, checks };
}

/**
 * Bronze: every capability at least phase 1; silver: every capability at least 2;
 * gold: every capability at phase 3. Below bronze: none.
 */
export function levelFromPhases(phases: Phase[]): Level {
  if (phases.length === 0) return 'none';
  const min = Math.min(...phases);
  if (min >= 3) return 'gold';
  if (min >= 2) return 'silver';
  if (min >= 1) return 'bronze';
  return 'none';
}

/** Competition ranking (1, 2, 2, 4) by score, highest first. */
export function rankByScore<T extends { score: number }>(
  items: T[],
): Array<T & { rank: number }> {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  return sorted.map(item => ({
    ...item,
    rank: sorted.findIndex(o => o.score === item.score) + 1,
  }));
}
