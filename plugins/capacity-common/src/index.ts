/**
 * Capacity plugin family (the doomsday clock): limit definitions and their validation,
 * forecasts, status policy, cost guardrails and permissions — shared by backend and frontend.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './permissions';
export {
  forecastLimit,
  fitValueAt,
  scenarioForecast,
  DEFAULT_FORECAST_OPTIONS,
  DAY_MS,
} from './forecast';
export type { ForecastOptions, ForecastInput, ScenarioInput } from './forecast';
export { evaluateStatus, STATUS_POLICY } from './status';
export type { StatusInput } from './status';
export {
  limitDefinitionSchema,
  parseLimitDefinition,
  parseLimitsDocument,
  CapacityValidationError,
} from './limitSchema';
export type { ValidationIssue } from './limitSchema';
export { parseCostsDocument, budgetAlert, needsCostReview } from './costs';
export type {
  CostsDocument,
  BudgetAlert,
  SpendFigure,
  ServiceCostView,
  DriverCostView,
  CostGuardrailsView,
} from './costs';
export type * as OpenApi from './schema/openapi.generated';
