import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { CapabilityId } from '@internal/plugin-adoption-common';
import fs from 'fs';
import path from 'path';
import YAML from 'yaml';

export type CriterionMeasure =
  | {
      kind: 'teamsAtPhase';
      capability: CapabilityId;
      minPhase: number;
      minTeams: number | 'all';
    }
  | { kind: 'shadowTracked' }
  | { kind: 'discrepancyBelow'; maxRate: number }
  /**
   * Met while every listed SLO of the SLO plugin meets its objective over its window; `note`
   * says what the SLIs measure (shown with the result).
   */
  | { kind: 'sloObjective'; slos: string[]; note?: string }
  | { kind: 'connectionsReduced'; limit: string; reductionPct: number }
  | { kind: 'limitBelow'; limit: string; max: number };

export interface CriterionDefinition {
  text: string;
  measure?: CriterionMeasure;
  why?: string;
}

export interface MilestoneDefinition {
  id: string;
  title: string;
  scope: string;
  owner: string;
  dependencies: string;
  eta: string;
  rollout: string;
  criteria: CriterionDefinition[];
}

export interface CapabilityDefinition {
  id: CapabilityId;
  title: string;
  component: string;
  telemetryService: string;
  migrationApproach: string;
  expectedImpact: string;
  risks: string;
}

export interface RiskDefinition {
  id: string;
  title: string;
  likelihood: string;
  impact: string;
  mitigation: string;
  owner: string;
  status: string;
}

export interface QuestionDefinition {
  id: string;
  question: string;
  owner: string;
  answer?: string;
}

/**
 * A deprecated API version: calls whose telemetry route template starts with one of `routes`
 * (e.g. `/api/exports/v1/`, or one endpoint's full template) count as calls to it.
 */
export interface DeprecatedVersionDefinition {
  capability: CapabilityId;
  version: string;
  replacedBy: string;
  gaDate: string;
  removalDate: string;
  routes: string[];
}

export interface CampaignDefinition {
  id: string;
  title: string;
  capability: CapabilityId;
  targetPhase: number;
  start: string;
  sprintsPerTeam: number;
}

export interface AdoptionDefinitions {
  capabilities: CapabilityDefinition[];
  productSpecificRevisitConsumers: number;
  milestones: MilestoneDefinition[];
  risks: RiskDefinition[];
  questions: QuestionDefinition[];
  versioning: {
    policy: string[];
    deprecatedVersions: DeprecatedVersionDefinition[];
  };
  sprintDays: number;
  campaigns: CampaignDefinition[];
}

/** The repo's `adoption/` directory (found upwards from the package). */
export function findAdoptionDir(
  from = resolvePackagePath('@internal/plugin-adoption-backend'),
): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'adoption');
    if (fs.existsSync(path.join(candidate, 'roadmap.yaml'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function read(dir: string, name: string): any {
  return YAML.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
}

/** Loads adoption/*.yaml; a missing required list fails start-up naming file and key. */
export function loadDefinitions(dir: string): AdoptionDefinitions {
  const caps = read(dir, 'capabilities.yaml');
  const roadmap = read(dir, 'roadmap.yaml');
  const risks = read(dir, 'risks.yaml');
  const versioning = read(dir, 'versioning.yaml');
  const campaigns = read(dir, 'campaigns.yaml');
  const need = (v: unknown, where: string) => {
    if (!Array.isArray(v)) {
      throw new Error(`adoption: ${where} must be a list`);
    }
    return v;
  };
  const capabilities: CapabilityDefinition[] = need(
    caps?.capabilities,
    'capabilities.yaml capabilities',
  );
  const deprecatedVersions: DeprecatedVersionDefinition[] = need(
    versioning?.deprecatedVersions ?? [],
    'versioning.yaml deprecatedVersions',
  );
  deprecatedVersions.forEach((v, i) => {
    const where = `versioning.yaml deprecatedVersions[${i}]`;
    if (!capabilities.some(c => c.id === v?.capability)) {
      throw new Error(
        `adoption: ${where}.capability must be one of ${capabilities
          .map(c => c.id)
          .join(', ')}`,
      );
    }
    const routes = need(v.routes, `${where}.routes`);
    if (
      routes.length === 0 ||
      routes.some(r => typeof r !== 'string' || !r.startsWith('/'))
    ) {
      throw new Error(
        `adoption: ${where}.routes must list route templates starting with /`,
      );
    }
  });
  return {
    capabilities,
    productSpecificRevisitConsumers: caps?.productSpecificRevisitConsumers ?? 3,
    milestones: need(roadmap?.milestones, 'roadmap.yaml milestones'),
    risks: need(risks?.risks, 'risks.yaml risks'),
    questions: need(risks?.questions, 'risks.yaml questions'),
    versioning: {
      policy: need(versioning?.policy, 'versioning.yaml policy'),
      deprecatedVersions,
    },
    sprintDays: campaigns?.sprintDays ?? 14,
    campaigns: need(campaigns?.campaigns, 'campaigns.yaml campaigns'),
  };
}
