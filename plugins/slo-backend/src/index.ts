/**
 * SLO backend plugin: SLOs as code, error budgets, multi-window burn-rate alerts delivered to
 * PagerDuty, monthly compliance and runbooks, under /api/slo/v1.
 *
 * @packageDocumentation
 */
export { sloPlugin as default } from './plugin';
