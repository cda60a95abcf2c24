import { fireEvent, screen, waitFor } from '@testing-library/react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  AuditVerifyRun,
  PlatformApi,
  platformApiRef,
} from '../../api/PlatformApi';
import { PlatformHealthPage } from './PlatformHealthPage';

// Rendering the whole page with MUI tables takes seconds on a shared CI machine.
jest.setTimeout(20_000);

beforeAll(() => {
  (global as any).ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

const at = '2026-11-30T10:00:00.000Z';
const measured = (source: string) => ({ source, generatedAt: at });

function fakeApi(overrides: Partial<PlatformApi> = {}): PlatformApi {
  return {
    getEventVolume: async () => ({
      ...measured('platform_events (Postgres)'),
      bucket: 'hour',
      from: at,
      to: at,
      points: [
        {
          bucket: '2026-11-30T08:00:00.000Z',
          event_type: 'export.completed',
          count: 4,
        },
        {
          bucket: '2026-11-30T09:00:00.000Z',
          event_type: 'filter.applied',
          count: 9,
        },
      ],
    }),
    getDeadLetters: async () => ({
      ...measured('platform_dead_letters (Postgres)'),
      counts: { open: 1, replayed: 0 },
      deadLetters: [
        {
          id: 'd1',
          name: 'export.completed',
          producer: 'exports',
          payload: {},
          violations: [
            {
              instancePath: '/properties',
              schemaPath: '#/properties/properties/required',
              message: "must have required property 'row_count'",
            },
          ],
          received_at: at,
          replay_attempts: 0,
        },
      ],
    }),
    replayDeadLetters: jest.fn(async ({ dryRun }) => ({
      dryRun: dryRun ?? true,
      examined: 1,
      replayed: 1,
      stillInvalid: 0,
      alreadyReplayed: 0,
      alreadyInLog: 0,
    })),
    getQaResults: async () => ({
      ...measured('platform_qa_results (latest run)'),
      results: [
        {
          run_id: 'r',
          check: 'volume_anomaly',
          event_type: 'filter.applied',
          value: 0.3,
          threshold: 'drop > 50% or rise > 300% vs 7-day average',
          status: 'fail',
          detail:
            '30 events in 24 h vs 100.0/day 7-day average (-70%): dropped more than 50%',
          window_start: at,
          window_end: at,
          checked_at: at,
        },
      ],
    }),
    runQaChecks: async () => ({ ...measured('x'), results: [] }),
    verifyAudit: async () => ({
      ...measured('platform_audit_log hash chain, recomputed'),
      status: 'done',
      run: {
        id: 'r1',
        trigger: 'schedule',
        requestedAt: at,
        status: 'done',
        startedAt: at,
        finishedAt: at,
      },
      pending: [],
      mode: 'full',
      valid: false,
      checked: 11,
      firstSeq: '1',
      lastSeq: '11',
      firstBroken: {
        seq: '12',
        id: 'x',
        reason: 'content does not match its hash (record altered)',
      },
      verifiedAt: at,
    }),
    getTelemetrySummary: async () => ({
      ...measured(
        'platform_request_rollups (per-minute, flushed by each backend)',
      ),
      from: at,
      to: at,
      services: [
        {
          service: 'exports',
          requests: 1200,
          errors: 3,
          error_rate: 0.0025,
          p95_ms: 180,
          p99_ms: 420,
        },
      ],
      rum: [
        {
          route: '/catalog',
          kind: 'page-load',
          samples: 12,
          p50_ms: 900,
          p95_ms: 1800,
        },
      ],
    }),
    requestAuditVerify: async () => ({ id: 'r0', status: 'requested' }),
    reportPageTiming: async () => {},
    ...overrides,
  };
}

/** The page with the given API, every permission allowed. */
function renderPage(api: PlatformApi) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [platformApiRef, api],
        [permissionApiRef, mockApis.permission()],
      ]}
    >
      <PlatformHealthPage />
    </TestApiProvider>,
  );
}

describe('PlatformHealthPage', () => {
  it('shows every figure with its source, the broken chain, QA failures and telemetry', async () => {
    await renderPage(fakeApi());
    expect(
      await screen.findByText(
        /Chain broken at seq 12: content does not match its hash/,
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/dropped more than 50%/),
    ).toBeInTheDocument();
    expect(
      await screen.findByText("must have required property 'row_count'"),
    ).toBeInTheDocument();
    expect(await screen.findByText('180 ms')).toBeInTheDocument();
    expect(screen.getByText('0.3%')).toBeInTheDocument();
    expect(screen.getByText('/catalog')).toBeInTheDocument();
    for (const source of [
      'platform_events (Postgres)',
      'platform_dead_letters (Postgres)',
      'platform_audit_log hash chain, recomputed',
    ]) {
      expect(
        screen.getByText(
          new RegExp(`Source: ${source.replace(/[()]/g, '\\$&')}`),
        ),
      ).toBeInTheDocument();
    }
  });

  it('replays dead letters only after a dry run', async () => {
    const api = fakeApi();
    await renderPage(api);
    const now = await screen.findByRole('button', { name: 'Replay now' });
    expect(now).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Replay: dry run' }));
    expect(
      await screen.findByText(/Dry run: 1 examined, 1 would be replayed/),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Replay now' })).toBeEnabled(),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Replay now' }));
    await waitFor(() =>
      expect(api.replayDeadLetters).toHaveBeenLastCalledWith({ dryRun: false }),
    );
  });

  describe('audit card', () => {
    const noRunYet = (pending: AuditVerifyRun[]) => async () => ({
      ...measured('platform_audit_verify_runs (Postgres)'),
      status: 'none' as const,
      pending,
    });

    it('says no run has finished yet instead of a broken chain, and shows the running run', async () => {
      const api = fakeApi({
        verifyAudit: noRunYet([
          {
            id: 'r2',
            trigger: 'schedule',
            requestedAt: at,
            status: 'running',
            startedAt: at,
          },
        ]),
      });
      await renderPage(api);
      expect(
        await screen.findByText(/No verify run has finished yet/),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/A schedule verify run is running \(started/),
      ).toBeInTheDocument();
      expect(screen.queryByText(/Chain broken/)).not.toBeInTheDocument();
      expect(screen.queryByText(/undefined/)).not.toBeInTheDocument();
    });

    it('shows a valid incremental run with its mode and finish time', async () => {
      const api = fakeApi({
        verifyAudit: async () => ({
          ...measured('platform_audit_verify_runs (Postgres)'),
          status: 'done' as const,
          run: {
            id: 'r3',
            trigger: 'schedule' as const,
            requestedAt: at,
            status: 'done' as const,
            finishedAt: at,
          },
          pending: [],
          valid: true,
          checked: 40,
          firstSeq: '61',
          lastSeq: '100',
          mode: 'incremental' as const,
          fromSeq: '60',
          verifiedAt: at,
        }),
      });
      await renderPage(api);
      expect(
        await screen.findByText(
          /Chain intact: 40 records verified \(seq 61–100\); incremental run from the checkpoint at seq 60, finished/,
        ),
      ).toBeInTheDocument();
    });

    it('shows why the last run failed', async () => {
      const api = fakeApi({
        verifyAudit: async () => ({
          ...measured('platform_audit_verify_runs (Postgres)'),
          status: 'error' as const,
          run: {
            id: 'r4',
            trigger: 'manual' as const,
            requestedAt: at,
            status: 'error' as const,
            finishedAt: at,
            error: 'checkpoint sink unreachable',
          },
          pending: [],
        }),
      });
      await renderPage(api);
      expect(
        await screen.findByText(/The last verify run failed/),
      ).toHaveTextContent(/checkpoint sink unreachable/);
    });

    it('lets an operator request a verify run and confirms it', async () => {
      const requestAuditVerify = jest.fn(async () => ({
        id: 'r5',
        status: 'requested' as const,
      }));
      const verifyAudit = jest.fn(noRunYet([]));
      const api = fakeApi({ verifyAudit, requestAuditVerify });
      await renderPage(api);
      fireEvent.click(
        await screen.findByRole('button', { name: 'Verify now' }),
      );
      expect(
        await screen.findByText(/Verify run r5 requested/),
      ).toBeInTheDocument();
      expect(requestAuditVerify).toHaveBeenCalledTimes(1);
      await waitFor(() => expect(verifyAudit).toHaveBeenCalledTimes(2));
    });

    it('shows the refusal when the request fails', async () => {
      const api = fakeApi({
        requestAuditVerify: async () => {
          throw new Error('verify request refused');
        },
      });
      await renderPage(api);
      fireEvent.click(
        await screen.findByRole('button', { name: 'Verify now' }),
      );
      expect(
        await screen.findByText('Error: verify request refused'),
      ).toBeInTheDocument();
    });
  });
});
