import { ConfigReader } from '@backstage/config';
import { devUserSignInRefusal } from './devUserSignInGuard';

const enabled = new ConfigReader({ enabled: true });

describe('devUserSignInRefusal', () => {
  it('allows the dev-user sign-in only in development with the flag on', () => {
    expect(
      devUserSignInRefusal({
        nodeEnv: 'development',
        providerConfig: enabled,
      }),
    ).toBeUndefined();
  });

  it.each([['production'], ['test'], [undefined], ['']])(
    'refuses under NODE_ENV=%s even with the flag on',
    nodeEnv => {
      expect(
        devUserSignInRefusal({ nodeEnv, providerConfig: enabled }),
      ).toMatch(/only under NODE_ENV=development/);
    },
  );

  it.each([
    ['no provider block', undefined],
    ['an empty provider block', new ConfigReader({})],
    ['the flag off', new ConfigReader({ enabled: false })],
    ['a string flag', new ConfigReader({ enabled: 'yes' })],
  ])('refuses in development with %s', (_, providerConfig) => {
    expect(() =>
      devUserSignInRefusal({ nodeEnv: 'development', providerConfig }),
    ).not.toThrow();
    expect(
      devUserSignInRefusal({ nodeEnv: 'development', providerConfig }),
    ).toMatch(/needs auth\.providers\.dev-user\.enabled: true/);
  });
});
