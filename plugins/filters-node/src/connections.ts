import knexFactory, { Knex } from 'knex';
import { DatasetDefinition, PgConnectionConfig } from './datasets';

export interface LagProbe {
  /** true when the server is a standby (pg_is_in_recovery()). */
  standby: boolean;
  /** now() - pg_last_xact_replay_timestamp() on a standby; null on a primary. */
  lagSeconds: number | null;
}

export interface RoutedConnection {
  knex: Knex;
  servedBy: 'primary' | 'replica';
  replicaLagSeconds?: number | null;
  fallbackReason?: string;
}

export interface ReplicaRoutingOptions {
  /** How long a measured lag is reused (ms). */
  lagCheckIntervalMs?: number;
  /** How long an unreachable replica is skipped before trying again (ms). */
  downBackoffMs?: number;
  /** Replaces the SQL lag probe (unit tests only). */
  probe?: (knex: Knex) => Promise<LagProbe>;
}

export async function probeLag(knex: Knex): Promise<LagProbe> {
  const result = await knex.raw(
    `SELECT pg_is_in_recovery() AS standby,
            CASE WHEN pg_is_in_recovery()
                 THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag`,
  );
  const row = result.rows[0];
  return {
    standby: row.standby,
    lagSeconds: row.lag === null ? null : Number(row.lag),
  };
}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  '57P01',
  '57P03',
  '08006',
  '08001',
  '08004',
]);

/**
 * The server could not be reached or dropped the connection. A pool that had no free
 * connection in time is not one of these (see isPoolAcquireTimeout): the server is up, busy.
 */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; name?: string; message?: string };
  return (
    (e.code !== undefined && CONNECTION_ERRORS.has(e.code)) ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(
      e.message ?? '',
    )
  );
}

/** knex waited `acquireConnectionTimeout` for a pooled connection: the pool is saturated. */
export function isPoolAcquireTimeout(error: unknown): boolean {
  return (error as { name?: string }).name === 'KnexTimeoutError';
}

export interface PoolOptions {
  /** Connections per pool (default 10). */
  max?: number;
  /** How long a query waits for a free connection before the engine answers busy (ms, default 5000). */
  acquireTimeoutMs?: number;
}

/** One pool per distinct connection and role; a dataset's primary and replica never share one. */
export class ConnectionPools {
  private readonly pools = new Map<string, Knex>();
  constructor(private readonly options: PoolOptions = {}) {}
  get(
    connection: PgConnectionConfig,
    role: 'primary' | 'replica' = 'primary',
  ): Knex {
    // Separate pools per role, even when a demo replica points at the primary's server.
    const key = `${role}:${connection.user}@${connection.host}:${connection.port}/${connection.database}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = knexFactory({
        client: 'pg',
        connection: {
          ...connection,
          connectionTimeoutMillis: 3000,
        } as Knex.PgConnectionConfig,
        pool: { min: 0, max: this.options.max ?? 10 },
        acquireConnectionTimeout: this.options.acquireTimeoutMs ?? 5000,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }
  async destroy() {
    await Promise.all([...this.pools.values()].map(p => p.destroy()));
    this.pools.clear();
  }
}

/**
 * Reads go to the dataset's replica when it is reachable and its measured lag is within
 * `maxLagSeconds`; otherwise to the primary, with the reason.
 */
export class ReplicaRouter {
  private lag?: { probe: LagProbe; at: number };
  private downUntil = 0;
  private downReason = '';
  constructor(
    private readonly dataset: DatasetDefinition,
    private readonly pools: ConnectionPools,
    private readonly options: ReplicaRoutingOptions = {},
  ) {}

  primary(): Knex {
    return this.pools.get(this.dataset.connection);
  }

  /** Marks the replica unreachable after a failed query (the caller then retries on primary). */
  markDown(error: unknown) {
    this.downUntil = Date.now() + (this.options.downBackoffMs ?? 10_000);
    this.downReason = `replica unreachable (${
      (error as { code?: string }).code ?? (error as Error).message
    })`;
    this.lag = undefined;
  }

  async route(): Promise<RoutedConnection> {
    const replica = this.dataset.replica;
    if (!replica) return { knex: this.primary(), servedBy: 'primary' };
    if (Date.now() < this.downUntil) {
      return {
        knex: this.primary(),
        servedBy: 'primary',
        fallbackReason: this.downReason,
      };
    }
    const knex = this.pools.get(replica.connection, 'replica');
    const interval = this.options.lagCheckIntervalMs ?? 5_000;
    if (!this.lag || Date.now() - this.lag.at > interval) {
      try {
        const probe = await (this.options.probe ?? probeLag)(knex);
        this.lag = { probe, at: Date.now() };
      } catch (error) {
        // Only an unreachable replica is skipped; a saturated pool is answered as busy.
        if (!isConnectionError(error)) throw error;
        this.markDown(error);
        return {
          knex: this.primary(),
          servedBy: 'primary',
          fallbackReason: this.downReason,
        };
      }
    }
    const { lagSeconds } = this.lag.probe;
    if (lagSeconds !== null && lagSeconds > replica.maxLagSeconds) {
      return {
        knex: this.primary(),
        servedBy: 'primary',
        replicaLagSeconds: lagSeconds,
        fallbackReason: `replica lag ${lagSeconds.toFixed(1)} s exceeds ${
          replica.maxLagSeconds
        } s`,
      };
    }
    return { knex, servedBy: 'replica', replicaLagSeconds: lagSeconds };
  }
}
