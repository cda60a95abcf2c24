import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';
import { ActivePortalPolicy } from './ActivePortalPolicy';
import { PORTAL_ENTRYPOINT, PortalPolicy } from './PortalPolicy';
import { CompiledPolicy } from '../policy/CompiledPolicy';
import {
  defaultPolicyRoot,
  readPolicyDirectory,
} from '../policy/policyDirectory';

let repository: PortalPolicy;

beforeAll(async () => {
  execFileSync(process.execPath, [
    require.resolve('@internal/rego-wasm/scripts/build-runtime.js'),
  ]);
  repository = await PortalPolicy.load({ pluginIds: PORTAL_PLUGIN_IDS });
});

describe('ActivePortalPolicy', () => {
  it('waits for the first activation', async () => {
    const active = new ActivePortalPolicy({ waitMs: 5_000 });
    const pending = active.current();
    active.activate(repository);
    await expect(pending).resolves.toBe(repository);
    expect(active.revision).toBe(repository.revision);
  });

  it('rejects when nothing is activated in time (the caller denies)', async () => {
    const active = new ActivePortalPolicy({ waitMs: 10 });
    await expect(active.current()).rejects.toThrow(
      'no portal policy revision is active after 10 ms',
    );
  });

  it('rejects at once after an activated revision failed to load, until the next one', async () => {
    const active = new ActivePortalPolicy({ waitMs: 60_000 });
    active.activate(repository);
    active.fail(new Error('no entrypoint portal/authz/decision'));
    expect(active.revision).toBeUndefined();
    await expect(active.current()).rejects.toThrow(
      'the active portal policy revision did not load: no entrypoint portal/authz/decision',
    );
    active.activate(repository);
    await expect(active.current()).resolves.toBe(repository);
  });

  it('wakes the callers waiting for a first activation when it fails to load: they deny at once', async () => {
    // waitMs far beyond the test timeout: only the wake-up can settle the wait
    const active = new ActivePortalPolicy({ waitMs: 600_000 });
    const waiting = [active.current(), active.current()];
    active.fail(new Error('not a wasm module'));
    for (const pending of waiting) {
      await expect(pending).rejects.toThrow(
        'the active portal policy revision did not load: not a wasm module',
      );
    }
  });
});

describe('PortalPolicy.fromRevision', () => {
  it('decides like the repository policy from a stored source and wasm, under the stored sha256', async () => {
    const source = readPolicyDirectory(
      path.join(defaultPolicyRoot(), 'portal'),
      { entrypoint: PORTAL_ENTRYPOINT },
    );
    const compiled = await CompiledPolicy.compile(source);
    const stored = await PortalPolicy.fromRevision(
      { source, wasm: compiled.wasm, sha256: compiled.sha256 },
      { pluginIds: PORTAL_PLUGIN_IDS },
    );
    expect(stored.revision).toBe(compiled.sha256);
    const user = {
      ownershipRefs: ['user:default/x', 'group:default/sre'],
      accountAccess: [],
      dataClasses: [],
    };
    for (const input of [
      { permission: { name: 'catalog.location.create', attributes: {} }, user },
      {
        permission: { name: 'catalog.location.create', attributes: {} },
        user: { ...user, ownershipRefs: ['user:default/x'] },
      },
      {
        permission: {
          name: 'adoption.campaign.create',
          attributes: { action: 'create' },
        },
        user: null,
      },
    ]) {
      expect(stored.decide(input)).toEqual(repository.decide(input));
    }
    expect(
      stored.decide({
        permission: { name: 'catalog.location.create', attributes: {} },
        user: { ...user, ownershipRefs: ['user:default/x'] },
      }),
    ).toEqual({ result: 'DENY', reason: 'catalog_admin_only' });
  });

  it('refuses a stored module without the portal entrypoint', async () => {
    const compiled = await CompiledPolicy.compile(
      readPolicyDirectory(path.join(defaultPolicyRoot(), 'product')),
    );
    await expect(
      PortalPolicy.fromRevision(
        {
          source: { ...compiled.source, entrypoint: PORTAL_ENTRYPOINT },
          wasm: compiled.wasm,
          sha256: compiled.sha256,
        },
        { pluginIds: PORTAL_PLUGIN_IDS },
      ),
    ).rejects.toThrow('portal/authz/decision is not an entrypoint');
  });
});
