/**
 * Isomorphic part of the SLO plugin family: SLO definitions (schema and validation), the
 * budget / burn-rate / alert computation, API types and permissions.
 *
 * @packageDocumentation
 */
export {
  sloDefinitionSchema,
  parseSloDefinition,
  rollingWindowMinutes,
  WINDOW_PATTERN,
  HISTOGRAM_SOURCES,
} from './definition';
export type {
  SloDefinition,
  SloDefinitionInput,
  SliDefinition,
  DefinitionIssue,
  DefinitionResult,
  HistogramBounds,
  HistogramSource,
} from './definition';
export { MinuteSeries, MINUTE_MS, minuteIndex } from './compute/series';
export type { MinutePoint } from './compute/series';
export {
  ALERT_PRESETS,
  RESOLVED_HOLD_MINUTES,
  replayAlertState,
} from './compute/alerts';
export type {
  AlertRule,
  AlertSeverity,
  AlertState,
  AlertStateAt,
  AlertPresetName,
} from './compute/alerts';
export {
  BURN_RATE_WINDOWS,
  FREEZE_BELOW_REMAINING,
  windowStartAfter,
  lookbackMinutes,
  budgetAt,
  burnRate,
  alertCondition,
  evaluateAlert,
  evaluatePolicy,
  burnDown,
} from './compute/evaluate';
export type {
  BudgetAt,
  BurnRate,
  AlertEvaluation,
  PolicyState,
  PolicyEvaluation,
} from './compute/evaluate';
export { latencyGood } from './compute/histogram';
export {
  sloReadPermission,
  sloCreatePermission,
  sloDeletePermission,
  sloSeriesWritePermission,
  sloPermissions,
} from './permissions';
export type * as OpenApi from './schema/openapi.generated';
