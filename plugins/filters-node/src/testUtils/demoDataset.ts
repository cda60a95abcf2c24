// testUtils is imported by tests only, where the demo generator is installed (a devDependency):
// production code never loads this module.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { EVENT_TYPES } from '@internal/dev-database';

/**
 * The demo analytics `events` dataset (packages/dev-database) as `platform.datasets.events`
 * config. app-config.yaml carries the same definition; tests and benchmarks use this copy.
 */
export const DEMO_EVENT_TYPES: string[] = [...EVENT_TYPES];

export function demoEventsDatasetConfig(
  overrides: Record<string, unknown> = {},
) {
  return {
    title: 'Product analytics events',
    description:
      'Analytics events of the product (demo data: packages/dev-database).',
    connection: 'product',
    table: 'events',
    tenantColumn: 'account_id',
    primaryKey: 'id',
    defaultOrder: { field: 'occurred_at', direction: 'desc' },
    // Below the EXPLAIN cost of a sequential scan of the 1M-row table (29.6k–41.1k measured),
    // above every index-bounded standard filter (max 25.8k measured): docs/benchmarks/filters.md
    costThreshold: 28000,
    statementTimeoutMs: 5000,
    shapeCacheTtlSeconds: 300,
    fields: {
      id: { type: 'uuid', label: 'Event id', nullable: false },
      occurred_at: {
        type: 'timestamp',
        label: 'Occurred at',
        indexed: true,
        nullable: false,
      },
      event_type: {
        type: 'enum',
        label: 'Event type',
        indexed: true,
        nullable: false,
        values: DEMO_EVENT_TYPES,
      },
      user_id: { type: 'uuid', label: 'User', indexed: true },
      anonymous_id: { type: 'uuid', label: 'Anonymous id' },
      country: { type: 'string', label: 'Country', nullable: false },
      plan: {
        type: 'enum',
        label: 'Plan',
        nullable: false,
        values: ['enterprise', 'mid_market'],
      },
      amount: { type: 'number', label: 'Amount' },
      email: { type: 'string', label: 'E-mail', dataClass: 'pii' },
      properties: {
        type: 'jsonb',
        label: 'Properties',
        nullable: false,
        paths: {
          browser: {
            type: 'enum',
            label: 'Browser',
            values: ['chrome', 'firefox', 'safari', 'edge'],
          },
          duration_ms: { type: 'number', label: 'Duration (ms)' },
          dashboard_id: { type: 'uuid', label: 'Dashboard' },
        },
      },
    },
    ...overrides,
  };
}
