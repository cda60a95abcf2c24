import {
  catalogEntityReadPermission,
  catalogLocationCreatePermission,
} from '@backstage/plugin-catalog-common/alpha';
import { mockServices } from '@backstage/backend-test-utils';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { filtersDataClassReadPermission } from '@internal/plugin-filters-common';
import {
  AuditRecordInput,
  PORTAL_PLUGIN_IDS,
  platformAuditReadPermission,
  platformEventsReadPermission,
} from '@internal/plugin-platform-common';
import { EventSchemaRegistry } from '@internal/plugin-platform-node';
import {
  PortalPolicy,
  RecordedPortalDecision,
} from '@internal/plugin-authz-node';
import { PortalDecisionRecorder } from './PortalDecisionRecorder';
import { RegoPortalPermissionPolicy } from './RegoPortalPermissionPolicy';
import { ADMIN_GROUPS } from './roles';

const registry = EventSchemaRegistry.fromPackage();
let rego: PortalPolicy;
beforeAll(async () => {
  rego = await PortalPolicy.load({ pluginIds: PORTAL_PLUGIN_IDS });
});

function setup(options: {
  random?: () => number;
  failAudit?: boolean;
  failReplay?: boolean;
}) {
  const events: { name: string; envelope: Record<string, unknown> }[] = [];
  const audit: AuditRecordInput[] = [];
  const replayable: RecordedPortalDecision[] = [];
  const logger = mockServices.logger.mock();
  const recorder = new PortalDecisionRecorder({
    events: {
      emit: async (name, properties, identity) => {
        events.push({
          name,
          envelope: {
            event_id: '01900000-0000-7000-8000-000000000000',
            name,
            occurred_at: new Date().toISOString(),
            producer: 'permission',
            ...identity,
            properties,
          },
        });
        return { accepted: true, eventId: 'e' };
      },
    },
    appendAudit: async records => {
      if (options.failAudit) throw new Error('audit store down');
      audit.push(...records);
    },
    recordForReplay: async decision => {
      if (options.failReplay) throw new Error('authz database down');
      replayable.push(decision);
    },
    policyRevision: rego.revision,
    logger,
    random: options.random,
  });
  const policyFor = (refs: string[]) =>
    new RegoPortalPermissionPolicy({
      ownershipRefs: async () => refs,
      accountAccess: async () => 'all',
      dataClasses: async () => new Set(),
      policy: rego,
      onDecision: record => recorder.record(record),
    });
  return { events, audit, replayable, policyFor, logger };
}

const user = { credentials: {} } as unknown as PolicyQueryUser;
const engineer = ['user:default/maya.cohen', 'group:default/dashboards'];
const admin = ['user:default/priya.raman', ADMIN_GROUPS[0]];

describe('PortalDecisionRecorder', () => {
  it('audits denials and admin actions, not ordinary reads, and emits valid v2 events', async () => {
    const { events, audit, replayable, policyFor } = setup({
      random: () => 0,
    });
    await policyFor(engineer).handle(
      { permission: catalogLocationCreatePermission },
      user,
    );
    await policyFor(engineer).handle(
      { permission: platformEventsReadPermission },
      user,
    );
    await policyFor(admin).handle(
      { permission: catalogLocationCreatePermission },
      user,
    );
    await policyFor(admin).handle(
      { permission: platformAuditReadPermission },
      user,
    );
    await policyFor(admin).handle(
      { permission: catalogEntityReadPermission },
      user,
    );
    await policyFor(engineer).handle(
      { permission: filtersDataClassReadPermission },
      user,
    );
    expect(
      audit.map(r => [r.actor, r.resource, r.outcome, r.meta?.reason]),
    ).toEqual([
      [
        'user:default/maya.cohen',
        'catalog.location.create',
        'failed',
        'catalog_admin_only',
      ],
      [
        'user:default/priya.raman',
        'catalog.location.create',
        'succeeded',
        'platform_admin',
      ],
      [
        'user:default/priya.raman',
        'platform.audit.read',
        'succeeded',
        'platform_admin',
      ],
    ]);
    // the same decisions are kept for replay, with what replay needs to ask again
    expect(replayable).toEqual([
      {
        userRef: 'user:default/maya.cohen',
        permission: { name: 'catalog.location.create', action: 'create' },
        result: 'DENY',
        reason: 'catalog_admin_only',
        policyRevision: rego.revision,
      },
      expect.objectContaining({
        userRef: 'user:default/priya.raman',
        result: 'ALLOW',
        reason: 'platform_admin',
      }),
      expect.objectContaining({
        permission: { name: 'platform.audit.read', action: 'read' },
      }),
    ]);
    expect(events.map(e => e.name)).toEqual([
      'permission.denied.v2',
      'permission.checked.v2',
      'permission.checked.v2',
      'permission.checked.v2',
      'permission.checked.v2',
      'permission.checked.v2',
      'permission.checked.v2',
    ]);
    for (const { envelope } of events) {
      expect(registry.validate(envelope as any)).toEqual([]);
      expect(envelope).not.toHaveProperty('account_id');
    }
    expect(events.map(e => e.envelope.properties)).toContainEqual(
      expect.objectContaining({
        action: 'filters.data-class.read',
        resource_type: 'filters-data-class',
        result: 'conditional',
        reason: 'data_classes_of_teams',
      }),
    );
  });

  it('emits permission.checked for the sampled share only, permission.denied always', async () => {
    let i = 0;
    const { events, policyFor } = setup({ random: () => (i++ % 10) / 10 });
    for (let n = 0; n < 100; n++) {
      await policyFor(engineer).handle(
        { permission: catalogLocationCreatePermission },
        user,
      );
    }
    const count = (name: string) => events.filter(e => e.name === name).length;
    expect(count('permission.denied.v2')).toBe(100);
    expect(count('permission.checked.v2')).toBe(10);
  });

  it('emits a decision without a user with no identity at all', async () => {
    const { events, policyFor } = setup({ random: () => 0 });
    await policyFor(engineer).handle({
      permission: platformEventsReadPermission,
    });
    for (const { envelope } of events) {
      expect(registry.validate(envelope as any)).toEqual([]);
      expect(envelope).not.toHaveProperty('user_id');
      expect(envelope.properties).toMatchObject({ subject_id: 'none' });
    }
  });

  it('denies an admin action whose audit record was not committed', async () => {
    const { policyFor } = setup({ failAudit: true });
    expect(
      await policyFor(admin).handle(
        { permission: catalogLocationCreatePermission },
        user,
      ),
    ).toEqual({ result: 'DENY' });
    // reads are not audited, so they do not depend on the audit store
    expect(
      await policyFor(admin).handle(
        { permission: catalogEntityReadPermission },
        user,
      ),
    ).toEqual({ result: 'ALLOW' });
  });

  it('an admin action whose replay record fails stands, audited, with a warning', async () => {
    const { policyFor, audit, replayable, logger } = setup({
      failReplay: true,
    });
    expect(
      await policyFor(admin).handle(
        { permission: catalogLocationCreatePermission },
        user,
      ),
    ).toEqual({ result: 'ALLOW' });
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'permission.decision',
        resource: 'catalog.location.create',
        outcome: 'succeeded',
      }),
    ]);
    expect(replayable).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(
      'portal policy: decision on catalog.location.create not kept for replay: authz database down',
    );
  });
});
