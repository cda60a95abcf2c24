import { randomUUID } from 'node:crypto';
import { mockServices } from '@backstage/backend-test-utils';
import { EventSchemaRegistry } from '@internal/plugin-platform-node';
import { LoggedDecision } from './DecisionLog';
import { DecisionTrail } from './DecisionTrail';

const ACCOUNT = '0cc175b9-c0f1-b6a8-31c3-99e269772661';
const PRODUCT_USER = '3f1c2a9e-0000-4000-8000-000000000001';
const registry = EventSchemaRegistry.fromPackage();

const logged = (
  allowed: boolean,
  subject: LoggedDecision['check']['subject'],
  account?: string,
): LoggedDecision => ({
  caller: 'service:external:analytics-api',
  check: {
    subject,
    action: 'dashboard.read',
    resource: {
      type: 'dashboard',
      id: 'd-1',
      ...(account ? { attributes: { account } } : {}),
    },
  },
  decision: {
    allowed,
    reason: allowed ? 'role_grants_action' : 'tenant_isolation',
    decisionId: randomUUID(),
    policyRevision: 'abc123',
    cacheHit: false,
  },
  team: 'dashboards',
});

function setup(random: () => number) {
  const envelopes: Record<string, unknown>[] = [];
  const audit: unknown[] = [];
  const trail = new DecisionTrail({
    appendAudit: async records => {
      audit.push(...records);
    },
    events: {
      prepare: events => {
        envelopes.push(
          ...events.map(({ name, properties, identity }) => ({
            event_id: '01900000-0000-7000-8000-000000000000',
            name,
            occurred_at: new Date().toISOString(),
            producer: 'authz',
            ...identity,
            properties,
          })),
        );
        return {
          results: events.map(() => ({ accepted: true, eventId: 'e' })),
          insert: () => undefined,
          written: () => {},
        };
      },
    },
    logger: mockServices.logger.mock(),
    random,
  });
  return { trail, envelopes, audit };
}

describe('DecisionTrail', () => {
  it('audits denials only and emits schema-valid v2 events with the account only when the check names one', async () => {
    const { trail, envelopes, audit } = setup(() => 0);
    const decisions = [
      logged(true, { type: 'product-user', id: PRODUCT_USER }, ACCOUNT),
      logged(false, { type: 'product-user', id: PRODUCT_USER }, ACCOUNT),
      logged(false, { type: 'portal-user', id: 'user:default/maya.cohen' }),
    ];
    trail.events(decisions);
    await trail.committed(decisions);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'authz.decision',
        outcome: 'failed',
        resource: 'dashboard:d-1',
        meta: expect.objectContaining({
          decisionId: decisions[1].decision.decisionId,
          reason: 'tenant_isolation',
          team: 'dashboards',
        }),
      }),
      expect.objectContaining({
        meta: expect.objectContaining({
          decisionId: decisions[2].decision.decisionId,
        }),
      }),
    ]);
    expect(envelopes.map(e => e.name).sort()).toEqual([
      'permission.checked.v2',
      'permission.checked.v2',
      'permission.checked.v2',
      'permission.denied.v2',
      'permission.denied.v2',
    ]);
    for (const envelope of envelopes) {
      expect(registry.validate(envelope as any)).toEqual([]);
    }
    const portal = envelopes.filter(
      e => e.user_id === 'user:default/maya.cohen',
    );
    expect(portal.length).toBe(2);
    portal.forEach(e => expect(e).not.toHaveProperty('account_id'));
    envelopes
      .filter(e => e.user_id === PRODUCT_USER)
      .forEach(e => expect(e.account_id).toBe(ACCOUNT));
  });

  it('samples permission.checked, never permission.denied', async () => {
    let i = 0;
    const { trail, envelopes } = setup(() => (i++ % 10) / 10);
    trail.events(
      Array.from({ length: 200 }, (_, n) =>
        logged(n % 2 === 0, { type: 'product-user', id: PRODUCT_USER }),
      ),
    );
    const count = (name: string) =>
      envelopes.filter(e => e.name === name).length;
    expect(count('permission.denied.v2')).toBe(100);
    expect(count('permission.checked.v2')).toBe(20);
  });

  it('builds no events for a batch that has none, and a prepare failure leaves the decisions to commit', () => {
    const { trail } = setup(() => 0.99);
    expect(trail.events([logged(true, { type: 'service', id: 's' })])).toBe(
      undefined,
    );
    const logger = mockServices.logger.mock();
    const failing = new DecisionTrail({
      appendAudit: async () => {},
      events: {
        prepare: () => {
          throw new Error('registry unavailable');
        },
      },
      logger,
    });
    expect(failing.events([logged(false, { type: 'service', id: 's' })])).toBe(
      undefined,
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('registry unavailable'),
    );
  });
});
