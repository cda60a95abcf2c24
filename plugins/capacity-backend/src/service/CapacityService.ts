import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  budgetAlert,
  CapacityProject,
  CapacityStatus,
  CostGuardrailsView,
  CurrentValue,
  DAY_MS,
  DriverCostView,
  evaluateStatus,
  fitValueAt,
  forecastLimit,
  ForecastOptions,
  LimitDefinition,
  LimitView,
  needsCostReview,
  Provenance,
  Sample,
  scenarioForecast,
  STATUS_POLICY,
} from '@internal/plugin-capacity-common';
import { Collector } from '../collectors/types';
import { CapacityDefinitions } from './definitions';
import { deliverStatusWebhook, StatusWebhookOptions } from './statusWebhook';
import { CapacityStore, SeriesPoint, StatusChange } from './CapacityStore';

export interface CapacitySettings extends ForecastOptions {
  yellowWithinDays: number;
  growthMultiplier: number;
  growthOverDays: number;
}

export const DEFAULT_SETTINGS: CapacitySettings = {
  windowDays: 14,
  minPoints: 6,
  minR2: 0.7,
  yellowWithinDays: 14,
  growthMultiplier: 5,
  growthOverDays: 182,
};

export interface RecentPoint {
  at: string;
  value: number;
  provenance: Provenance;
}

export type LimitViewWithRecent = LimitView & { recent: RecentPoint[] };

export interface SampleInput {
  limit: string;
  value: number;
  at: string;
  source: string;
  estimate?: boolean;
}

export interface SpendInput {
  driver: string;
  service: string;
  month: string;
  amount: number;
  at?: string;
  source: string;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** At most `max` samples, evenly spaced by index, always keeping the newest (for sparklines). */
export function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = (items.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => items[Math.round(i * step)]);
}
const monthOf = (d: Date) => d.toISOString().slice(0, 7);

/** The doomsday clock's logic over the store: views, statuses, review and cost guardrails. */
export class CapacityService {
  constructor(
    private readonly deps: {
      store: CapacityStore;
      definitions: CapacityDefinitions;
      settings: CapacitySettings;
      logger: LoggerService;
      auditor?: AuditorService;
      webhook?: StatusWebhookOptions;
    },
  ) {}

  get settings() {
    return this.deps.settings;
  }

  async limits(): Promise<
    Array<LimitDefinition & { origin: 'file' | 'api'; estimateAt: string }>
  > {
    const { definitions, store } = this.deps;
    const fileIds = new Set(definitions.limits.map(l => l.id));
    const fromApi = (await store.apiLimits()).filter(r => !fileIds.has(r.id));
    return [
      ...definitions.limits.map(l => ({
        ...l,
        origin: 'file' as const,
        estimateAt: new Date(
          `${definitions.estimatesAsOf}T00:00:00Z`,
        ).toISOString(),
      })),
      ...fromApi.map(r => ({
        ...r.definition,
        origin: 'api' as const,
        estimateAt: new Date(r.created_at).toISOString(),
      })),
    ];
  }

  async views(now: Date): Promise<LimitViewWithRecent[]> {
    const { store, settings } = this.deps;
    const limits = await this.limits();
    const ids = limits.map(l => l.id);
    const [latest, windowSamples, runs] = await Promise.all([
      store.latestSamples(ids),
      store.seriesSince(
        ids,
        new Date(now.getTime() - settings.windowDays * DAY_MS),
      ),
      store.collectorRuns(),
    ]);
    const notes = new Map<string, string>();
    for (const run of runs) {
      for (const u of run.result.unavailable) notes.set(u.metric, u.reason);
    }
    const series = new Map<string, SeriesPoint[]>();
    for (const point of windowSamples) {
      const list = series.get(point.limit);
      if (list) list.push(point);
      else series.set(point.limit, [point]);
    }
    return limits.map(({ estimateAt, ...limit }) => {
      const sample = latest.get(limit.id);
      const current: CurrentValue = sample
        ? {
            value: sample.value,
            source: sample.source,
            provenance: sample.provenance,
            at: sample.at,
          }
        : {
            value: limit.estimate.value,
            source: `declared estimate: ${limit.estimate.note}`,
            provenance: 'estimate',
            at: estimateAt,
          };
      const recent = series.get(limit.id) ?? [];
      // Declared estimates are not measurements: they never feed a forecast.
      const measured = recent
        .filter(s => s.provenance !== 'estimate')
        .map(s => ({ at: new Date(s.t), value: s.value }));
      const forecast = forecastLimit(
        {
          samples: measured,
          now,
          trigger: limit.trigger,
          critical: limit.critical,
          leadTimeWeeksMax: limit.leadTimeWeeks.max,
        },
        settings,
      );
      const fitted = 'refused' in forecast ? undefined : forecast;
      const scenario =
        limit.traffic === 'none'
          ? undefined
          : scenarioForecast({
              traffic: limit.traffic,
              valueNow: fitted ? fitValueAt(fitted, now) : current.value,
              slopePerDay: fitted?.slopePerDay,
              now,
              trigger: limit.trigger,
              leadTimeWeeksMax: limit.leadTimeWeeks.max,
              multiplier: settings.growthMultiplier,
              overDays: settings.growthOverDays,
            });
      const actBy = fitted?.actBy ? new Date(fitted.actBy) : null;
      const { status, reason } = evaluateStatus({
        value: current.value,
        trigger: limit.trigger,
        critical: limit.critical,
        actBy,
        now,
        yellowWithinDays: settings.yellowWithinDays,
      });
      let daysToTrigger: number | null = null;
      if (current.value >= limit.trigger) daysToTrigger = 0;
      else if (fitted?.triggerAt) {
        daysToTrigger = round(
          (new Date(fitted.triggerAt).getTime() - now.getTime()) / DAY_MS,
        );
      }
      const collectorNote = notes.get(limit.id);
      return {
        ...limit,
        current,
        ...(collectorNote && current.provenance !== 'live'
          ? { collectorNote }
          : {}),
        forecast,
        ...(scenario ? { scenario } : {}),
        status,
        statusReason: `${reason}${
          current.provenance === 'estimate' ? ' (on a declared estimate)' : ''
        }`,
        policy: STATUS_POLICY[status],
        daysToTrigger,
        percentOfTrigger: round((current.value / limit.trigger) * 100),
        // The fit uses every sample; the sparkline gets at most 200 of them.
        recent: thin(recent, 200).map(s => ({
          at: new Date(s.t).toISOString(),
          value: s.value,
          provenance: s.provenance,
        })),
      };
    });
  }

  /** Records status changes since the last evaluation; emits an audit record and the webhook. */
  async recordStatusChanges(now: Date): Promise<StatusChange[]> {
    // The webhook (with its retries) is delivered after the lock is released.
    const recorded = await this.deps.store.withStatusLock(() =>
      this.recordStatusChangesLocked(now),
    );
    for (const { id, view, change } of recorded) {
      const webhook = await this.notify(view, change);
      if (webhook) {
        await this.deps.store.setWebhookResult(id, webhook);
        change.webhook = webhook;
      }
    }
    return recorded.map(r => r.change);
  }

  private async recordStatusChangesLocked(
    now: Date,
  ): Promise<Array<{ id: string; view: LimitView; change: StatusChange }>> {
    const { store, auditor, logger } = this.deps;
    const [views, last] = await Promise.all([
      this.views(now),
      store.lastStatuses(),
    ]);
    const changes: Array<{
      id: string;
      view: LimitView;
      change: StatusChange;
    }> = [];
    for (const view of views) {
      const previous = last.get(view.id) ?? null;
      if (previous === view.status) continue;
      const row = await store.addStatusChange({
        limit: view.id,
        from: previous,
        to: view.status,
        reason: view.statusReason,
      });
      const change: StatusChange = {
        limit: view.id,
        from: previous,
        to: view.status,
        at: new Date(row.at).toISOString(),
        reason: view.statusReason,
      };
      if (auditor) {
        const event = await auditor.createEvent({
          eventId: 'capacity-status-change',
          severityLevel: view.status === 'red' ? 'high' : 'medium',
          meta: {
            limit: view.id,
            from: previous,
            to: view.status,
            reason: view.statusReason,
          },
        });
        await event.success();
      }
      logger.info(
        `capacity: ${view.id} ${previous ?? '(none)'} → ${view.status}: ${
          view.statusReason
        }`,
      );
      changes.push({ id: row.id, view, change });
    }
    return changes;
  }

  private async notify(
    view: LimitView,
    change: StatusChange,
  ): Promise<string | undefined> {
    const { webhook } = this.deps;
    if (!webhook) return undefined;
    const result = await deliverStatusWebhook(webhook, {
      type: 'capacity.status_changed',
      ...change,
      name: view.name,
      current: view.current,
      trigger: view.trigger,
      critical: view.critical,
      owner: view.owner,
      policy: view.policy,
    });
    if (!result.startsWith('delivered')) {
      this.deps.logger.warn(`capacity webhook ${result}`);
    }
    return result;
  }

  async collect(collectors: Collector[], now: Date): Promise<void> {
    const { store, logger } = this.deps;
    const known = new Set((await this.limits()).map(l => l.id));
    for (const collector of collectors) {
      try {
        const out = await collector.collect(now);
        await store.addSamples(
          out.samples
            .filter(s => known.has(s.limit))
            .map(s => ({
              ...s,
              at: now,
              provenance: 'live' as const,
              recordedBy: `collector:${collector.name}`,
            })),
        );
        await store.saveCollectorRun(collector.name, now, {
          measured: out.measured,
          unavailable: out.unavailable,
        });
      } catch (error) {
        logger.warn(
          `capacity collector ${collector.name} failed: ${
            (error as Error).message
          }`,
        );
        await store.saveCollectorRun(collector.name, now, {
          measured: [],
          unavailable: [
            { metric: collector.name, reason: (error as Error).message },
          ],
        });
      }
    }
    await this.recordStatusChanges(now);
  }

  async pushSamples(
    samples: SampleInput[],
    recordedBy: string,
    now: Date,
  ): Promise<number> {
    const known = new Set((await this.limits()).map(l => l.id));
    const issues: string[] = [];
    samples.forEach((s, i) => {
      if (!known.has(s.limit))
        issues.push(`samples[${i}].limit: unknown limit "${s.limit}"`);
      if (!Number.isFinite(s.value))
        issues.push(`samples[${i}].value: must be a finite number`);
      const at = Date.parse(s.at);
      if (Number.isNaN(at))
        issues.push(`samples[${i}].at: must be a date-time`);
      else if (at > now.getTime() + 5 * 60_000)
        issues.push(`samples[${i}].at: must not be in the future`);
    });
    if (issues.length)
      throw new InputError(`Invalid samples: ${issues.join('; ')}`);
    await this.deps.store.addSamples(
      samples.map(s => ({
        limit: s.limit,
        value: s.value,
        at: new Date(s.at),
        source: s.source,
        provenance: (s.estimate ? 'estimate' : 'pushed') as Provenance,
        recordedBy,
      })),
    );
    await this.recordStatusChanges(now);
    return samples.length;
  }

  async createLimit(limit: LimitDefinition, createdBy: string, now: Date) {
    if (this.deps.definitions.limits.some(l => l.id === limit.id)) {
      throw new ConflictError(
        `Limit "${limit.id}" is declared in ${this.deps.definitions.files.limits}; change the file instead`,
      );
    }
    await this.deps.store.upsertApiLimit(limit, createdBy);
    await this.recordStatusChanges(now);
  }

  async deleteLimit(id: string) {
    if (this.deps.definitions.limits.some(l => l.id === id)) {
      throw new ConflictError(
        `Limit "${id}" is declared in ${this.deps.definitions.files.limits}; change the file instead`,
      );
    }
    if (!(await this.deps.store.deleteApiLimit(id)))
      throw new NotFoundError(`No limit "${id}" added by API`);
  }

  async samples(id: string, days: number, now: Date): Promise<Sample[]> {
    if (!(await this.limits()).some(l => l.id === id))
      throw new NotFoundError(`No limit "${id}"`);
    return this.deps.store.samplesSince(
      [id],
      new Date(now.getTime() - days * DAY_MS),
    );
  }

  async collectorRuns() {
    return (await this.deps.store.collectorRuns()).map(r => ({
      collector: r.collector,
      at: new Date(r.at).toISOString(),
      ...r.result,
    }));
  }

  async statusChanges(days: number, now: Date) {
    return this.deps.store.statusChangesSince(
      new Date(now.getTime() - days * DAY_MS),
    );
  }

  async projects(now: Date) {
    const views = await this.views(now);
    const byId = new Map(views.map(v => [v.id, v]));
    return this.deps.definitions.projects.map((p: CapacityProject) => ({
      ...p,
      relieves: p.relieves.flatMap(id => {
        const v = byId.get(id);
        return v
          ? [
              {
                id,
                name: v.name,
                status: v.status,
                percentOfTrigger: v.percentOfTrigger,
                provenance: v.current.provenance,
              },
            ]
          : [];
      }),
    }));
  }

  async review(now: Date) {
    const from = new Date(now.getTime() - 7 * DAY_MS);
    const views = await this.views(now);
    const ids = views.map(v => v.id);
    const [weekAgo, statusChanges] = await Promise.all([
      this.deps.store.samplesAsOf(ids, from),
      this.deps.store.statusChangesSince(from),
    ]);
    const limits = views.map(v => {
      const before = weekAgo.get(v.id);
      return {
        id: v.id,
        name: v.name,
        unit: v.unit,
        now: {
          value: v.current.value,
          provenance: v.current.provenance,
          at: v.current.at,
        },
        weekAgo: before
          ? {
              value: before.value,
              provenance: before.provenance,
              at: before.at,
            }
          : null,
        change: before ? v.current.value - before.value : null,
        status: v.status,
        percentOfTrigger: v.percentOfTrigger,
      };
    });
    const above = views
      .filter(
        v => v.percentOfTrigger >= 50 || v.current.provenance === 'estimate',
      )
      .map(v => ({
        id: v.id,
        percentOfTrigger: v.percentOfTrigger,
        provenance: v.current.provenance,
      }));
    return {
      from: from.toISOString(),
      to: now.toISOString(),
      limits,
      statusChanges,
      exitCriterion: {
        text: 'Weekly capacity review meeting (30 min) until all metrics are below 50% of trigger thresholds (spec section 4). Only measured values (live or pushed) count; a declared estimate keeps the review going.',
        met: above.length === 0,
        above,
      },
    };
  }

  async costs(
    month: string | undefined,
    now: Date,
  ): Promise<CostGuardrailsView> {
    const { costs } = this.deps.definitions;
    const m = month ?? monthOf(now);
    const rows = await this.deps.store.latestSpend(m);
    const spendOf = new Map(
      rows.map(r => [`${r.driver_id}/${r.service_id}`, r]),
    );
    const latest = await this.deps.store.latestSamples(
      costs.drivers.flatMap(d =>
        d.services.flatMap(s => (s.derivedFrom ? [s.derivedFrom.limit] : [])),
      ),
    );
    const drivers: DriverCostView[] = costs.drivers.map(driver => {
      const services = driver.services.map(service => {
        const pushed = spendOf.get(`${driver.id}/${service.id}`);
        let spend: CostGuardrailsView['drivers'][number]['services'][number]['spend'] =
          null;
        if (pushed) {
          spend = {
            amount: pushed.amount,
            source: pushed.source,
            at: new Date(pushed.at).toISOString(),
            provenance: 'pushed',
          };
        } else if (service.derivedFrom && m === monthOf(now)) {
          const sample = latest.get(service.derivedFrom.limit);
          if (sample && sample.provenance !== 'estimate') {
            const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
            const end = Date.UTC(
              now.getUTCFullYear(),
              now.getUTCMonth() + 1,
              1,
            );
            const elapsed = (now.getTime() - start) / (end - start);
            const amount = round(
              sample.value * service.derivedFrom.pricePerUnitMonth * elapsed,
              2,
            );
            spend = {
              amount,
              source: `derived: ${sample.value} (${
                service.derivedFrom.limit
              }, ${sample.provenance} at ${sample.at}) × ${
                service.derivedFrom.pricePerUnitMonth
              }/month × ${round(elapsed * 100)}% of the month elapsed; ${
                service.derivedFrom.priceNote
              }`,
              at: now.toISOString(),
              provenance: 'derived',
            };
          }
        }
        return {
          id: service.id,
          name: service.name,
          allocation: service.allocation,
          spend,
          percentOfAllocation: spend
            ? round((spend.amount / service.allocation) * 100)
            : null,
          costReview: spend
            ? needsCostReview(spend.amount, service.allocation, costs.reviewAt)
            : false,
        };
      });
      const total = services.reduce(
        (sum, s) => sum + (s.spend?.amount ?? 0),
        0,
      );
      return {
        id: driver.id,
        name: driver.name,
        monthlyBudget: driver.monthlyBudget,
        spend: round(total, 2),
        servicesWithoutData: services.filter(s => !s.spend).map(s => s.id),
        percentOfBudget: round((total / driver.monthlyBudget) * 100),
        alert: budgetAlert(total, driver.monthlyBudget, costs.warnAt),
        services,
      };
    });
    return {
      month: m,
      currency: costs.currency,
      warnAt: costs.warnAt,
      reviewAt: costs.reviewAt,
      drivers,
    };
  }

  async pushSpend(
    spend: SpendInput[],
    recordedBy: string,
    now: Date,
  ): Promise<number> {
    const { costs } = this.deps.definitions;
    const issues: string[] = [];
    spend.forEach((s, i) => {
      const driver = costs.drivers.find(d => d.id === s.driver);
      if (!driver)
        issues.push(`spend[${i}].driver: unknown driver "${s.driver}"`);
      else if (!driver.services.some(x => x.id === s.service)) {
        issues.push(
          `spend[${i}].service: "${s.service}" is not a service of driver "${s.driver}"`,
        );
      }
      if (s.at && Number.isNaN(Date.parse(s.at)))
        issues.push(`spend[${i}].at: must be a date-time`);
    });
    if (issues.length)
      throw new InputError(`Invalid spend: ${issues.join('; ')}`);
    await this.deps.store.addSpend(
      spend.map(s => ({
        driver_id: s.driver,
        service_id: s.service,
        month: s.month,
        amount: s.amount,
        at: s.at ? new Date(s.at) : now,
        source: s.source,
        recorded_by: recordedBy,
      })),
    );
    return spend.length;
  }
}

export type { CapacityStatus };
