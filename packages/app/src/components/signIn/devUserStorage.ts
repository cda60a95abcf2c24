const KEY = 'platform-portal.dev-user';

export const devUserStorage = {
  get: (): string | undefined => window.localStorage.getItem(KEY) ?? undefined,
  set: (userRef: string) => window.localStorage.setItem(KEY, userRef),
  clear: () => window.localStorage.removeItem(KEY),
};
