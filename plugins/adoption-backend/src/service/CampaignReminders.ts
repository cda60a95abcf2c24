import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { AdoptionStore } from './AdoptionStore';

const DAY_MS = 86_400_000;

/** What the reminder job needs of a campaign (the shape `AdoptionService.campaigns()` returns). */
export interface CampaignProgress {
  id: string;
  title: string;
  capability: string;
  targetPhase: number;
  start: string;
  teams: Array<{
    team: string;
    deadline: string;
    phase: number;
    reachedAt: string | null;
    overdue: boolean;
  }>;
}

export interface ReminderSettings {
  /** Where reminders are posted (JSON), like capacity's status webhook. */
  webhook: { url: string; timeoutMs: number };
  /** Teams not done are reminded from this many days before their deadline (and after it). */
  daysBeforeDeadline: number;
}

export interface SentReminder {
  campaign: string;
  team: string;
  day: string;
  status: 'delivered' | 'failed';
  detail: string;
}

/** A team is behind when it has not reached the target and its deadline is near or past. */
export function isBehind(
  team: CampaignProgress['teams'][number],
  daysBeforeDeadline: number,
  now: Date,
): boolean {
  if (team.reachedAt) return false;
  const deadline = Date.parse(`${team.deadline}T00:00:00Z`);
  return now.getTime() >= deadline - daysBeforeDeadline * DAY_MS;
}

/**
 * Posts one reminder per campaign, behind team and UTC day to the reminder webhook (the app
 * has no Backstage notifications backend), records the delivery, and audits each attempt.
 * A failed delivery is retried on the next run the same day; a delivered one never is.
 */
export class CampaignReminders {
  constructor(
    private readonly deps: {
      campaigns: () => Promise<CampaignProgress[]>;
      store: AdoptionStore;
      auditor: AuditorService;
      logger: LoggerService;
      settings: ReminderSettings;
      now?: () => Date;
    },
  ) {}

  async run(): Promise<SentReminder[]> {
    const { store, settings } = this.deps;
    const now = this.deps.now?.() ?? new Date();
    const day = now.toISOString().slice(0, 10);
    const sent: SentReminder[] = [];
    for (const campaign of await this.deps.campaigns()) {
      if (now.getTime() < Date.parse(`${campaign.start}T00:00:00Z`)) continue;
      for (const team of campaign.teams) {
        if (!isBehind(team, settings.daysBeforeDeadline, now)) continue;
        const claim = await store.claimReminder(
          campaign.id,
          team.team,
          day,
          now,
        );
        if (!claim) continue;
        const result = await this.deliver(campaign, team, day);
        await store.finishReminder(
          claim.id,
          result.status,
          result.detail,
          this.deps.now?.() ?? new Date(),
        );
        await this.audit(campaign.id, team.team, day, result);
        sent.push({ campaign: campaign.id, team: team.team, day, ...result });
      }
    }
    return sent;
  }

  private async deliver(
    campaign: CampaignProgress,
    team: CampaignProgress['teams'][number],
    day: string,
  ): Promise<{ status: 'delivered' | 'failed'; detail: string }> {
    const { webhook } = this.deps.settings;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          type: 'adoption.campaign_reminder',
          campaign: campaign.id,
          title: campaign.title,
          capability: campaign.capability,
          targetPhase: campaign.targetPhase,
          team: team.team,
          phase: team.phase,
          deadline: team.deadline,
          overdue: team.overdue,
          day,
        }),
        signal: AbortSignal.timeout(webhook.timeoutMs),
      });
      return response.ok
        ? { status: 'delivered', detail: `HTTP ${response.status}` }
        : { status: 'failed', detail: `HTTP ${response.status}` };
    } catch (error) {
      this.deps.logger.warn(
        `adoption: reminder to ${team.team} for ${campaign.id} failed: ${
          (error as Error).message
        }`,
      );
      return { status: 'failed', detail: (error as Error).message };
    }
  }

  private async audit(
    campaign: string,
    team: string,
    day: string,
    result: { status: 'delivered' | 'failed'; detail: string },
  ) {
    const event = await this.deps.auditor.createEvent({
      eventId: 'adoption-campaign-reminder',
      severityLevel: 'low',
      meta: { campaign, team, day, detail: result.detail },
    });
    if (result.status === 'delivered') await event.success();
    else await event.fail({ error: new Error(result.detail) });
  }
}
