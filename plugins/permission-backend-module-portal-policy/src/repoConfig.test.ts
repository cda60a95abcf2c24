import { resolve } from 'node:path';
import { ConfigSources } from '@backstage/config-loader';
import { Config } from '@backstage/config';

// The configs this repository ships, layered as they are deployed (README, "Configuration").
const repoRoot = resolve(__dirname, '../../..');
const layered = async (...files: string[]): Promise<Config> => {
  const config = await ConfigSources.toConfig(
    ConfigSources.default({
      rootDir: repoRoot,
      argv: files.flatMap(file => ['--config', resolve(repoRoot, file)]),
      env: {},
      watch: false,
      substitutionFunc: async () => 'substituted',
    }),
  );
  config.close();
  return config;
};
const production = () =>
  layered('app-config.yaml', 'app-config.production.yaml');
const development = () =>
  layered('app-config.yaml', 'app-config.development.yaml');

// What a static token must never reach: data classes (PII) and admin actions.
const FORBIDDEN_PERMISSIONS = [
  'filters.data-class.read',
  'platform.audit.read',
  'platform.deadletters.replay',
  'platform.jobs.run',
];

describe('the configs this repository ships', () => {
  it.each([
    ['app-config.yaml', () => layered('app-config.yaml')],
    ['production', production],
    ['development', development],
  ])(
    '%s: every static token carries accessRestrictions without PII or admin permissions',
    async (_, load) => {
      const config = await load();
      const tokens = config
        .getConfigArray('backend.auth.externalAccess')
        .filter(entry => entry.getString('type') === 'static');
      expect(tokens.length).toBeGreaterThan(0);
      for (const token of tokens) {
        const restrictions = token.getConfigArray('accessRestrictions');
        expect(restrictions.length).toBeGreaterThan(0);
        for (const restriction of restrictions) {
          const plugin = restriction.getString('plugin');
          // Backstage accepts a string or a list for both keys.
          const list = (key: string) => {
            const value = restriction.getOptional(key);
            return value === undefined ? undefined : [value].flat().map(String);
          };
          const names = list('permission');
          const actions = list('permissionAttribute.action');
          // A plugin entry without names or actions would allow everything in that plugin.
          expect({ plugin, limited: Boolean(names || actions) }).toEqual({
            plugin,
            limited: true,
          });
          for (const name of names ?? []) {
            expect(FORBIDDEN_PERMISSIONS).not.toContain(name);
          }
          expect(actions ?? ['read']).toEqual(['read']);
        }
      }
    },
  );

  it('keeps the development sign-in out of what production inherits', async () => {
    for (const config of [
      await layered('app-config.yaml'),
      await production(),
    ]) {
      const providers = config.getOptionalConfig('auth.providers');
      expect(providers?.has('dev-user') ?? false).toBe(false);
      expect(providers?.has('guest') ?? false).toBe(false);
    }
    expect(
      (await development()).getOptionalBoolean(
        'auth.providers.dev-user.enabled',
      ),
    ).toBe(true);
  });

  it('names the organisation locations in every deployment', async () => {
    for (const config of [await development(), await production()]) {
      const targets = config
        .getConfigArray('catalog.orgLocations')
        .map(location => location.getString('target'));
      expect(targets.map(t => t.replace(/^(\.\.\/)+|^\.\//, ''))).toEqual([
        'catalog/org-groups.yaml',
        'catalog/org-users.yaml',
      ]);
    }
  });
});
