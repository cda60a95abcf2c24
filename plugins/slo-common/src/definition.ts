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

/**
 * Permission checks from the permission service's decision latency histograms (authz-node's
 * decision latency reader): a decision is good when it took at most `thresholdMs`. `segment`
 * picks the decisions answered from the decision cache (`cached`) or by policy evaluation
 * (`uncached`); without it, all decisions.
 */
const permissionChecksSli = z
  .object({
    source: z.literal('permission-checks'),
    kind: z.literal('latency'),
    thresholdMs: z.number().positive(),
    segment: z.enum(['cached', 'uncached']).optional(),
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
  permissionChecksSli,
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

/** Sources whose latency SLIs count histogram buckets: their thresholds must be bounds. */
export const HISTOGRAM_SOURCES = {
  requests: 'telemetry',
  'page-loads': 'telemetry',
  'permission-checks': 'decision latency',
} as const;
export type HistogramSource = keyof typeof HISTOGRAM_SOURCES;

/** Histogram bounds (ms) per source, or one list for every histogram source. */
export type HistogramBounds =
  | readonly number[]
  | Partial<Record<HistogramSource, readonly number[]>>;

function boundsOf(
  bounds: HistogramBounds | undefined,
  source: string,
): readonly number[] | undefined {
  if (!bounds || !(source in HISTOGRAM_SOURCES)) return undefined;
  return Array.isArray(bounds)
    ? bounds
    : (bounds as Partial<Record<string, readonly number[]>>)[source];
}

/**
 * Validates one SLO definition. `bucketBoundsMs` (the histogram bounds of the sources) is
 * checked for latency thresholds of histogram sources: a share "faster than T" is only exact at
 * a bound, so any other threshold is rejected rather than rounded or interpolated.
 */
export function parseSloDefinition(
  value: unknown,
  bucketBoundsMs?: HistogramBounds,
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
  const bounds = boundsOf(bucketBoundsMs, sli.source);
  if (
    bounds &&
    'thresholdMs' in sli &&
    sli.thresholdMs !== undefined &&
    !bounds.includes(sli.thresholdMs)
  ) {
    return {
      ok: false,
      issues: [
        {
          path: 'sli.thresholdMs',
          message: `must be one of the ${
            HISTOGRAM_SOURCES[sli.source as HistogramSource]
          } histogram bounds (${bounds.join(', ')} ms)`,
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
