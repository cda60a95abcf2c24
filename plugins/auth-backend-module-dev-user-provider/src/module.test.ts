import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { authProvidersExtensionPoint } from '@backstage/plugin-auth-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { authModuleDevUserProvider } from './module';

async function registeredProviders(nodeEnv: string, config: object) {
  const registered: string[] = [];
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = nodeEnv;
  try {
    const backend = await startTestBackend({
      extensionPoints: [
        [
          authProvidersExtensionPoint,
          {
            registerProvider: ({ providerId }: { providerId: string }) =>
              registered.push(providerId),
          },
        ],
      ],
      features: [
        authModuleDevUserProvider,
        mockServices.rootConfig.factory({ data: config }),
        catalogServiceMock.factory(),
      ],
    });
    await backend.stop();
  } finally {
    process.env.NODE_ENV = previous;
  }
  return registered;
}

const flagOn = { auth: { providers: { 'dev-user': { enabled: true } } } };

describe('authModuleDevUserProvider', () => {
  it('registers the dev-user sign-in in development with the flag on', async () => {
    expect(await registeredProviders('development', flagOn)).toEqual([
      'dev-user',
    ]);
  });

  it('registers nothing in production, even with the flag on', async () => {
    expect(await registeredProviders('production', flagOn)).toEqual([]);
  });

  it('registers nothing in development without the flag (the base app-config.yaml)', async () => {
    expect(
      await registeredProviders('development', {
        auth: { providers: { 'dev-user': {} } },
      }),
    ).toEqual([]);
    expect(await registeredProviders('development', {})).toEqual([]);
  });
});
