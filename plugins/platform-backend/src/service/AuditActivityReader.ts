import { Knex } from 'knex';
import {
  AuditActivity,
  AuditActivityQuery,
  PlatformAuditReader,
} from '@internal/plugin-platform-node';

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

/**
 * The platform audit store, counted per UTC day, plugin, action, outcome and actor team. The
 * auditor records a user as their entity ref and a service principal as its subject
 * (`plugin:exports`, a static token's subject); users are replaced by their team here, so no
 * user ref leaves this class.
 */
export class AuditActivityReader implements PlatformAuditReader {
  constructor(
    private readonly knex: Knex,
    private readonly actorTeams: ActorTeams,
  ) {}

  async activityByTeam(q: AuditActivityQuery): Promise<AuditActivity[]> {
    const { rows } = await this.knex.raw<{ rows: DbActivityRow[] }>(
      `SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
              plugin, action, outcome, actor,
              count(*)::bigint AS count, max(occurred_at) AS last_at
         FROM platform_audit_log
        WHERE occurred_at >= :from AND occurred_at < :to
          AND (:all OR plugin = ANY(:plugins))
        GROUP BY 1, 2, 3, 4, 5`,
      {
        from: q.from,
        to: q.to,
        all: q.plugins === undefined,
        plugins: q.plugins ?? [],
      },
    );
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
