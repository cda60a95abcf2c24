import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  startWebhookReceiver,
  WebhookReceiver,
} from '@internal/plugin-platform-node/testUtils';
import { AdoptionStore } from './AdoptionStore';
import {
  CampaignProgress,
  CampaignReminders,
  isBehind,
} from './CampaignReminders';

jest.setTimeout(120_000);

const campaign: CampaignProgress = {
  id: 'filtering-adoption',
  title: 'Every feature team queries through the filter engine',
  capability: 'filtering',
  targetPhase: 1,
  start: '2026-11-16',
  teams: [
    {
      team: 'group:default/dashboards',
      deadline: '2026-12-14',
      phase: 1,
      reachedAt: '2026-11-20T10:00:00.000Z',
      overdue: false,
    },
    {
      team: 'group:default/billing',
      deadline: '2026-12-14',
      phase: 0,
      reachedAt: null,
      overdue: false,
    },
  ],
};

/** Audit events as the reminder job emits them (the auditor is the boundary here). */
function recordingAuditor(events: Array<Record<string, unknown>>) {
  return {
    createEvent: async (options: any) => ({
      success: async () => {
        events.push({ ...options, outcome: 'succeeded' });
      },
      fail: async ({ error }: { error: Error }) => {
        events.push({ ...options, outcome: 'failed', error: error.message });
      },
    }),
  };
}

describe('CampaignReminders (real Postgres, real webhook receiver)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });
  let store: AdoptionStore;
  let receiver: WebhookReceiver | undefined;

  beforeAll(async () => {
    const knex = await databases.init('POSTGRES_18');
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-adoption-backend',
        'migrations',
      ),
    });
    store = new AdoptionStore(knex);
  });
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('treats a team as behind from daysBeforeDeadline before its deadline until done', () => {
    const billing = campaign.teams[1];
    expect(isBehind(billing, 3, new Date('2026-12-10T23:59:00Z'))).toBe(false);
    expect(isBehind(billing, 3, new Date('2026-12-11T00:00:00Z'))).toBe(true);
    expect(isBehind(billing, 3, new Date('2027-01-30T00:00:00Z'))).toBe(true);
    expect(isBehind(campaign.teams[0], 3, new Date('2027-01-30Z'))).toBe(false);
  });

  it('reminds each behind team once a day, retries a failed delivery, and audits each attempt', async () => {
    // The first delivery fails (HTTP 503), every later one succeeds.
    receiver = await startWebhookReceiver({
      statusFor: n => (n === 1 ? 503 : 204),
    });
    const events: Array<Record<string, unknown>> = [];
    let now = new Date('2026-12-12T09:00:00Z');
    const job = new CampaignReminders({
      campaigns: async () => [campaign],
      store,
      auditor: recordingAuditor(events) as any,
      logger: mockServices.logger.mock(),
      settings: {
        webhook: { url: `${receiver.baseUrl}/hooks/adoption`, timeoutMs: 5000 },
        daysBeforeDeadline: 3,
      },
      now: () => now,
    });

    expect(await job.run()).toEqual([
      {
        campaign: 'filtering-adoption',
        team: 'group:default/billing',
        day: '2026-12-12',
        status: 'failed',
        detail: 'HTTP 503',
      },
    ]);
    now = new Date('2026-12-12T10:00:00Z');
    expect((await job.run()).map(r => r.status)).toEqual(['delivered']);
    now = new Date('2026-12-12T11:00:00Z');
    expect(await job.run()).toEqual([]);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1].path).toBe('/hooks/adoption');
    expect(JSON.parse(receiver.received[1].body)).toEqual({
      type: 'adoption.campaign_reminder',
      campaign: 'filtering-adoption',
      title: campaign.title,
      capability: 'filtering',
      targetPhase: 1,
      team: 'group:default/billing',
      phase: 0,
      deadline: '2026-12-14',
      overdue: false,
      day: '2026-12-12',
    });

    // A new UTC day: one more reminder.
    now = new Date('2026-12-13T00:10:00Z');
    expect((await job.run()).map(r => r.day)).toEqual(['2026-12-13']);
    expect(receiver.received).toHaveLength(3);

    expect(
      events.map(e => [e.eventId, e.outcome, (e.meta as any).team]),
    ).toEqual([
      ['adoption-campaign-reminder', 'failed', 'group:default/billing'],
      ['adoption-campaign-reminder', 'succeeded', 'group:default/billing'],
      ['adoption-campaign-reminder', 'succeeded', 'group:default/billing'],
    ]);
    const kept = await store.reminders('filtering-adoption', '2026-12-01');
    expect(
      kept.map(r => [r.day, r.team, r.status, r.attempts, r.detail]),
    ).toEqual([
      ['2026-12-13', 'group:default/billing', 'delivered', 1, 'HTTP 204'],
      ['2026-12-12', 'group:default/billing', 'delivered', 2, 'HTTP 204'],
    ]);
  });

  it('sends one reminder when two replicas run at the same time', async () => {
    receiver = await startWebhookReceiver();
    const now = new Date('2026-12-20T09:00:00Z');
    const make = () =>
      new CampaignReminders({
        campaigns: async () => [{ ...campaign, id: 'concurrent' }],
        store,
        auditor: recordingAuditor([]) as any,
        logger: mockServices.logger.mock(),
        settings: {
          webhook: { url: receiver!.baseUrl, timeoutMs: 5000 },
          daysBeforeDeadline: 3,
        },
        now: () => now,
      });
    const runs = await Promise.all([make().run(), make().run()]);
    expect(runs.flat()).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
  });
});
