import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { actorRef } from './actorRef';
import { authorizeOrThrow } from './authorizeOrThrow';
import { RequestValidationError } from './RequestValidationError';

const read = createPermission({ name: 'x.thing.read', attributes: {} });
const write = createPermission({
  name: 'x.thing.write',
  attributes: { action: 'update' },
});

describe('authorizeOrThrow', () => {
  it('passes when every request is allowed, in one batch', async () => {
    const permissions = mockServices.permissions.mock({
      authorize: async requests =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    });
    await authorizeOrThrow(permissions, mockCredentials.user(), [
      { permission: read },
      { permission: write },
    ]);
    expect(permissions.authorize).toHaveBeenCalledTimes(1);
  });

  it('throws NotAllowedError naming each denied permission', async () => {
    const permissions = mockServices.permissions.mock({
      authorize: async requests =>
        requests.map(r => ({
          result:
            r.permission.name === 'x.thing.write'
              ? AuthorizeResult.DENY
              : AuthorizeResult.ALLOW,
        })),
    });
    const error = await authorizeOrThrow(permissions, mockCredentials.user(), [
      { permission: read },
      { permission: write },
    ]).catch(e => e);
    expect(error).toBeInstanceOf(NotAllowedError);
    expect(error.message).toBe('Missing permission x.thing.write');
  });
});

describe('actorRef', () => {
  it('is the user entity ref or service:<subject>', () => {
    expect(actorRef(mockCredentials.user('user:default/ana'))).toBe(
      'user:default/ana',
    );
    expect(actorRef(mockCredentials.service('external:ci'))).toBe(
      'service:external:ci',
    );
    expect(actorRef(mockCredentials.none())).toBe('none');
  });
});

describe('RequestValidationError', () => {
  it('is a 400 InputError carrying the issues', () => {
    const error = RequestValidationError.fromIssues('query', [
      { path: 'query.from', message: 'must be a date-time' },
    ]);
    expect(error.name).toBe('InputError');
    expect(error.message).toBe(
      'Invalid query: query.from: must be a date-time',
    );
    expect(error.details.issues).toEqual([
      { path: 'query.from', message: 'must be a date-time' },
    ]);
  });
});
