import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  ALERT_PRESETS,
  AlertEvaluation,
  AlertRule,
  BURN_RATE_WINDOWS,
  budgetAt,
  burnDown,
  burnRate,
  evaluateAlert,
  evaluatePolicy,
  lookbackMinutes,
  MINUTE_MS,
  minuteIndex,
  MinuteSeries,
  PolicyEvaluation,
  SloDefinition,
} from '@internal/plugin-slo-common';
import { PlatformEventsService } from '@internal/plugin-platform-node';
import { SliSources } from './sources';
import { AlertTransition, SloStore } from './SloStore';

export type SloOrigin = 'file' | 'api';

export interface SloSummary {
  id: string;
  name: string;
  description?: string;
  journey: string;
  service: string;
  owner: string;
  objective: number;
  window: string;
  origin: SloOrigin;
  sliSource: string;
  sliKind: 'ratio' | 'latency';
  thresholdMs?: number;
  runbook: string;
  sli: number | null;
  good: number;
  total: number;
  budget: { remaining: number | null; consumed: number | null };
  policy: PolicyEvaluation;
  dataStatus: { ok: boolean; message: string; lastMinute: string | null };
}

export interface SloDetail extends SloSummary {
  asOf: string;
  burnRates: Array<{ windowMinutes: number; value: number | null }>;
  alerts: Array<
    Omit<AlertEvaluation, 'sinceMinute'> & { since: string; runbook: string }
  >;
  burnDown: Array<{ minute: string; remaining: number | null }>;
}

export interface PagerDutyOptions {
  routingKey: string;
}

export interface SloServiceOptions {
  store: SloStore;
  sources: SliSources;
  fileDefinitions: SloDefinition[];
  logger: LoggerService;
  /** How far back the first ingestion of an SLO reads (days). */
  initialLookbackDays: number;
  /** Minutes re-read before the cursor on every ingestion (late flushes). */
  ingestOverlapMinutes?: number;
  /** Set when alerts are delivered to PagerDuty (Events v2). */
  pagerduty?: PagerDutyOptions;
  /** Portal base URL for links in alert payloads. */
  portalBaseUrl: string;
  /** Policy changes are emitted as `slo.policy_changed` in the transaction that stores them. */
  events: Pick<PlatformEventsService, 'emit'>;
  now?: () => Date;
}

const iso = (minute: number) => new Date(minute * MINUTE_MS).toISOString();

export function alertRules(slo: SloDefinition): readonly AlertRule[] {
  return ALERT_PRESETS[slo.alerting.preset];
}

export function dedupKey(sloId: string, alert: string): string {
  return `platform-portal/slo/${sloId}/${alert}`;
}

/** SLO registry, ingestion, evaluation and the alert / policy state machine. */
export class SloService {
  private readonly files = new Map<string, SloDefinition>();
  private readonly api = new Map<string, SloDefinition>();
  private readonly now: () => Date;
  /** SLOs whose stored minutes were checked against their current source in this process. */
  private readonly sourceChecked = new Set<string>();

  constructor(private readonly options: SloServiceOptions) {
    for (const d of options.fileDefinitions) this.files.set(d.id, d);
    this.now = options.now ?? (() => new Date());
  }

  async loadApiDefinitions(): Promise<void> {
    const rows = await this.options.store.listApiDefinitions();
    this.api.clear();
    for (const row of rows) {
      const definition =
        typeof row.definition === 'string'
          ? (JSON.parse(row.definition) as SloDefinition)
          : row.definition;
      if (!this.files.has(definition.id))
        this.api.set(definition.id, definition);
    }
  }

  list(): Array<{ definition: SloDefinition; origin: SloOrigin }> {
    return [
      ...[...this.files.values()].map(d => ({
        definition: d,
        origin: 'file' as const,
      })),
      ...[...this.api.values()].map(d => ({
        definition: d,
        origin: 'api' as const,
      })),
    ];
  }

  get(id: string): { definition: SloDefinition; origin: SloOrigin } {
    const file = this.files.get(id);
    if (file) return { definition: file, origin: 'file' };
    const api = this.api.get(id);
    if (api) return { definition: api, origin: 'api' };
    throw new NotFoundError(`No SLO with id ${id}`);
  }

  async create(definition: SloDefinition, createdBy: string): Promise<void> {
    if (this.files.has(definition.id) || this.api.has(definition.id)) {
      throw new ConflictError(
        `id: an SLO with id ${definition.id} already exists`,
      );
    }
    const inserted = await this.options.store.insertDefinition(
      definition,
      createdBy,
    );
    if (!inserted) {
      throw new ConflictError(
        `id: an SLO with id ${definition.id} already exists`,
      );
    }
    this.api.set(definition.id, definition);
  }

  async remove(id: string): Promise<void> {
    if (this.files.has(id)) {
      throw new ConflictError(
        `SLO ${id} is defined in the repository (slos/); remove it there`,
      );
    }
    if (!this.api.has(id)) throw new NotFoundError(`No SLO with id ${id}`);
    await this.options.store.deleteDefinition(id);
    this.api.delete(id);
  }

  /** Pulls new minutes of one SLO from its source into slo_minutes. */
  async ingest(slo: SloDefinition, now = this.now()): Promise<number> {
    const { sources, store } = this.options;
    if (!sources.availability(slo).ok || slo.sli.source === 'series') return 0;
    if (!this.sourceChecked.has(slo.id)) {
      // An SLO file may give an id another source (permission-check-uncached once read the
      // HTTP route): minutes measured by the old source must not count for the new one.
      const forgotten = await store.forgetOtherSources(slo.id, slo.sli.source);
      if (forgotten > 0) {
        this.options.logger.info(
          `SLO ${slo.id}: ${forgotten} stored minutes came from another source than ${slo.sli.source}; dropped, re-ingesting`,
        );
      }
      this.sourceChecked.add(slo.id);
    }
    const nowMinute = minuteIndex(now.getTime());
    const cursor = await store.getCursor(slo.id);
    const overlap = this.options.ingestOverlapMinutes ?? 5;
    const fromMinute = cursor
      ? minuteIndex(cursor.getTime()) - overlap
      : nowMinute - this.options.initialLookbackDays * 1440;
    const to = new Date((nowMinute + 1) * MINUTE_MS);
    const points = await sources.read(
      slo,
      new Date(fromMinute * MINUTE_MS),
      to,
    );
    await store.upsertPoints(slo.id, points, slo.sli.source);
    await store.setCursor(slo.id, new Date(nowMinute * MINUTE_MS));
    return points.length;
  }

  /** Stores posted points; they replace stored points of the same minutes. */
  async backfill(
    id: string,
    points: Array<{
      minuteMs: number;
      good: number;
      total: number;
      resolutionMinutes: number;
    }>,
  ): Promise<number> {
    this.get(id);
    return this.options.store.upsertPoints(id, points, 'backfill');
  }

  /** The series an evaluation at minute `at` can read. */
  async series(slo: SloDefinition, at: number): Promise<MinuteSeries> {
    const lookback = lookbackMinutes(
      slo.window,
      alertRules(slo),
      slo.alerting.forMinutes,
    );
    const first = at - lookback;
    const points = await this.options.store.loadPoints(
      slo.id,
      (first - 1) * MINUTE_MS,
      at * MINUTE_MS,
    );
    return new MinuteSeries(first, at, points);
  }

  async summary(id: string, asOf = this.now()): Promise<SloSummary> {
    const { definition, origin } = this.get(id);
    const at = minuteIndex(asOf.getTime());
    return this.summarize(
      definition,
      origin,
      await this.series(definition, at),
      at,
    );
  }

  async detail(id: string, asOf = this.now()): Promise<SloDetail> {
    const { definition, origin } = this.get(id);
    const at = minuteIndex(asOf.getTime());
    const series = await this.series(definition, at);
    const summary = await this.summarize(definition, origin, series, at);
    const windowMinutes =
      at -
      budgetAt(series, definition.objective, definition.window, at).afterMinute;
    const step = Math.max(1, Math.ceil(windowMinutes / 120));
    return {
      ...summary,
      asOf: new Date(asOf).toISOString(),
      burnRates: BURN_RATE_WINDOWS.map(w => ({
        windowMinutes: w,
        value: burnRate(series, definition.objective, w, at),
      })),
      alerts: this.evaluateAlerts(definition, series, at).map(
        ({ sinceMinute, ...a }) => ({
          ...a,
          since: iso(sinceMinute),
          runbook: definition.alerting.runbook,
        }),
      ),
      burnDown: burnDown(
        series,
        definition.objective,
        definition.window,
        at,
        step,
      ).map(p => ({ minute: iso(p.minute), remaining: p.remaining })),
    };
  }

  private evaluateAlerts(
    slo: SloDefinition,
    series: MinuteSeries,
    at: number,
  ): AlertEvaluation[] {
    return alertRules(slo).map(rule =>
      evaluateAlert(series, slo.objective, rule, at, slo.alerting.forMinutes),
    );
  }

  private async summarize(
    slo: SloDefinition,
    origin: SloOrigin,
    series: MinuteSeries,
    at: number,
  ): Promise<SloSummary> {
    const budget = budgetAt(series, slo.objective, slo.window, at);
    const availability = this.options.sources.availability(slo);
    const lastMinute = await this.options.store.lastMinute(slo.id);
    let dataStatus: SloSummary['dataStatus'];
    if (!availability.ok && budget.total === 0) {
      dataStatus = {
        ok: false,
        message: availability.message,
        lastMinute: null,
      };
    } else if (budget.total === 0) {
      dataStatus = {
        ok: false,
        message: `no data: no events in the ${slo.window} window yet (source: ${
          availability.ok ? availability.description : availability.message
        })`,
        lastMinute: lastMinute?.toISOString() ?? null,
      };
    } else {
      dataStatus = {
        ok: true,
        message: `measured from ${
          availability.ok ? availability.description : 'backfilled series'
        }`,
        lastMinute: lastMinute?.toISOString() ?? null,
      };
    }
    const { sli } = slo;
    return {
      id: slo.id,
      name: slo.name,
      description: slo.description,
      journey: slo.journey,
      service: slo.service,
      owner: slo.owner,
      objective: slo.objective,
      window: slo.window,
      origin,
      sliSource: sli.source,
      sliKind: sli.kind,
      thresholdMs: 'thresholdMs' in sli ? sli.thresholdMs : undefined,
      runbook: slo.alerting.runbook,
      sli: budget.sli,
      good: budget.good,
      total: budget.total,
      budget: { remaining: budget.remaining, consumed: budget.consumed },
      policy: evaluatePolicy(budget, slo.window),
      dataStatus,
    };
  }

  /**
   * One scheduler pass: ingest every SLO, evaluate alerts and policy at the last complete
   * minute, and record every change (history + PagerDuty event, policy event).
   */
  async tick(
    now = this.now(),
  ): Promise<{ transitions: number; policyChanges: number }> {
    let transitions = 0;
    let policyChanges = 0;
    const at = minuteIndex(now.getTime()) - 1;
    for (const { definition } of this.list()) {
      try {
        await this.ingest(definition, now);
        const series = await this.series(definition, at);
        transitions += await this.updateAlerts(definition, series, at);
        if (await this.updatePolicy(definition, series, at)) policyChanges++;
      } catch (error) {
        this.options.logger.warn(
          `SLO ${definition.id}: evaluation failed: ${
            (error as Error).message
          }`,
        );
      }
    }
    return { transitions, policyChanges };
  }

  private async updateAlerts(
    slo: SloDefinition,
    series: MinuteSeries,
    at: number,
  ): Promise<number> {
    const { store } = this.options;
    const stored = new Map(
      (await store.alertStates(slo.id)).map(r => [r.alert, r.state]),
    );
    let count = 0;
    for (const alert of this.evaluateAlerts(slo, series, at)) {
      const previous = stored.get(alert.name) ?? 'inactive';
      if (previous === alert.state) continue;
      const transition: AlertTransition = {
        sloId: slo.id,
        alert: alert.name,
        severity: alert.severity,
        fromState: previous,
        toState: alert.state,
        at: new Date(at * MINUTE_MS),
        since: new Date(alert.sinceMinute * MINUTE_MS),
        longBurnRate: alert.longBurnRate,
        shortBurnRate: alert.shortBurnRate,
      };
      let action: 'trigger' | 'resolve' | undefined;
      if (alert.state === 'firing') action = 'trigger';
      else if (previous === 'firing') action = 'resolve';
      if (action && this.options.pagerduty) {
        transition.notification = {
          dedupKey: dedupKey(slo.id, alert.name),
          payload: this.pagerDutyEvent(slo, alert, action, at),
        };
      }
      await store.recordTransition(transition);
      this.options.logger.info(
        `SLO ${slo.id} alert ${alert.name}: ${previous} → ${alert.state}`,
      );
      count++;
    }
    return count;
  }

  private async updatePolicy(
    slo: SloDefinition,
    series: MinuteSeries,
    at: number,
  ): Promise<boolean> {
    const { store } = this.options;
    const budget = budgetAt(series, slo.objective, slo.window, at);
    const policy = evaluatePolicy(budget, slo.window);
    const previous = await store.policyState(slo.id);
    const from = previous?.state ?? 'unknown';
    if (from === policy.state) return false;
    const changedAt = new Date(at * MINUTE_MS);
    await store.recordPolicyChange(
      slo.id,
      from,
      policy.state,
      policy.reason,
      changedAt,
      tx =>
        // Platform-level event: no tenant (account_id) and no acting user.
        this.options.events.emit(
          'slo.policy_changed',
          {
            slo_id: slo.id,
            from_state: from,
            to_state: policy.state,
            reason: policy.reason,
            budget_remaining: budget.remaining,
            window: slo.window,
          },
          {},
          { transaction: tx, occurredAt: changedAt },
        ),
    );
    this.options.logger.info(
      `SLO ${slo.id} error-budget policy: ${from} → ${policy.state}: ${policy.reason}`,
    );
    return true;
  }

  /** A PagerDuty Events API v2 event (https://developer.pagerduty.com/docs/events-api-v2/). */
  pagerDutyEvent(
    slo: SloDefinition,
    alert: AlertEvaluation,
    action: 'trigger' | 'resolve',
    at: number,
  ): Record<string, unknown> {
    const base = {
      routing_key: this.options.pagerduty?.routingKey ?? '',
      event_action: action,
      dedup_key: dedupKey(slo.id, alert.name),
    };
    if (action === 'resolve') return base;
    const fmt = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
    const portal = this.options.portalBaseUrl.replace(/\/$/, '');
    return {
      ...base,
      payload: {
        summary: `SLO ${slo.name}: error budget burning at ${fmt(
          alert.longBurnRate,
        )} over ${alert.longWindowMinutes} min and ${fmt(
          alert.shortBurnRate,
        )} over ${alert.shortWindowMinutes} min (> ${alert.factor}×)`,
        source: 'platform-portal/slo',
        severity: alert.severity === 'page' ? 'critical' : 'warning',
        timestamp: iso(at),
        component: slo.service,
        group: slo.owner,
        class: 'slo-burn-rate',
        custom_details: {
          slo_id: slo.id,
          objective: slo.objective,
          window: slo.window,
          alert: alert.name,
          factor: alert.factor,
          long_window_minutes: alert.longWindowMinutes,
          short_window_minutes: alert.shortWindowMinutes,
          long_burn_rate: alert.longBurnRate,
          short_burn_rate: alert.shortBurnRate,
        },
      },
      links: [
        {
          href: `${portal}/runbooks/${slo.alerting.runbook}`,
          text: `Runbook: ${slo.alerting.runbook}`,
        },
        { href: `${portal}/slos/${slo.id}`, text: `SLO ${slo.id}` },
      ],
    };
  }

  async history(id: string) {
    const { definition } = this.get(id);
    const months = await this.options.store.monthlyTotals(id, 13);
    const policyEvents = await this.options.store.policyEvents(id, 100);
    return {
      months: months.map(m => {
        const sli = m.total > 0 ? m.good / m.total : null;
        return {
          month: m.month,
          good: m.good,
          total: m.total,
          sli,
          budgetUsed:
            sli === null ? null : (1 - sli) / (1 - definition.objective),
          met: sli === null ? null : sli >= definition.objective,
        };
      }),
      policyEvents: policyEvents.map(e => ({
        at: new Date(e.at).toISOString(),
        fromState: e.from_state,
        toState: e.to_state,
        reason: e.reason,
      })),
    };
  }

  async alerts(sloId: string | undefined, limit: number) {
    const { store } = this.options;
    const names = new Map(
      this.list().map(s => [s.definition.id, s.definition]),
    );
    const current = (await store.alertStates(sloId))
      .filter(r => r.state !== 'inactive' && names.has(r.slo_id))
      .map(r => {
        const slo = names.get(r.slo_id)!;
        const rule = alertRules(slo).find(a => a.name === r.alert);
        return {
          sloId: r.slo_id,
          sloName: slo.name,
          alert: r.alert,
          severity: rule?.severity ?? 'ticket',
          state: r.state,
          since: new Date(r.since).toISOString(),
          runbook: slo.alerting.runbook,
          dedupKey: dedupKey(r.slo_id, r.alert),
        };
      });
    const history = (await store.alertHistory(limit, sloId)).map(h => ({
      id: Number(h.id),
      sloId: h.slo_id,
      alert: h.alert,
      fromState: h.from_state,
      toState: h.to_state,
      at: new Date(h.at).toISOString(),
      longBurnRate: h.long_burn_rate,
      shortBurnRate: h.short_burn_rate,
      delivery:
        h.delivery ?? (this.options.pagerduty ? 'none' : 'not-configured'),
    }));
    return { current, history };
  }
}
