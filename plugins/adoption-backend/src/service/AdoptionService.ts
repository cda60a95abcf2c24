import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  CAPABILITIES,
  CapabilityId,
  derivePhase,
  levelFromPhases,
  OpenApi,
  Phase,
  PhaseEvidence,
  rankByScore,
  scoreFromPhases,
  DEFAULT_WEIGHTS,
} from '@internal/plugin-adoption-common';
import {
  PlatformAuditReader,
  PlatformTelemetryReader,
} from '@internal/plugin-platform-node';
import { AdoptionStore, DeprecatedMinute, UsageMinute } from './AdoptionStore';
import { AdoptionDefinitions, CriterionDefinition } from './definitions';
import { EnforcementSetting, EvidenceSources, ShadowStat } from './sources';
import {
  auditByCaller,
  CallerAudit,
  CallerUsage,
  teamAudit,
  teamUsage,
} from './evidence';
import {
  mapServicePrincipals,
  SERVICE_PRINCIPAL_ANNOTATION,
  ServicePrincipalMap,
} from './servicePrincipals';

type Schemas = OpenApi.components['schemas'];
export type Cell = Schemas['Cell'];
export type Matrix = Schemas['Matrix'];
export type Scorecard = Schemas['Scorecard'];
export type Criterion = Schemas['Criterion'];

/** Every catalog entity adoption needs (groups, components, resources, APIs). */
export interface CatalogReader {
  entities(): Promise<Entity[]>;
}

export interface AdoptionSettings {
  legacyQuietDays: number;
  /** How far back the first usage sync reads (days). */
  backfillDays: number;
}

const DAY_MS = 86_400_000;
const WINDOW_DAYS = 30;
/** Rollups of the last minutes are re-read: a backend flushes a minute once it is over. */
const REREAD_MS = 3 * 60_000;
const USAGE_KEY = 'platform-rollups';
/** Service principals are stored as their own consumer rows, apart from teams. */
const SERVICE_PREFIX = 'service:';
/** Annotation on a feature team's component declaring its phase, e.g. `adoption-phase-filtering: '2'`. */
export const DECLARED_PHASE_ANNOTATION = 'platform.portal/adoption-phase-';

export function teamRef(team: string): string {
  const t = team.trim().toLocaleLowerCase('en-US');
  if (t.startsWith('group:'))
    return t.includes('/') ? t : `group:default/${t.slice(6)}`;
  return `group:default/${t}`;
}

/**
 * Who a telemetry row counts for: the caller's team, or the service principal itself; users
 * with no team (`none`/`unknown`) and overflow rows are not attributed.
 */
export function callerOf(team: string, caller: string): string | undefined {
  if (team.startsWith('group:')) return teamRef(team);
  if (team === 'service' && caller.startsWith('service:')) return caller;
  return undefined;
}

/** Per-minute call counts keyed by everything but `calls`. */
class Sums<T extends { minute: Date; calls: number }> {
  private readonly map = new Map<string, T>();

  add(row: T, calls: number) {
    const key = JSON.stringify({
      ...row,
      minute: row.minute.getTime(),
      calls: 0,
    });
    const seen = this.map.get(key);
    if (seen) seen.calls += calls;
    else this.map.set(key, { ...row, calls });
  }

  values(): T[] {
    return [...this.map.values()];
  }
}

function iso(d: Date | string | null | undefined): string | null {
  if (!d) return null;
  return (typeof d === 'string' ? new Date(d) : d).toISOString();
}

export class AdoptionService {
  private syncing?: Promise<void>;

  constructor(
    private readonly deps: {
      store: AdoptionStore;
      sources: EvidenceSources;
      catalog: CatalogReader;
      telemetry?: PlatformTelemetryReader;
      /** The platform audit store, aggregated per day and actor team. */
      audit?: PlatformAuditReader;
      /**
       * Whether an entity came from an organisation catalog location; only those may map a
       * service principal to their team. Default: none may.
       */
      trustedEntity?: (entity: Entity) => boolean;
      definitions: AdoptionDefinitions;
      settings: AdoptionSettings;
      logger: LoggerService;
      now?: () => Date;
    },
  ) {}

  private now() {
    return this.deps.now?.() ?? new Date();
  }

  /** Copies per-team platform calls since the watermark (one sync at a time per process). */
  syncUsage(): Promise<void> {
    if (!this.syncing) {
      this.syncing = this.doSync().finally(() => {
        this.syncing = undefined;
      });
    }
    return this.syncing;
  }

  private async doSync() {
    const { store, telemetry, definitions, settings } = this.deps;
    if (!telemetry?.requestsByTeam) {
      throw new Error(
        'the platform telemetry reader has no per-team query (requestsByTeam)',
      );
    }
    const now = this.now();
    const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
    const mark = await store.watermark(USAGE_KEY);
    let from = mark
      ? new Date(Math.min(mark.getTime(), end.getTime()) - REREAD_MS)
      : new Date(end.getTime() - settings.backfillDays * DAY_MS);
    const byService = new Map(
      definitions.capabilities.map(c => [c.telemetryService, c.id]),
    );
    while (from < end) {
      const to = new Date(Math.min(from.getTime() + DAY_MS, end.getTime()));
      const rows = await telemetry.requestsByTeam({
        from,
        to,
        services: [...byService.keys()],
      });
      const usage = new Sums<UsageMinute>();
      const deprecated = new Sums<DeprecatedMinute>();
      for (const r of rows) {
        const capability = byService.get(r.service);
        const caller = callerOf(r.team, r.caller);
        if (!capability || !caller) continue;
        usage.add(
          { team: caller, capability, minute: r.minute, calls: 0 },
          r.count,
        );
        for (const v of definitions.versioning.deprecatedVersions) {
          if (
            v.capability === capability &&
            v.routes.some(prefix => r.route.startsWith(prefix))
          ) {
            deprecated.add(
              {
                team: caller,
                capability,
                version: v.version,
                minute: r.minute,
                calls: 0,
              },
              r.count,
            );
          }
        }
      }
      await store.replaceUsage(
        USAGE_KEY,
        from,
        to,
        usage.values(),
        deprecated.values(),
      );
      from = to;
    }
  }

  private async catalogView() {
    const entities = await this.deps.catalog.entities();
    const groups = entities.filter(
      e =>
        e.kind === 'Group' &&
        e.metadata.annotations?.['platform.portal/team-kind'] ===
          'feature-team',
    );
    const teams = groups.map(g => stringifyEntityRef(g)).sort();
    const components = entities.filter(e => e.kind === 'Component');
    const apis = entities.filter(e => e.kind === 'API');
    const principals = mapServicePrincipals(
      entities,
      this.deps.trustedEntity ?? (() => false),
    );
    return { teams, components, apis, principals };
  }

  /** Audit-store records per caller and capability over `[from, to)`, or why there are none. */
  private async auditEvidence(
    from: Date,
    to: Date,
  ): Promise<{ rows: CallerAudit[]; ok: boolean; detail: string }> {
    const reader = this.deps.audit;
    if (!reader) {
      return {
        rows: [],
        ok: false,
        detail: 'no platform audit reader in this backend',
      };
    }
    const byPlugin = new Map(
      this.deps.definitions.capabilities.map(c => [c.telemetryService, c.id]),
    );
    try {
      const activity = await reader.activityByTeam({
        from,
        to,
        plugins: [...byPlugin.keys()],
      });
      return {
        rows: auditByCaller(activity, byPlugin),
        ok: true,
        detail: `platformAuditReaderServiceRef.activityByTeam: ${activity.length} day × plugin × action × outcome × team rows, actor team from the catalog`,
      };
    } catch (e) {
      this.deps.logger.warn(`adoption: audit store unreadable: ${e}`);
      return {
        rows: [],
        ok: false,
        detail: `audit store unreadable: ${(e as Error).message}`,
      };
    }
  }

  private async permissionsEvidence(): Promise<{
    byTeam: Map<string, NonNullable<PhaseEvidence['shadow']>>;
    ok: boolean;
    detail: string;
    stats: ShadowStat[];
  }> {
    const byTeam = new Map<string, NonNullable<PhaseEvidence['shadow']>>();
    let stats: ShadowStat[] = [];
    let settings: EnforcementSetting[] = [];
    try {
      [stats, settings] = await Promise.all([
        this.deps.sources.shadowStats(WINDOW_DAYS * 24),
        this.deps.sources.enforcement(),
      ]);
    } catch (e) {
      return {
        byTeam,
        ok: false,
        detail: `authz API unreachable: ${(e as Error).message}`,
        stats,
      };
    }
    const modes = new Map<string, Set<string>>();
    for (const s of settings) {
      const t = teamRef(s.team);
      modes.set(t, (modes.get(t) ?? new Set()).add(s.mode));
    }
    const teams = new Set([
      ...modes.keys(),
      ...stats.map(s => teamRef(s.team)),
    ]);
    for (const t of teams) {
      const m = modes.get(t) ?? new Set(['off']);
      const own = stats.filter(s => teamRef(s.team) === t);
      const checks = own.reduce((a, s) => a + s.checks, 0);
      const discrepancies = own.reduce((a, s) => a + s.discrepancies, 0);
      // Enforced only when every endpoint with a setting enforces.
      let mode: 'off' | 'shadow' | 'enforce' = 'off';
      if (m.size === 1 && m.has('enforce')) mode = 'enforce';
      else if (m.has('shadow') || m.has('enforce')) mode = 'shadow';
      byTeam.set(t, {
        mode,
        checks,
        discrepancies,
        rate: checks > 0 ? discrepancies / checks : null,
      });
    }
    return {
      byTeam,
      ok: true,
      detail: `authz /v1/shadow/stats (${stats.length} hourly buckets, 30 days) and /v1/enforcement (${settings.length} settings)`,
      stats,
    };
  }

  /** Derives every cell, records phase changes as history, snapshots today's scores. */
  async matrix(options: { audit?: boolean } = {}): Promise<Matrix> {
    return (await this.evidenceView(options)).matrix;
  }

  /** The matrix with the per-caller usage, audit records and principal map behind it. */
  private async evidenceView(options: { audit?: boolean } = {}): Promise<{
    matrix: Matrix;
    usage: CallerUsage[];
    audit: Awaited<ReturnType<AdoptionService['auditEvidence']>>;
    principals: ServicePrincipalMap;
    since: Date;
  }> {
    const now = this.now();
    const sourcesInfo: Matrix['sources'] = [];
    try {
      await this.syncUsage();
      sourcesInfo.push({
        name: 'platform request telemetry',
        ok: true,
        detail:
          'platformTelemetryReaderServiceRef.requestsByTeam: per-minute request rollups carrying the caller team',
      });
    } catch (e) {
      this.deps.logger.warn(`adoption: usage sync failed: ${e}`);
      sourcesInfo.push({
        name: 'platform request telemetry',
        ok: false,
        detail: `sync failed, showing what was copied before: ${
          (e as Error).message
        }`,
      });
    }
    const since = new Date(now.getTime() - WINDOW_DAYS * DAY_MS);
    const [{ teams, components, principals }, usageRows, legacy, perm, audit] =
      await Promise.all([
        this.catalogView(),
        this.deps.store.usageSince(since),
        this.deps.store.legacySummary(since),
        this.permissionsEvidence(),
        options.audit === false
          ? {
              rows: [],
              ok: true,
              detail: 'not read by the scheduled usage sync',
            }
          : this.auditEvidence(since, now),
      ]);
    const usage: CallerUsage[] = usageRows.map(u => ({
      caller: u.team,
      capability: u.capability,
      calls30d: Number(u.calls),
      lastCallAt: iso(u.last_call_at),
    }));
    sourcesInfo.push(
      { name: 'platform audit store', ok: audit.ok, detail: audit.detail },
      {
        name: 'service principals',
        ok: true,
        detail: `${
          principals.claims.filter(c => c.status === 'mapped').length
        } mapped to teams by ${SERVICE_PRINCIPAL_ANNOTATION} on organisation catalog entities, ${
          principals.claims.filter(c => c.status !== 'mapped').length
        } claims ignored`,
      },
      { name: 'authz shadow mode', ok: perm.ok, detail: perm.detail },
      {
        name: 'adapter shim',
        ok: true,
        detail:
          'legacy calls reported through adoption-node (adoption_legacy_calls)',
      },
    );
    const legacyOf = (t: string, c: string) =>
      legacy.find(u => u.team === t && u.capability === c);

    const cells: Cell[] = [];
    for (const team of teams) {
      for (const capability of CAPABILITIES) {
        const l = legacyOf(team, capability);
        const audited = teamAudit(team, capability, audit.rows, principals);
        const evidence: PhaseEvidence = {
          ...teamUsage(team, capability, usage, principals),
          legacyCalls30d: Number(l?.calls_30d ?? 0),
          lastLegacyCallAt: iso(l?.last_call_at),
          ...(audited ? { audit: audited } : {}),
        };
        if (capability === 'permissions') {
          evidence.shadow = perm.byTeam.get(team) ?? {
            mode: 'off',
            checks: 0,
            discrepancies: 0,
            rate: null,
          };
        }
        const d = derivePhase(
          capability,
          evidence,
          { legacyQuietDays: this.deps.settings.legacyQuietDays },
          now,
        );
        cells.push({
          team,
          capability,
          phase: d.phase,
          source: 'measured',
          reason: d.reason,
          evidence,
        });
      }
      // Declared phases: annotations on the team's components, shown apart.
      for (const c of components) {
        if (c.spec?.owner && teamRef(String(c.spec.owner)) !== team) continue;
        for (const capability of CAPABILITIES) {
          const v =
            c.metadata.annotations?.[
              `${DECLARED_PHASE_ANNOTATION}${capability}`
            ];
          if (v === undefined || !/^[0-3]$/.test(v.trim())) continue;
          cells.push({
            team,
            capability,
            phase: Number(v.trim()),
            source: 'declared',
            reason: `declared in the catalog (${DECLARED_PHASE_ANNOTATION}${capability})`,
            declaredBy: stringifyEntityRef(c),
            evidence: {
              calls30d: 0,
              lastCallAt: null,
              legacyCalls30d: 0,
              lastLegacyCallAt: null,
            },
          });
        }
      }
    }
    await this.recordChanges(cells, now);
    await this.deps.store.upsertScores(
      now.toISOString().slice(0, 10),
      teams.map(team => ({
        team,
        score: scoreFromPhases(
          cells
            .filter(c => c.team === team && c.source === 'measured')
            .map(c => ({
              capability: c.capability as CapabilityId,
              phase: c.phase as Phase,
            })),
        ).score,
      })),
    );
    return {
      matrix: {
        teams,
        capabilities: [...CAPABILITIES],
        cells,
        sources: sourcesInfo,
        computedAt: now.toISOString(),
      },
      usage,
      audit,
      principals,
      since,
    };
  }

  private async recordChanges(cells: Cell[], now: Date) {
    await this.deps.store.recordPhaseChanges(
      cells.map(c => ({
        team: c.team,
        capability: c.capability,
        source: c.source,
        phase: c.phase,
        reason: c.reason,
        evidence: { ...c.evidence, declaredBy: c.declaredBy },
        changed_at: now,
      })),
    );
  }

  async cellHistory(team: string, capability: CapabilityId) {
    const rows = await this.deps.store.history(teamRef(team), capability);
    return rows.map(r => ({
      team: r.team,
      capability: r.capability,
      source: r.source,
      fromPhase: r.from_phase,
      phase: r.phase,
      reason: r.reason,
      evidence: r.evidence,
      changedAt: r.changed_at.toISOString(),
    }));
  }

  async scorecards(matrix?: Matrix): Promise<Scorecard[]> {
    const m = matrix ?? (await this.matrix());
    const base = m.teams.map(team => {
      const measured = m.cells.filter(
        c => c.team === team && c.source === 'measured',
      );
      const { score, checks } = scoreFromPhases(
        measured.map(c => ({
          capability: c.capability as CapabilityId,
          phase: c.phase as Phase,
        })),
      );
      return {
        team,
        score,
        level: levelFromPhases(measured.map(c => c.phase as Phase)),
        checks: checks.map(ch => {
          const cell = measured.find(c => c.capability === ch.capability)!;
          const declared = m.cells.find(
            c =>
              c.team === team &&
              c.capability === ch.capability &&
              c.source === 'declared',
          );
          return {
            ...ch,
            source: 'measured' as const,
            reason: cell.reason,
            evidence: cell.evidence,
            declaredPhase: declared ? declared.phase : null,
          };
        }),
      };
    });
    const ranked = rankByScore(base);
    return Promise.all(
      ranked.map(async s => ({
        ...s,
        trend: await this.deps.store.scoreTrend(s.team, 90),
      })),
    );
  }

  async teamScorecard(team: string): Promise<Scorecard> {
    const ref = teamRef(team);
    const all = await this.scorecards();
    const card = all.find(s => s.team === ref);
    if (!card) {
      throw new NotFoundError(
        `path.team: ${team} is not a feature team in the catalog`,
      );
    }
    return card;
  }

  weights() {
    return DEFAULT_WEIGHTS.capabilities;
  }

  async capabilities() {
    const now = this.now();
    const { components, apis } = await this.catalogView();
    const {
      matrix: m,
      usage,
      audit,
      principals,
      since,
    } = await this.evidenceView();
    const { definitions, store } = this.deps;
    const [deprecatedCalls, syncedTo] = await Promise.all([
      store.deprecatedSince(since),
      store.watermark(USAGE_KEY),
    ]);
    const mappedTo = (service: string) => {
      const p = principals.teamOf(service);
      return { team: p?.team ?? null, entity: p?.entity ?? null };
    };
    const calls = (r: { calls: string; last_call_at: Date | null }) => ({
      calls30d: Number(r.calls),
      lastCallAt: iso(r.last_call_at),
    });
    const entityByRef = new Map(
      [...components, ...apis].map(e => [stringifyEntityRef(e), e]),
    );
    const ownerOf = (e: Entity) =>
      e.spec?.owner ? teamRef(String(e.spec.owner)) : 'unknown';
    const consumersOfApi = (apiRef: string) =>
      components
        .filter(
          c =>
            (c.relations ?? []).some(
              r => r.type === 'consumesApi' && r.targetRef === apiRef,
            ) ||
            ((c.spec?.consumesApis as string[] | undefined) ?? []).some(
              a => `api:default/${a.replace(/^api:/, '')}` === apiRef,
            ),
        )
        .map(ownerOf);

    const capabilities = definitions.capabilities.map(def => {
      const comp = entityByRef.get(def.component);
      const providesApis = comp
        ? ((comp.spec?.providesApis as string[] | undefined) ?? []).map(
            a => `api:default/${a.replace(/^api:/, '')}`,
          )
        : [];
      const apiInfo = providesApis.map(ref => {
        const api = entityByRef.get(ref);
        const def2 = String(api?.spec?.definition ?? '');
        const version =
          /version:\s*([0-9][^\s]*)/.exec(def2)?.[1] ??
          'v1 (no version in definition)';
        return {
          ref,
          title: api?.metadata.title ?? ref,
          lifecycle: String(api?.spec?.lifecycle ?? 'unknown'),
          version,
        };
      });
      const declared = [
        ...new Set(providesApis.flatMap(consumersOfApi)),
      ].sort();
      const measuredConsumers = m.cells
        .filter(
          c =>
            c.capability === def.id &&
            c.source === 'measured' &&
            c.evidence.calls30d > 0,
        )
        .map(c => ({
          team: c.team,
          calls30d: c.evidence.calls30d,
          lastCallAt: c.evidence.lastCallAt,
          viaServices: (c.evidence.viaServices ?? []).map(v => v.service),
        }));
      const measuredServices = usage
        .filter(
          u => u.capability === def.id && u.caller.startsWith(SERVICE_PREFIX),
        )
        .map(u => ({
          service: u.caller,
          calls30d: u.calls30d,
          lastCallAt: u.lastCallAt,
          ...mappedTo(u.caller),
        }))
        .sort((a, b) => a.service.localeCompare(b.service));
      // Every team the audit store saw (feature teams or not), mapped services included.
      const auditTeams = [
        ...new Set([
          ...audit.rows
            .filter(
              a =>
                a.capability === def.id && !a.caller.startsWith(SERVICE_PREFIX),
            )
            .map(a => a.caller),
          ...audit.rows
            .filter(a => a.capability === def.id)
            .map(a => principals.teamOf(a.caller)?.team)
            .filter((t): t is string => !!t),
        ]),
      ].sort();
      const auditConsumers = auditTeams.map(team => ({
        team,
        ...teamAudit(team, def.id, audit.rows, principals)!,
      }));
      const auditServices = audit.rows
        .filter(
          a => a.capability === def.id && a.caller.startsWith(SERVICE_PREFIX),
        )
        .map(a => ({
          service: a.caller,
          events30d: a.events30d,
          lastEventAt: a.lastEventAt,
          ...mappedTo(a.caller),
        }))
        .sort((a, b) => a.service.localeCompare(b.service));
      const measuredTeams = [
        ...new Set([...measuredConsumers.map(c => c.team), ...auditTeams]),
      ];
      return {
        id: def.id,
        title: def.title,
        component: def.component,
        description:
          comp?.metadata.description ?? '(component not in the catalog)',
        owner: comp ? ownerOf(comp) : 'unknown',
        apis: apiInfo,
        migrationApproach: def.migrationApproach,
        expectedImpact: def.expectedImpact,
        risks: def.risks,
        declaredConsumers: declared,
        measuredConsumers,
        measuredServices,
        auditConsumers,
        auditServices,
        onlyDeclared: declared.filter(t => !measuredTeams.includes(t)),
        onlyMeasured: measuredTeams.filter(t => !declared.includes(t)),
      };
    });

    const productSpecific = components
      .filter(
        c =>
          c.metadata.annotations?.['platform.portal/platformization'] ===
          'product-specific',
      )
      .map(c => {
        const ref = stringifyEntityRef(c);
        const consumers = [
          ...new Set([
            ownerOf(c),
            ...components
              .filter(o =>
                (o.relations ?? []).some(
                  r => r.type === 'dependsOn' && r.targetRef === ref,
                ),
              )
              .map(ownerOf),
          ]),
        ].sort();
        return {
          component: ref,
          title: c.metadata.title ?? c.metadata.name,
          owner: ownerOf(c),
          reason:
            c.metadata.annotations?.[
              'platform.portal/platformization-reason'
            ] ?? '',
          revisitTrigger: `a consumer team count of ${definitions.productSpecificRevisitConsumers} (owner + teams whose components depend on it)`,
          consumers,
          triggerMet:
            consumers.length >= definitions.productSpecificRevisitConsumers,
        };
      });

    const measurement = {
      source:
        'platform request telemetry (platformTelemetryReaderServiceRef.requestsByTeam), caller team from the Backstage identity (ownership groups), service principals by subject',
      from: since.toISOString(),
      to: iso(
        syncedTo ? new Date(Math.min(syncedTo.getTime(), now.getTime())) : null,
      ),
    };
    const auditMeasurement = {
      source:
        'platform audit store (platformAuditReaderServiceRef.activityByTeam): records of the filters, exports and authz plugins counted per day and actor team (users mapped to their catalog team, service principals by subject)',
      from: since.toISOString(),
      to: now.toISOString(),
      ok: audit.ok,
      detail: audit.detail,
    };
    return {
      capabilities,
      productSpecific,
      measurement,
      auditMeasurement,
      servicePrincipals: principals.claims,
      versioning: {
        policy: definitions.versioning.policy,
        deprecatedVersions: definitions.versioning.deprecatedVersions.map(v => {
          const callers = deprecatedCalls
            .filter(
              d => d.capability === v.capability && d.version === v.version,
            )
            .map(d => ({
              caller: d.team,
              ...calls(d),
              team: d.team.startsWith(SERVICE_PREFIX)
                ? mappedTo(d.team).team
                : d.team,
            }));
          return {
            capability: v.capability,
            version: v.version,
            replacedBy: v.replacedBy,
            gaDate: v.gaDate,
            removalDate: v.removalDate,
            routes: v.routes,
            callingTeams: [
              ...new Set(
                callers.map(c => c.team).filter((t): t is string => !!t),
              ),
            ].sort(),
            callers,
          };
        }),
      },
      computedAt: now.toISOString(),
    };
  }

  async campaigns() {
    const now = this.now();
    const m = await this.matrix();
    const { definitions } = this.deps;
    const out = [];
    for (const c of definitions.campaigns) {
      const reached = await this.deps.store.firstReached(
        c.capability,
        c.targetPhase,
      );
      const start = new Date(`${c.start}T00:00:00Z`);
      const deadline = new Date(
        start.getTime() + c.sprintsPerTeam * definitions.sprintDays * DAY_MS,
      );
      const teams = m.teams.map(team => {
        const cell = m.cells.find(
          x =>
            x.team === team &&
            x.capability === c.capability &&
            x.source === 'measured',
        );
        const phase = cell?.phase ?? 0;
        const reachedAt =
          phase >= c.targetPhase ? reached.get(team) ?? now : null;
        return {
          team,
          deadline: deadline.toISOString().slice(0, 10),
          phase,
          reachedAt: reachedAt ? reachedAt.toISOString() : null,
          overdue: reachedAt === null && now > deadline,
        };
      });
      const last = new Date(Math.max(now.getTime(), deadline.getTime()));
      const burnUp = [];
      for (
        let d = start.getTime();
        d <= last.getTime() + DAY_MS - 1;
        d += DAY_MS
      ) {
        const end = d + DAY_MS;
        burnUp.push({
          day: new Date(d).toISOString().slice(0, 10),
          done:
            end > now.getTime() + DAY_MS
              ? 0
              : teams.filter(t => t.reachedAt && Date.parse(t.reachedAt) < end)
                  .length,
          scope: teams.length,
        });
      }
      out.push({
        id: c.id,
        title: c.title,
        capability: c.capability,
        targetPhase: c.targetPhase,
        start: c.start,
        sprintDays: definitions.sprintDays,
        teams,
        burnUp,
        overdue: teams.filter(t => t.overdue).map(t => t.team),
        done: teams.filter(t => t.reachedAt).length,
        reminders: (
          await this.deps.store.reminders(
            c.id,
            new Date(now.getTime() - 14 * DAY_MS).toISOString().slice(0, 10),
          )
        ).map(r => ({
          team: r.team,
          day: r.day,
          status: r.status,
          detail: r.detail,
          attempts: r.attempts,
          at: r.updated_at.toISOString(),
        })),
      });
    }
    return out;
  }

  async roadmap() {
    const now = this.now();
    const m = await this.matrix();
    const perm = await this.permissionsEvidence();
    const milestones = [];
    for (const ms of this.deps.definitions.milestones) {
      const criteria: Criterion[] = [];
      for (const c of ms.criteria) {
        criteria.push(await this.evaluate(c, m, perm, now));
      }
      milestones.push({ ...ms, criteria });
    }
    return { milestones, computedAt: now.toISOString() };
  }

  async evaluate(
    c: CriterionDefinition,
    m: Matrix,
    perm: Awaited<ReturnType<AdoptionService['permissionsEvidence']>>,
    now: Date,
  ): Promise<Criterion> {
    const at = now.toISOString();
    const notMeasurable = (detail: string): Criterion => ({
      text: c.text,
      status: 'not-measurable',
      detail,
    });
    const measure = c.measure;
    if (!measure) return notMeasurable(c.why ?? 'no source records this yet');
    switch (measure.kind) {
      case 'teamsAtPhase': {
        const need =
          measure.minTeams === 'all' ? m.teams.length : measure.minTeams;
        const teams = m.cells
          .filter(
            x =>
              x.source === 'measured' &&
              x.capability === measure.capability &&
              x.phase >= measure.minPhase,
          )
          .map(x => x.team.replace('group:default/', ''));
        return {
          text: c.text,
          status: teams.length >= need ? 'met' : 'not-met',
          detail: `${
            teams.length
          } of ${need} needed teams at measured phase >= ${measure.minPhase}${
            teams.length ? `: ${teams.join(', ')}` : ''
          }`,
          source:
            'adoption matrix (platform telemetry, shim reports, authz shadow stats)',
          measuredAt: at,
        };
      }
      case 'shadowTracked':
      case 'discrepancyBelow': {
        if (!perm.ok) return notMeasurable(perm.detail);
        const day = perm.stats.filter(
          s => Date.parse(s.bucketStart) >= now.getTime() - DAY_MS,
        );
        const checks = day.reduce((a, s) => a + s.checks, 0);
        const disc = day.reduce((a, s) => a + s.discrepancies, 0);
        if (measure.kind === 'shadowTracked') {
          return {
            text: c.text,
            status: perm.stats.length > 0 ? 'met' : 'not-met',
            detail: `${perm.stats.length} hourly shadow buckets in 30 days`,
            source: 'authz /v1/shadow/stats',
            measuredAt: at,
          };
        }
        if (checks === 0)
          return notMeasurable(
            'no shadow-mode checks in the last 24 h (authz /v1/shadow/stats)',
          );
        const rate = disc / checks;
        return {
          text: c.text,
          status: rate < measure.maxRate ? 'met' : 'not-met',
          detail: `${disc} discrepancies in ${checks} shadow checks over 24 h = ${(
            rate * 100
          ).toFixed(3)}% (limit ${(measure.maxRate * 100).toFixed(1)}%)`,
          source: 'authz /v1/shadow/stats',
          measuredAt: at,
        };
      }
      case 'sloObjective': {
        const parts: string[] = [];
        const sources: string[] = [];
        let met = true;
        let measuredAt: string | undefined;
        for (const id of measure.slos) {
          let slo;
          try {
            slo = await this.deps.sources.slo(id);
          } catch (e) {
            return notMeasurable(
              `SLO plugin unreadable: ${(e as Error).message}`,
            );
          }
          if (!slo) return notMeasurable(`no SLO ${id} in the SLO plugin`);
          if (slo.sli === null || slo.total === 0) {
            return notMeasurable(
              `SLO ${slo.id} has no data in its window (${slo.dataStatus.message})`,
            );
          }
          const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
          const within =
            slo.thresholdMs !== undefined
              ? ` within ${slo.thresholdMs} ms`
              : ' good';
          met &&= slo.sli >= slo.objective;
          parts.push(
            `${slo.id}: ${pct(slo.sli)} of ${slo.total}${within} over ${
              slo.window
            } (objective ${pct(slo.objective)})`,
          );
          sources.push(
            `${slo.id}${slo.sliSource ? ` (${slo.sliSource})` : ''}`,
          );
          const last = slo.dataStatus.lastMinute ?? undefined;
          if (last && (!measuredAt || last < measuredAt)) measuredAt = last;
        }
        return {
          text: c.text,
          status: met ? 'met' : 'not-met',
          detail: parts.join('; ') + (measure.note ? `. ${measure.note}` : ''),
          source: `SLO plugin: ${sources.join(', ')}`,
          measuredAt: measuredAt ?? at,
        };
      }
      case 'connectionsReduced':
      case 'limitBelow': {
        let samples;
        try {
          samples = await this.deps.sources.capacitySamples(measure.limit, 400);
        } catch (e) {
          return notMeasurable(
            `capacity API unreachable: ${(e as Error).message}`,
          );
        }
        if (samples.length === 0)
          return notMeasurable(`no capacity samples for ${measure.limit}`);
        const newest = samples[samples.length - 1];
        if (measure.kind === 'limitBelow') {
          return {
            text: c.text,
            status: newest.value < measure.max ? 'met' : 'not-met',
            detail: `newest ${measure.limit} sample ${newest.value} at ${newest.at} (limit < ${measure.max})`,
            source: `capacity /v1/limits/${measure.limit}/samples`,
            measuredAt: at,
          };
        }
        const oldest = samples[0];
        if (
          samples.length < 2 ||
          Date.parse(newest.at) - Date.parse(oldest.at) < DAY_MS
        )
          return notMeasurable(
            `needs a baseline: ${samples.length} ${measure.limit} samples spanning less than a day`,
          );
        const reduction =
          oldest.value > 0 ? (1 - newest.value / oldest.value) * 100 : 0;
        return {
          text: c.text,
          status: reduction >= measure.reductionPct ? 'met' : 'not-met',
          detail: `${oldest.value} at ${
            oldest.at
          } (oldest sample, the baseline) -> ${newest.value} at ${
            newest.at
          }: ${reduction.toFixed(1)}% reduction (needs ${
            measure.reductionPct
          }%)`,
          source: `capacity /v1/limits/${measure.limit}/samples`,
          measuredAt: at,
        };
      }
      default:
        return notMeasurable('unknown measure');
    }
  }

  async risks() {
    const { definitions } = this.deps;
    const edits = await this.deps.store.riskEdits();
    const historyOf = (id: string) =>
      edits
        .filter(e => e.item_id === id)
        .map(e => ({
          id: Number(e.id),
          itemId: e.item_id,
          changes: e.changes,
          editedBy: e.edited_by,
          editedAt: e.edited_at.toISOString(),
        }));
    const apply = <T extends object>(item: T, id: string): T =>
      edits
        .filter(e => e.item_id === id)
        .reduce((acc, e) => ({ ...acc, ...e.changes }), item);
    return {
      risks: definitions.risks.map(r => ({
        ...apply(r, r.id),
        history: historyOf(r.id),
      })),
      questions: definitions.questions.map(q => ({
        ...apply({ ...q, answer: q.answer ?? null }, q.id),
        history: historyOf(q.id),
      })),
    };
  }

  async updateRisk(
    id: string,
    changes: Record<string, string>,
    editedBy: string,
  ) {
    const { definitions } = this.deps;
    const isRisk = definitions.risks.some(r => r.id === id);
    const isQuestion = definitions.questions.some(q => q.id === id);
    if (!isRisk && !isQuestion)
      throw new NotFoundError(`path.id: no risk or open question ${id}`);
    const allowed = isRisk
      ? ['likelihood', 'impact', 'mitigation', 'owner', 'status']
      : ['owner', 'answer'];
    const wrong = Object.keys(changes).filter(k => !allowed.includes(k));
    if (wrong.length > 0) {
      throw new InputError(
        `body.${wrong[0]}: not editable on ${
          isRisk ? 'a risk' : 'an open question'
        } (editable: ${allowed.join(', ')})`,
      );
    }
    await this.deps.store.appendRiskEdit(id, changes, editedBy, this.now());
    const all = await this.risks();
    const item = [...all.risks, ...all.questions].find(x => x.id === id)!;
    return { item, history: item.history };
  }
}
