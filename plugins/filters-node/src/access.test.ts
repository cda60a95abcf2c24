import { mockCredentials } from '@backstage/backend-test-utils';
import { PermissionsService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { FilterAccess } from './access';

const ACCOUNT = '8d3f1a2b-0c4d-4e5f-8a9b-1c2d3e4f5a6b';

/** A policy that allows everything asked: the engine-side allow-list must still hold. */
const allowAll = {
  authorize: async (requests: unknown[]) =>
    requests.map(() => ({ result: AuthorizeResult.ALLOW })),
  authorizeConditional: async () => {
    throw new Error('not used');
  },
} as unknown as PermissionsService;

describe('FilterAccess: PII for service principals only when allow-listed', () => {
  const access = new FilterAccess(allowAll, {
    piiServiceSubjects: ['external:reporting'],
  });

  it('a service principal that is not allow-listed gets public classes only, whatever the policy says', async () => {
    const ctx = await access.authorize(
      mockCredentials.service('external:portal-api-token'),
      ACCOUNT,
      ['pii', 'public', 'financial'],
    );
    expect([...ctx.readableDataClasses]).toEqual(['public']);
  });

  it('an allow-listed service principal gets what the policy allows', async () => {
    const ctx = await access.authorize(
      mockCredentials.service('external:reporting'),
      ACCOUNT,
      ['pii', 'financial'],
    );
    expect([...ctx.readableDataClasses].sort()).toEqual(['financial', 'pii']);
  });

  it('users are decided by the policy alone', async () => {
    const ctx = await access.authorize(
      mockCredentials.user('user:default/sre-alice'),
      ACCOUNT,
      ['pii'],
    );
    expect([...ctx.readableDataClasses]).toEqual(['pii']);
  });

  it('without configuration no service principal reads PII', async () => {
    const ctx = await new FilterAccess(allowAll).authorize(
      mockCredentials.service('external:reporting'),
      ACCOUNT,
      ['pii'],
    );
    expect(ctx.readableDataClasses.size).toBe(0);
  });
});
