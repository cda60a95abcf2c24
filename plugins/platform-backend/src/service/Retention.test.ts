import { v7 as uuidv7 } from 'uuid';
import { Knex } from 'knex';
import { DEFAULT_RETENTION_DAYS } from '@internal/plugin-platform-common';
import { AuditStore } from './AuditStore';
import { RetentionService } from './Retention';
import {
  platformTestDatabases,
  TEST_IDENTITY,
} from '../__testUtils__/platformTestDatabase';

jest.setTimeout(60_000);

const databases = platformTestDatabases();
const DAY = 86_400_000;

describe('RetentionService (real Postgres, injected clock)', () => {
  let db: { knex: Knex };

  it('removes only what is past the retention of its class, and audits the run', async () => {
    db = { knex: await databases.init() };
    const now = new Date('2033-06-01T00:00:00Z');
    const ago = (days: number) => new Date(now.getTime() - days * DAY);

    // Raw events: 1 year.
    const event = (at: Date) => ({
      event_id: uuidv7(),
      name: 'filter.applied',
      event_type: 'filter.applied',
      version: 1,
      occurred_at: at,
      producer: 'seed',
      ...TEST_IDENTITY,
      properties: '{}',
    });
    await db.knex('platform_events').insert([event(ago(400)), event(ago(300))]);
    // Operational: 2 years.
    const rollup = (at: Date, route: string) => ({
      minute: at,
      service: 's',
      method: 'GET',
      route,
      status_class: '2xx',
      team: 't',
      user_ref: 'u',
      count: 1,
      errors: 0,
      duration_sum_ms: 1,
      buckets: db.knex.raw('?::bigint[]', [
        [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      ]),
    });
    await db
      .knex('platform_request_rollups')
      .insert([rollup(ago(800), '/old'), rollup(ago(400), '/kept')]);
    const rumMinute = (minute: Date) => ({
      minute,
      route: '/',
      kind: 'page-load',
      count: 1,
      duration_sum_ms: 900,
      buckets: db.knex.raw('?::bigint[]', [
        [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
      ]),
    });
    await db
      .knex('platform_rum_minutes')
      .insert([rumMinute(ago(731)), rumMinute(ago(10))]);
    // Audit: 7 years.
    let auditNow = ago(2600);
    const audit = new AuditStore(db.knex, { now: () => auditNow });
    await audit.append({
      actor: 'a',
      action: 'x',
      resource: 'r',
      outcome: 'succeeded',
    });
    auditNow = ago(2000);
    await audit.append({
      actor: 'a',
      action: 'y',
      resource: 'r',
      outcome: 'succeeded',
    });
    // Export files: 7 days, owned by another plugin.
    const files = [ago(8), ago(6)];
    const purgedFiles: Date[] = [];
    const service = new RetentionService({
      knex: db.knex,
      audit: new AuditStore(db.knex, { now: () => now }),
      days: { ...DEFAULT_RETENTION_DAYS },
      clock: () => now,
      targets: () => [
        {
          dataClass: 'export_files',
          name: 'exports.files',
          async purge(cutoff) {
            const expired = files.filter(f => f < cutoff);
            purgedFiles.push(...expired);
            files.splice(0, files.length, ...files.filter(f => f >= cutoff));
            return expired.length;
          },
        },
      ],
    });

    const report = await service.run('user:default/sre-oncall');
    const deleted = Object.fromEntries(
      report.results.map(r => [r.dataClass, r.deleted]),
    );
    expect(deleted).toEqual({
      operational: {
        platform_request_rollups: 1,
        platform_request_rollups_hourly: 0,
        platform_rum_minutes: 1,
        platform_qa_results: 0,
        platform_dead_letters: 0,
        platform_retention_runs: 0,
      },
      audit: { platform_audit_log: 1, reanchored_at_seq: 2 },
      analytics_raw: { platform_events: 1 },
      export_files: { 'exports.files': 1 },
    });
    expect(purgedFiles).toEqual([ago(8)]);
    expect(
      (await db.knex('platform_request_rollups').select('route')).map(
        r => r.route,
      ),
    ).toEqual(['/kept']);
    expect(await db.knex('platform_events').count('* as n').first()).toEqual({
      n: '1',
    });

    // The run is in the audit store, chained after the re-anchored records.
    const [entry] = await audit.query({ action: 'platform.retention-purge' });
    expect(entry).toMatchObject({
      actor: 'user:default/sre-oncall',
      outcome: 'succeeded',
    });
    expect((entry.meta as any).runId).toBe(report.runId);
    expect(await audit.verify()).toMatchObject({
      valid: true,
      checked: 2,
      anchor: { firstSeq: '2' },
    });
    expect((await service.latest())?.runId).toBe(report.runId);

    // A second run finds nothing more to delete.
    const again = await service.run();
    for (const result of again.results) {
      expect(Object.values(result.deleted).every(n => n === 0)).toBe(true);
    }
  });

  it('reads per-class days from config and rejects nonsense', () => {
    const days = RetentionService.daysFromConfig(c =>
      c === 'export_files' ? 3 : undefined,
    );
    expect(days).toEqual({ ...DEFAULT_RETENTION_DAYS, export_files: 3 });
    expect(
      () =>
        new RetentionService({
          knex: {} as any,
          audit: {} as any,
          days: { ...DEFAULT_RETENTION_DAYS, audit: 0 },
          targets: () => [],
        }),
    ).toThrow('platform.retention.days.audit must be a positive number');
  });
});
