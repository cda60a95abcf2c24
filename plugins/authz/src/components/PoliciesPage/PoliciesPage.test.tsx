import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { EditorView } from '@codemirror/view';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { AuthzApi, authzApiRef } from '../../api/AuthzApi';
import { PoliciesPage } from './PoliciesPage';

const revision = {
  id: '1',
  sha256: 'a'.repeat(64),
  modules: { 'authz.rego': 'package product.authz\n' },
  data: {},
  entrypoint: 'product/authz/decision',
};

const portalRevision = {
  id: '2',
  policy: 'portal' as const,
  sha256: 'c'.repeat(64),
  modules: { 'portal.rego': 'package portal.authz\n' },
  data: {},
  entrypoint: 'portal/authz/decision',
};

function fakeApi(): jest.Mocked<AuthzApi> {
  return {
    listRevisions: jest.fn(async (policy?: string) => ({
      revisions: [
        {
          id: policy === 'portal' ? portalRevision.id : '1',
          sha256: revision.sha256,
          entrypoint: revision.entrypoint,
          author: 'seed',
          createdAt: '2026-12-01T00:00:00Z',
          active: true,
        },
      ],
    })),
    getRevision: jest.fn(async (id: string) =>
      id === portalRevision.id ? portalRevision : revision,
    ),
    listPortalUsers: jest.fn(async () => [
      {
        ref: 'user:default/maya.cohen',
        displayName: 'Maya Cohen',
        teams: ['group:default/dashboards'],
        accountAccess: '*',
        dataClasses: [],
      },
      {
        ref: 'user:default/sam',
        teams: ['group:default/sre'],
        accountAccess: [],
        dataClasses: ['pii'],
      },
    ]),
    evaluate: jest.fn(async body => {
      if (body.entrypoint === portalRevision.entrypoint) {
        return {
          errors: [],
          result: { result: 'DENY', reason: 'catalog_admin_only' },
          compileMs: 3,
          evalMs: 0.01,
        };
      }
      return body.modules['authz.rego'].includes('{{')
        ? {
            errors: [
              {
                file: 'authz.rego',
                line: 2,
                column: 5,
                code: 'rego_parse_error',
                message: 'unexpected {',
              },
            ],
            compileMs: 3,
          }
        : {
            errors: [],
            decision: { allowed: false, reason: 'tenant_isolation' },
            compileMs: 3,
            evalMs: 0.01,
          };
    }),
    runTests: jest.fn(),
    replay: jest.fn(async () => ({
      candidate: 'b'.repeat(64),
      replayed: 4,
      flipped: 1,
      blastRadius: [
        {
          team: 'reports',
          action: 'report.read',
          replayed: 4,
          flipped: 1,
          nowAllowed: 0,
          nowDenied: 1,
        },
      ],
      flips: [
        {
          decisionId: 'd1',
          decidedAt: '2026-12-01T00:00:00Z',
          subject: 'product-user:u1',
          action: 'report.read',
          resource: 'report:r1',
          team: 'reports',
          before: { allowed: true, reason: 'role_grants_action' },
          after: { allowed: false, reason: 'role_lacks_action' },
        },
      ],
    })),
    shadowStats: jest.fn(),
    decisions: jest.fn(),
    exportDecisions: jest.fn(),
  } as unknown as jest.Mocked<AuthzApi>;
}

jest.setTimeout(60_000);

/** Replaces the editor's text the way typing does (CodeMirror has no value to fire). */
function typeSource(text: string) {
  const view = EditorView.findFromDOM(screen.getByTestId('rego-editor'))!;
  act(() => {
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: text },
    });
  });
}

describe('PoliciesPage playground', () => {
  it('shows the decision, compile errors at line:column as the source changes, and a replay', async () => {
    const api = fakeApi();
    await renderInTestApp(
      <TestApiProvider apis={[[authzApiRef, api]]}>
        <PoliciesPage />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(/DENIED — reason/, {}, { timeout: 20_000 }),
    ).toBeInTheDocument();
    typeSource('package product.authz\nx {{');
    expect(
      await screen.findByText(
        'authz.rego:2:5: rego_parse_error: unexpected {',
        {},
        { timeout: 20_000 },
      ),
    ).toBeInTheDocument();
    typeSource('package product.authz\n');
    await waitFor(
      () =>
        expect(
          screen.getByRole('button', { name: 'Replay against this candidate' }),
        ).toBeEnabled(),
      { timeout: 20_000 },
    );
    fireEvent.click(
      screen.getByRole('button', { name: 'Replay against this candidate' }),
    );
    expect(
      await screen.findByText(
        /1 of 4 replayed decisions flip/,
        {},
        { timeout: 20_000 },
      ),
    ).toBeInTheDocument();
    expect(api.replay).toHaveBeenCalledWith(
      expect.objectContaining({ limit: 1000 }),
    );
  });

  it('builds a portal-user input from a picked catalog user with their teams', async () => {
    const api = fakeApi();
    await renderInTestApp(
      <TestApiProvider apis={[[authzApiRef, api]]}>
        <PoliciesPage />
      </TestApiProvider>,
    );
    await screen.findByText(/DENIED — reason/, {}, { timeout: 20_000 });
    fireEvent.mouseDown(screen.getByLabelText('Subject type'));
    fireEvent.click(await screen.findByRole('option', { name: 'portal-user' }));
    fireEvent.mouseDown(await screen.findByLabelText('Catalog user'));
    fireEvent.click(
      await screen.findByRole('option', { name: 'Maya Cohen (dashboards)' }),
    );
    expect(await screen.findByText('Teams: dashboards')).toBeInTheDocument();
    expect(
      screen.getByText(
        /Account access: all accounts · Data classes: public only/,
      ),
    ).toBeInTheDocument();
    await waitFor(
      () =>
        expect(api.evaluate).toHaveBeenLastCalledWith(
          expect.objectContaining({
            input: expect.objectContaining({
              subject: {
                type: 'portal-user',
                id: 'user:default/maya.cohen',
                teams: ['group:default/dashboards'],
                accountAccess: '*',
                dataClasses: [],
              },
            }),
          }),
        ),
      { timeout: 20_000 },
    );
  });

  it('switches to the portal policy: its active revision, a permission and a catalog user as input', async () => {
    const api = fakeApi();
    await renderInTestApp(
      <TestApiProvider apis={[[authzApiRef, api]]}>
        <PoliciesPage />
      </TestApiProvider>,
    );
    await screen.findByText(/DENIED — reason/, {}, { timeout: 20_000 });
    fireEvent.mouseDown(screen.getByLabelText('Policy'));
    fireEvent.click(
      await screen.findByRole('option', {
        name: 'portal (Backstage permissions)',
      }),
    );
    fireEvent.mouseDown(await screen.findByLabelText('Catalog user'));
    fireEvent.click(
      await screen.findByRole('option', { name: 'Maya Cohen (dashboards)' }),
    );
    expect(
      await screen.findByText(/DENY — reason/, {}, { timeout: 20_000 }),
    ).toBeInTheDocument();
    expect(screen.getByText('catalog_admin_only')).toBeInTheDocument();
    expect(api.listRevisions).toHaveBeenLastCalledWith('portal');
    await waitFor(
      () =>
        expect(api.evaluate).toHaveBeenLastCalledWith(
          expect.objectContaining({
            entrypoint: 'portal/authz/decision',
            input: {
              permission: {
                name: 'catalog.location.create',
                attributes: { action: 'create' },
              },
              user: {
                ownershipRefs: [
                  'user:default/maya.cohen',
                  'group:default/dashboards',
                ],
                accountAccess: '*',
                dataClasses: [],
              },
            },
          }),
        ),
      { timeout: 20_000 },
    );
  });

  it('diffs revisions of the portal policy when picked', async () => {
    const api = fakeApi();
    await renderInTestApp(
      <TestApiProvider apis={[[authzApiRef, api]]}>
        <PoliciesPage />
      </TestApiProvider>,
    );
    fireEvent.click(await screen.findByRole('tab', { name: 'Diff revisions' }));
    await screen.findByTestId('revision-diff', {}, { timeout: 20_000 });
    fireEvent.mouseDown(screen.getByLabelText('Policy'));
    fireEvent.click(
      await screen.findByRole('option', {
        name: 'portal (Backstage permissions)',
      }),
    );
    expect(
      await screen.findByText(
        'portal.rego: unchanged',
        {},
        { timeout: 20_000 },
      ),
    ).toBeInTheDocument();
    expect(api.listRevisions).toHaveBeenLastCalledWith('portal');
    expect(api.getRevision).toHaveBeenCalledWith(portalRevision.id);
  });
});
