import { NotAllowedError } from '@backstage/errors';
import { CheckRequest, Decision } from '@internal/plugin-authz-common';
import { Request, Response } from 'express';
import { AuthzService } from '../service';
import { createRequirePermission } from './requirePermission';

function fakeAuthz(allowed: (c: CheckRequest) => boolean) {
  const seen: CheckRequest[] = [];
  const authz: AuthzService = {
    async check(c) {
      seen.push(c);
      const decision: Decision = {
        allowed: allowed(c),
        reason: allowed(c) ? 'role_grants_action' : 'role_lacks_action',
        decisionId: '00000000-0000-4000-8000-000000000001',
        policyRevision: 'rev',
        cacheHit: false,
      };
      return decision;
    },
    async checkBatch(cs) {
      return Promise.all(cs.map(c => this.check(c)));
    },
  };
  return { authz, seen };
}

const run = (handler: any, req: Partial<Request>) =>
  new Promise<unknown>(resolve => {
    handler(req as Request, {} as Response, (error?: unknown) =>
      resolve(error),
    );
  });

describe('requirePermission', () => {
  const req = {
    params: { id: 'd-7' },
    header: (name: string) => (name === 'x-product-user' ? 'u-1' : undefined),
  } as unknown as Partial<Request>;
  const make = (allowed: (c: CheckRequest) => boolean) => {
    const { authz, seen } = fakeAuthz(allowed);
    const requirePermission = createRequirePermission(authz, {
      subjectFrom: r => ({
        type: 'product-user',
        id: String(r.header('x-product-user')),
      }),
    });
    return { seen, requirePermission };
  };

  it('passes the request on when the check allows, with subject, action and resource', async () => {
    const { seen, requirePermission } = make(() => true);
    const error = await run(
      requirePermission('dashboard.read', r => ({
        type: 'dashboard',
        id: r.params.id,
      })),
      req,
    );
    expect(error).toBeUndefined();
    expect(seen).toEqual([
      {
        subject: { type: 'product-user', id: 'u-1' },
        action: 'dashboard.read',
        resource: { type: 'dashboard', id: 'd-7' },
      },
    ]);
  });

  it('ends with NotAllowedError naming the action and the reason when denied', async () => {
    const { requirePermission } = make(() => false);
    const error = await run(
      requirePermission('dashboard.delete', r => ({
        type: 'dashboard',
        id: r.params.id,
      })),
      req,
    );
    expect(error).toBeInstanceOf(NotAllowedError);
    expect((error as Error).message).toMatch(
      /dashboard\.delete denied: role_lacks_action/,
    );
  });

  it('hands errors of the resource lookup to express', async () => {
    const { requirePermission } = make(() => true);
    const error = await run(
      requirePermission('dashboard.read', async () => {
        throw new Error('lookup failed');
      }),
      req,
    );
    expect((error as Error).message).toBe('lookup failed');
  });
});
