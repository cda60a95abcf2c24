import { Knex } from 'knex';
import {
  AuditActivity,
  AuditActivityQuery,
  PlatformAuditReader,
} from '@internal/plugin-platform-node';
import { withStatementTimeout } from './statementTimeout';

/** The team of each user actor: a group ref, `none` (no team) or absent (not in the catalog). */
export type ActorTeams = (
  userRefs: string[],
) => Promise<Map<string, string | 'none'>>;

interface DbActivityRow {
  day: Date;
  plugin: string;
  action: string;
  outcome: AuditActivity['outcome'];
  actor: string;
  count: string;
  last_at: Date;
}

const USER_PREFIX = 'user:';
const DAY_MS = 86_400_000;
/** How long counts of a whole past day are reused (a record backdated into it shows after). */
const CLOSED_DAY_CACHE_MS = 10 * 60_000;

const floorDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/**
 * The platform audit store, counted per UTC day, plugin, action, outcome and actor team. The
 * auditor records a user as their entity ref and a service principal as its subject
 * (`plugin:exports`, a static token's subject); users are replaced by their team here, so no
 * user ref leaves this class.
 *
 * Whole UTC days inside the window are counted once and reused for `closedDayCacheMs`; only
 * the partial days at both ends are read on every call (a 30-day window over 1M records:
 * docs/adoption.md, "Cost of the audit read").
 */
export class AuditActivityReader implements PlatformAuditReader {
  private readonly closedDays = new Map<
    string,
    { rows: DbActivityRow[]; at: number }
  >();

  constructor(
    private readonly knex: Knex,
    private readonly actorTeams: ActorTeams,
    private readonly options: {
      closedDayCacheMs?: number;
      now?: () => number;
      /** Postgres statement_timeout of each read (default 15 s, as the API's reads). */
      statementTimeoutMs?: number;
    } = {},
  ) {}

  /** Per-actor counts of `[from, to)`, whole days from the cache where it is fresh. */
  private async actorRows(q: AuditActivityQuery): Promise<DbActivityRow[]> {
    const now = this.options.now?.() ?? Date.now();
    const ttl = this.options.closedDayCacheMs ?? CLOSED_DAY_CACHE_MS;
    const from = q.from.getTime();
    const to = q.to.getTime();
    const firstDay = floorDay(from) === from ? from : floorDay(from) + DAY_MS;
    const endDay = Math.min(floorDay(to), floorDay(now));
    if (ttl <= 0 || firstDay >= endDay) return this.read(q, from, to);
    const plugins = q.plugins ? [...q.plugins].sort().join(',') : '*';
    const keyOf = (day: number) => `${plugins}|${day}`;
    for (const [key, entry] of this.closedDays)
      if (now - entry.at >= ttl) this.closedDays.delete(key);
    const stale: number[] = [];
    for (let day = firstDay; day < endDay; day += DAY_MS)
      if (!this.closedDays.has(keyOf(day))) stale.push(day);
    if (stale.length) {
      const fresh = await this.read(
        q,
        stale[0],
        stale[stale.length - 1] + DAY_MS,
      );
      for (const day of stale) {
        this.closedDays.set(keyOf(day), {
          rows: fresh.filter(r => new Date(r.day).getTime() === day),
          at: now,
        });
      }
    }
    const [head, tail] = await Promise.all([
      from < firstDay ? this.read(q, from, firstDay) : [],
      endDay < to ? this.read(q, endDay, to) : [],
    ]);
    const cached: DbActivityRow[] = [];
    for (let day = firstDay; day < endDay; day += DAY_MS)
      cached.push(...this.closedDays.get(keyOf(day))!.rows);
    return [...head, ...cached, ...tail];
  }

  private async read(
    q: AuditActivityQuery,
    from: number,
    to: number,
  ): Promise<DbActivityRow[]> {
    const { rows } = await withStatementTimeout(
      this.knex,
      this.options.statementTimeoutMs,
      tx =>
        tx.raw<{ rows: DbActivityRow[] }>(
          `SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
              plugin, action, outcome, actor,
              count(*)::bigint AS count, max(occurred_at) AS last_at
         FROM platform_audit_log
        WHERE occurred_at >= :from AND occurred_at < :to
          AND (:all OR plugin = ANY(:plugins))
        GROUP BY 1, 2, 3, 4, 5`,
          {
            from: new Date(from),
            to: new Date(to),
            all: q.plugins === undefined,
            plugins: q.plugins ?? [],
          },
        ),
    );
    return rows;
  }

  async activityByTeam(q: AuditActivityQuery): Promise<AuditActivity[]> {
    const rows = await this.actorRows(q);
    const users = [
      ...new Set(rows.map(r => r.actor).filter(a => a.startsWith(USER_PREFIX))),
    ];
    const teams = users.length
      ? await this.actorTeams(users)
      : new Map<string, string>();
    const out = new Map<string, AuditActivity>();
    for (const r of rows) {
      const isUser = r.actor.startsWith(USER_PREFIX);
      const team = isUser ? teams.get(r.actor) ?? 'unknown' : 'service';
      const caller = isUser ? '*' : `service:${r.actor}`;
      const day = new Date(r.day);
      const key = JSON.stringify([
        day.getTime(),
        r.plugin,
        r.action,
        r.outcome,
        team,
        caller,
      ]);
      const lastAt = new Date(r.last_at);
      const seen = out.get(key);
      if (seen) {
        seen.count += Number(r.count);
        if (lastAt > seen.lastAt) seen.lastAt = lastAt;
      } else {
        out.set(key, {
          day,
          plugin: r.plugin,
          action: r.action,
          outcome: r.outcome,
          team,
          caller,
          count: Number(r.count),
          lastAt,
        });
      }
    }
    return [...out.values()].sort(
      (a, b) =>
        a.day.getTime() - b.day.getTime() ||
        a.plugin.localeCompare(b.plugin) ||
        a.action.localeCompare(b.action) ||
        a.team.localeCompare(b.team),
    );
  }
}
