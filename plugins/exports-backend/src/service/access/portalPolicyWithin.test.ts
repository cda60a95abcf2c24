import { ActivePortalPolicy, PortalPolicy } from '@internal/plugin-authz-node';
import { portalPolicyWithin } from './portalPolicyWithin';

describe('portalPolicyWithin', () => {
  it('answers with the policy in force, and one activated within the limit', async () => {
    const active = new ActivePortalPolicy({ waitMs: 60_000 });
    const policy = { revision: 'r1' } as unknown as PortalPolicy;
    const bounded = portalPolicyWithin(active, 1_000);
    const waiting = bounded.current();
    active.activate(policy);
    await expect(waiting).resolves.toBe(policy);
    await expect(bounded.current()).resolves.toBe(policy);
  });

  it('rejects after the limit when none is in force, and with the provider error at once', async () => {
    const active = new ActivePortalPolicy({ waitMs: 60_000 });
    await expect(portalPolicyWithin(active, 20).current()).rejects.toThrow(
      'no portal policy in force after 20 ms',
    );
    active.fail(new Error('stored revision did not load'));
    await expect(portalPolicyWithin(active, 60_000).current()).rejects.toThrow(
      /stored revision did not load/,
    );
  });
});
