/**
 * Read access to the permission service's decision latency for other backends (the SLO plugin's
 * cached and uncached permission-check SLIs): per-minute histograms from the authz plugin's
 * `authz_decision_latency_minutes` table (see the authz-backend migration that creates it).
 */
export type { DecisionLatencyMinute, DecisionLatencyReader } from './types';
export {
  DatabaseDecisionLatencyReader,
  DECISION_LATENCY_TABLE,
} from './DecisionLatencyReader';
export {
  authzDecisionLatencyReaderServiceRef,
  AUTHZ_PLUGIN_ID,
} from './decisionLatencyReaderServiceRef';
