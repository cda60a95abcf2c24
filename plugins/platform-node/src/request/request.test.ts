import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { actorRef } from './actorRef';
import { authorizeOrThrow } from './authorizeOrThrow';
import { RequestValidationError } from './RequestValidationError';
import { openApiValidationIssues } from './openApiValidationErrors';

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

describe('openApiValidationIssues', () => {
  it('reads field paths and rules out of the validator message', () => {
    expect(
      openApiValidationIssues(
        new InputError(
          'request/body/ids/0 must match format "uuid", request/query/limit must be <= 5000',
        ),
      ),
    ).toEqual([
      { path: 'body.ids.0', message: 'must match format "uuid"' },
      { path: 'query.limit', message: 'must be <= 5000' },
    ]);
    expect(
      openApiValidationIssues(new Error('request/x boom')),
    ).toBeUndefined();
    expect(
      openApiValidationIssues(
        RequestValidationError.fromIssues('query', [
          { path: 'query.from', message: 'x' },
        ]),
      ),
    ).toBeUndefined();
  });
});
