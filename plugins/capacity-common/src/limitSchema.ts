import { z } from 'zod';
import { CapacityProject, LimitDefinition } from './types';

const id = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be kebab-case (a-z, 0-9, -), at most 63 characters',
  );
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max);
const finite = z.number({ invalid_type_error: 'must be a number' }).finite();

export const limitDefinitionSchema = z
  .object({
    id,
    name: text(100),
    metric: text(200),
    unit: text(30),
    source: text(300),
    trigger: finite,
    triggerBasis: text(300).optional(),
    critical: finite,
    criticalBasis: text(300).optional(),
    leadTimeWeeks: z
      .object({
        min: finite.nonnegative('must be ≥ 0'),
        max: finite.positive('must be > 0'),
      })
      .strict()
      .refine(l => l.min <= l.max, {
        message: 'min must not exceed max',
        path: ['min'],
      }),
    owner: z
      .string()
      .regex(
        /^group:[a-z0-9-]+\/[a-z0-9-]+$/,
        'must be a catalog group ref like group:default/platform-services',
      ),
    mitigation: z
      .object({ project: text(20).optional(), description: text(500) })
      .strict(),
    runbook: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{0,62}$/,
        'must be a runbook name (docs/runbooks/<name>.md)',
      ),
    traffic: z.enum(['level', 'rate', 'none']),
    estimate: z.object({ value: finite, note: text(300) }).strict(),
  })
  .strict()
  .refine(l => l.trigger < l.critical, {
    message:
      'trigger must be below critical (every limit here grows toward its ceiling)',
    path: ['trigger'],
  });

export const capacityProjectSchema = z
  .object({
    id: z.string().regex(/^S[0-9]+$/, 'must look like S1'),
    name: text(100),
    window: text(50),
    summary: text(1000),
    relieves: z.array(id).min(1, 'must name at least one limit'),
    expectedEffect: text(500),
  })
  .strict();

export const limitsDocumentSchema = z
  .object({
    /** Date the `estimate` values were declared (the spec's date). */
    estimatesAsOf: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-03-17'),
    limits: z
      .array(limitDefinitionSchema)
      .min(1, 'must list at least one limit'),
    projects: z.array(capacityProjectSchema).default([]),
  })
  .strict();

/** One problem: the file, where in it, and the rule broken. */
export interface ValidationIssue {
  file: string;
  path: string;
  rule: string;
}

export class CapacityValidationError extends Error {
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[]) {
    super(
      `Invalid capacity definition: ${issues
        .map(i => `${i.file}: ${i.path || '(root)'}: ${i.rule}`)
        .join('; ')}`,
    );
    this.name = 'CapacityValidationError';
    this.issues = issues;
  }
}

function formatPath(path: (string | number)[]): string {
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      return i === 0 ? p : `.${p}`;
    })
    .join('');
}

export function issuesOf(file: string, error: z.ZodError): ValidationIssue[] {
  return error.issues.map(i => ({
    file,
    path:
      i.code === 'unrecognized_keys'
        ? formatPath([...i.path, i.keys.join(', ')])
        : formatPath(i.path),
    rule: i.code === 'unrecognized_keys' ? 'unknown field' : i.message,
  }));
}

/** Validates one limit (the POST body); throws CapacityValidationError naming each field. */
export function parseLimitDefinition(
  value: unknown,
  file = 'request body',
): LimitDefinition {
  const parsed = limitDefinitionSchema.safeParse(value);
  if (!parsed.success)
    throw new CapacityValidationError(issuesOf(file, parsed.error));
  return parsed.data;
}

/**
 * Validates a parsed limits document: schema, unique ids, projects that exist and relieve
 * limits that exist.
 */
export function parseLimitsDocument(
  value: unknown,
  file: string,
): {
  estimatesAsOf: string;
  limits: LimitDefinition[];
  projects: CapacityProject[];
} {
  const parsed = limitsDocumentSchema.safeParse(value);
  if (!parsed.success)
    throw new CapacityValidationError(issuesOf(file, parsed.error));
  const { limits, projects, estimatesAsOf } = parsed.data;
  const issues: ValidationIssue[] = [];
  const limitIds = new Set<string>();
  limits.forEach((l, i) => {
    if (limitIds.has(l.id)) {
      issues.push({
        file,
        path: `limits[${i}].id`,
        rule: `duplicate id "${l.id}"`,
      });
    }
    limitIds.add(l.id);
  });
  const projectIds = new Set(projects.map(p => p.id));
  limits.forEach((l, i) => {
    if (l.mitigation.project && !projectIds.has(l.mitigation.project)) {
      issues.push({
        file,
        path: `limits[${i}].mitigation.project`,
        rule: `names project "${l.mitigation.project}", which is not in projects`,
      });
    }
  });
  projects.forEach((p, i) =>
    p.relieves.forEach((r, j) => {
      if (!limitIds.has(r)) {
        issues.push({
          file,
          path: `projects[${i}].relieves[${j}]`,
          rule: `names limit "${r}", which is not in limits`,
        });
      }
    }),
  );
  if (issues.length) throw new CapacityValidationError(issues);
  return { estimatesAsOf, limits, projects };
}
