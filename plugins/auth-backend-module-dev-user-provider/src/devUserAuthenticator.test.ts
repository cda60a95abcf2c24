import { ConfigReader } from '@backstage/config';
import { Request } from 'express';
import { DEV_USER_HEADER, devUserAuthenticator } from './devUserAuthenticator';

const request = (headers: Record<string, string>) =>
  ({
    header: (name: string) => headers[name.toLowerCase()],
  } as unknown as Request);

describe('devUserAuthenticator', () => {
  it('takes the user named in the header', async () => {
    const { result } = await devUserAuthenticator.authenticate(
      { req: request({ [DEV_USER_HEADER]: 'maya.cohen' }) },
      undefined,
    );
    expect(result).toEqual({ userEntityRef: 'maya.cohen' });
  });

  it('refuses a missing or malformed user with a message naming the header', async () => {
    await expect(
      devUserAuthenticator.authenticate({ req: request({}) }, undefined),
    ).rejects.toThrow(/Missing x-portal-dev-user header/);
    await expect(
      devUserAuthenticator.authenticate(
        { req: request({ [DEV_USER_HEADER]: "x' OR 1=1" }) },
        undefined,
      ),
    ).rejects.toThrow(/must be a catalog user name/);
  });

  const initializeUnder = (nodeEnv: string, config: object) => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = nodeEnv;
    try {
      return devUserAuthenticator.initialize({
        config: new ConfigReader(config),
      });
    } finally {
      process.env.NODE_ENV = previous;
    }
  };

  it('refuses to run outside development, or without the config flag', () => {
    for (const nodeEnv of ['production', 'test']) {
      expect(() => initializeUnder(nodeEnv, { enabled: true })).toThrow(
        /development only: .*NODE_ENV=development/,
      );
    }
    expect(() => initializeUnder('development', {})).toThrow(
      /development only: .*auth\.providers\.dev-user\.enabled/,
    );
    expect(() =>
      initializeUnder('development', { enabled: true }),
    ).not.toThrow();
  });
});
