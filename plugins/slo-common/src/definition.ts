import { z } from 'zod';
import { ALERT_PRESETS } from './compute/alerts';

const ID_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;
const RUNBOOK_PATTERN = /^[a-z0-9][a-z0-9-]{0,80}$/;

/** `rolling-<days>d` (1–90 days) or `calendar-month`. */
export const WINDOW_PATTERN =
  /^(rolling-([1-9]|[1-8][0-9]|90)d|calendar-month)$/;

const requestsSli = z
  .object({
    source: z.literal('requests'),
    kind: z.enum(['ratio', 'latency']),
    /** Backend plugin id, as recorded by the platform request telemetry. */
    service: z.string().min(1).max(100).optional(),
    method: z.string().min(1).max(10).optional(),
    route: z.string().min(1).max(300).optional(),
    /** latency: a request is good when it took at most this long (a histogram bound). */
    thresholdMs: z.number().positive().optional(),
  })
  .strict();

const pageLoadsSli = z
  .object({
    source: z.literal('page-loads'),
    kind: z.literal('latency'),
    route: z.string().min(1).max(300).optional(),
    thresholdMs: z.number().positive(),
  })
  .strict();

const prometheusSli = z
  .object({
    source: z.literal('prometheus'),
    kind: z.enum(['ratio', 'latency']),
    /** PromQL giving the number of good events per minute, e.g. `sum(increase(x[1m]))`. */
    goodQuery: z.string().min(1).max(2000),
    totalQuery: z.string().min(1).max(2000),
  })
  .strict();

/**
 * Export completion from the exports plugin's jobs table: among finished jobs that wrote fewer
 * than `maxBytes`, the share that succeeded within `thresholdMs` of their creation.
 */
const exportJobsSli = z
  .object({
    source: z.literal('export-jobs'),
    kind: z.literal('latency'),
    thresholdMs: z.number().positive(),
    maxBytes: z.number().int().positive(),
  })
  .strict();

/** Sources that exist in the spec but have no service in this portal yet. */
const plannedSli = z
  .object({
    source: z.literal('permission-checks'),
    kind: z.literal('latency'),
    thresholdMs: z.number().positive(),
    /** e.g. `cached` / `uncached`. */
    segment: z.string().min(1).max(100).optional(),
  })
  .strict();

/** Only the series posted to `POST /slos/:id/series` (backfill, imports, tests). */
const seriesSli = z
  .object({
    source: z.literal('series'),
    kind: z.enum(['ratio', 'latency']),
  })
  .strict();

export const sliSchema = z.discriminatedUnion('source', [
  requestsSli,
  pageLoadsSli,
  prometheusSli,
  exportJobsSli,
  plannedSli,
  seriesSli,
]);

export const sloDefinitionSchema = z
  .object({
    id: z
      .string()
      .regex(ID_PATTERN, 'must be lower-case letters, digits and dashes'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    journey: z.string().min(1).max(200),
    /** Catalog component the SLO covers (shown on its SLO tab). */
    service: z.string().min(1).max(100),
    /** Owning team as a catalog group ref, e.g. `group:default/platform-services`. */
    owner: z
      .string()
      .regex(/^group:([a-z0-9-]+\/)?[a-z0-9-]+$/, 'must be a group entity ref'),
    objective: z
      .number()
      .gt(0, 'must be above 0')
      .lt(1, 'must be below 1 (a fraction, e.g. 0.999)'),
    window: z
      .string()
      .regex(WINDOW_PATTERN, 'must be rolling-<1..90>d or calendar-month'),
    sli: sliSchema,
    alerting: z
      .object({
        preset: z.enum(
          Object.keys(ALERT_PRESETS) as [keyof typeof ALERT_PRESETS],
        ),
        /** Pending state: the condition must hold this long before firing. */
        forMinutes: z.number().int().min(0).max(1440).default(0),
        runbook: z
          .string()
          .regex(RUNBOOK_PATTERN, 'must name a file in docs/runbooks'),
      })
      .strict(),
  })
  .strict()
  .superRefine((slo, ctx) => {
    const { sli } = slo;
    if (
      sli.source === 'requests' &&
      sli.kind === 'latency' &&
      sli.thresholdMs === undefined
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['sli', 'thresholdMs'],
        message: 'is required for a latency SLI',
      });
    }
    if (
      sli.source === 'requests' &&
      sli.kind === 'ratio' &&
      sli.thresholdMs !== undefined
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['sli', 'thresholdMs'],
        message: 'only applies to a latency SLI',
      });
    }
  });

export type SloDefinitionInput = z.input<typeof sloDefinitionSchema>;
export type SloDefinition = z.output<typeof sloDefinitionSchema>;
export type SliDefinition = SloDefinition['sli'];

export interface DefinitionIssue {
  path: string;
  message: string;
}

export type DefinitionResult =
  | { ok: true; definition: SloDefinition }
  | { ok: false; issues: DefinitionIssue[] };

/**
 * Validates one SLO definition. `bucketBoundsMs` (the telemetry histogram bounds) is checked
 * for latency thresholds of histogram sources: a share "faster than T" is only exact at a bound.
 */
export function parseSloDefinition(
  value: unknown,
  bucketBoundsMs?: readonly number[],
): DefinitionResult {
  const parsed = sloDefinitionSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map(issue => ({
        path:
          issue.path.join('.') ||
          (issue.code === 'unrecognized_keys'
            ? issue.keys.join(', ')
            : '(root)'),
        message:
          issue.code === 'unrecognized_keys'
            ? `unknown field(s) ${issue.keys.join(', ')}`
            : issue.message,
      })),
    };
  }
  const definition = parsed.data;
  const { sli } = definition;
  if (
    bucketBoundsMs &&
    (sli.source === 'requests' || sli.source === 'page-loads') &&
    sli.thresholdMs !== undefined &&
    !bucketBoundsMs.includes(sli.thresholdMs)
  ) {
    return {
      ok: false,
      issues: [
        {
          path: 'sli.thresholdMs',
          message: `must be one of the telemetry histogram bounds (${bucketBoundsMs.join(
            ', ',
          )} ms)`,
        },
      ],
    };
  }
  return { ok: true, definition };
}

/** `rolling-30d` → 43,200 minutes; `calendar-month` → undefined (depends on the month). */
export function rollingWindowMinutes(window: string): number | undefined {
  const match = /^rolling-(\d+)d$/.exec(window);
  return match ? Number(match[1]) * 1440 : undefined;
}
