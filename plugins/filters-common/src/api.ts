import {
  DatasetDescription,
  FilterGroup,
  FilterValidationIssue,
} from './types';

/** Body of POST /api/filters/v1/query, /count and /explain. */
export interface FilterQueryRequest {
  dataset: string;
  /** The account whose rows to read; checked with `filters.account.act` before use. */
  accountId: string;
  filter?: FilterGroup;
  /** Fields to return (query only); default: every field the caller may read. */
  fields?: string[];
  /** Page size for query, 1..1000 (default 100). */
  limit?: number;
  /** Opaque keyset cursor from the previous page's `nextCursor`. */
  cursor?: string;
}

export interface QueryStats {
  /** Where the query ran: the dataset's replica, or the primary (with the reason). */
  servedBy: 'primary' | 'replica';
  fallbackReason?: string;
  /** Replica lag measured with pg_last_xact_replay_timestamp(); null when not a standby. */
  replicaLagSeconds?: number | null;
  /** EXPLAIN total cost; from the shape cache when `costFromCache`. */
  estimatedCost: number;
  estimatedRows: number;
  costFromCache: boolean;
  durationMs: number;
  /** Rows the statement read: sequential-scan rows + index entries read in its transaction (pg_stat_get_xact_tuples_returned). */
  rowsScanned: number | null;
  rowsReturned: number;
  shapeHash: string;
  filterHash: string;
  measuredAt: string;
}

export interface FilterQueryResponse {
  rows: Record<string, unknown>[];
  fields: string[];
  /** Fields left out because the caller may not read their data class. */
  omittedFields: string[];
  nextCursor: string | null;
  stats: QueryStats;
}

export interface FilterCountResponse {
  count: number;
  stats: QueryStats;
}

export interface FilterExplainResponse {
  estimatedCost: number;
  estimatedRows: number;
  costThreshold: number;
  wouldRun: boolean;
  /** Indexed fields not yet narrowed by the filter: adding them would lower the cost. */
  suggestedFields: string[];
  planNodes: string[];
  sql: string;
  bindingsCount: number;
  measuredAt: string;
}

export interface DatasetListResponse {
  datasets: DatasetDescription[];
}

/** `details` of a 400 invalid-filter error. */
export interface FilterValidationErrorDetails {
  issues: FilterValidationIssue[];
}

/** `details` of a 422 cost-gate rejection. */
export interface FilterRejectionDetails {
  reason: 'cost' | 'timeout';
  estimatedCost?: number;
  costThreshold?: number;
  timeoutMs?: number;
  suggestedFields: string[];
}
