import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { PortalPolicy } from '@internal/plugin-authz-node';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import { throttledExporter } from '../../__testUtils__/throttledExporter';
import { ExportRunner, RunTimeAccessCheck } from '../ExportRunner';
import { LocalExportStorage } from '../LocalExportStorage';
import {
  demoCsvJob,
  testRunnerTiming,
  useExportRunnerFixture,
  waitForJob,
} from '../storage/__testUtils__/exportRunnerFixture';
import { OrgCatalog, orgConfig } from './__testUtils__/orgCatalog';
import { regoPortalUserPolicy } from './portalUserPolicy';
import { createRunTimeAccessCheck } from './runTimeAccessCheck';

jest.setTimeout(120_000);

const OTHER_ACCOUNT = '92eb5ffe-e6a4-4f1a-a4e8-7f0ab2ba5c3f';

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile())
    .map(e => join(e.parentPath, e.name));

/**
 * Access revoked between request and run, on real Postgres and files: the catalog (teams and
 * their grants) changes after the job was queued, the Rego portal policy decides at run time.
 */
describe('run-time re-authorization of export jobs (real Postgres, real policy)', () => {
  const fixture = useExportRunnerFixture();
  let policy: PortalPolicy;
  let catalog: OrgCatalog;
  let check: RunTimeAccessCheck;
  const runners: ExportRunner[] = [];

  beforeAll(async () => {
    policy = await PortalPolicy.load({
      pluginIds: PORTAL_PLUGIN_IDS,
      maxEvaluationMs: 5_000,
    });
  });
  beforeEach(() => {
    catalog = new OrgCatalog()
      .team('payments', {
        accountAccess: fixture().account,
        dataClasses: 'pii',
      })
      .user('anna', ['payments']);
    check = createRunTimeAccessCheck({
      config: orgConfig(),
      catalog: catalog.service,
      auth: mockServices.auth(),
      policy: regoPortalUserPolicy(policy),
      engine: fixture().engine,
    });
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map(r => r.stop()));
  });

  /** A job of anna's reading the PII e-mail column, allowed when it is requested. */
  async function requestJob() {
    const { store, account } = fixture();
    const { row } = await store.create(
      demoCsvJob(account, {
        requestedBy: 'user:default/anna',
        fields: ['id', 'event_type', 'email'],
        readableDataClasses: ['public', 'pii'],
      }),
    );
    await expect(check(row)).resolves.toBeUndefined();
    return row;
  }

  function startRunner(root: string) {
    const runner = new ExportRunner({
      ...testRunnerTiming,
      store: fixture().store,
      storage: new LocalExportStorage(root),
      exporter: throttledExporter(fixture().engine, 0),
      runTimeAccessCheck: check,
    });
    runners.push(runner);
    runner.start();
  }

  const settled = (id: string) =>
    waitForJob(fixture().store, id, r =>
      ['succeeded', 'failed', 'cancelled'].includes(r.status),
    );

  it('runs the job when nothing changed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-access-same-'));
    const job = await requestJob();
    startRunner(root);
    const done = await settled(job.id);
    expect(done).toMatchObject({ status: 'succeeded', error_type: null });
    const [file] = filesUnder(root);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('id,event_type,email');
    expect(lines.length - 1).toBe(Number(done.rows_written));
    expect(Number(done.rows_written)).toBeGreaterThan(0);
  });

  it("fails the job with permission_revoked when the user's team lost the account, leaving no file", async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-access-account-'));
    const job = await requestJob();
    catalog.team('payments', {
      accountAccess: OTHER_ACCOUNT,
      dataClasses: 'pii',
    });
    startRunner(root);
    const done = await settled(job.id);
    expect(done).toMatchObject({
      status: 'failed',
      error_type: 'permission_revoked',
      error_message: `user:default/anna may no longer act for account ${job.account_id} (filters.account.act)`,
      attempts: 1,
      rows_written: '0',
    });
    expect(filesUnder(root)).toEqual([]);
  });

  it('fails the job with permission_revoked when the PII grant was taken away, leaving no file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-access-pii-'));
    const job = await requestJob();
    catalog.team('payments', { accountAccess: fixture().account });
    startRunner(root);
    const done = await settled(job.id);
    expect(done).toMatchObject({
      status: 'failed',
      error_type: 'permission_revoked',
      error_message:
        'user:default/anna may no longer read data class pii (filters.data-class.read)',
    });
    expect(filesUnder(root)).toEqual([]);
  });

  it('retries instead of deciding while the catalog is unreachable, then runs the job', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exports-access-down-'));
    const job = await requestJob();
    catalog.unreachable = true;
    startRunner(root);
    const requeued = await waitForJob(
      fixture().store,
      job.id,
      r => r.attempts === 1 && r.status === 'queued',
    );
    expect(requeued.error_type).toBe('internal');
    expect(filesUnder(root)).toEqual([]);
    catalog.unreachable = false;
    const done = await settled(job.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
  });
});
