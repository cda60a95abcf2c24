import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
export const E2E_BASE = 'http://localhost:7107';

/** Starts the backend through `npm start`'s own script, so the e2e run exercises it too. */
export function startPortalBackend(env, logFile) {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'scripts', 'start.mjs'),
      'backend',
      '--config',
      join(repoRoot, 'app-config.yaml'),
      // The development sign-in, as `npm start` loads it (BACKSTAGE_ENV=development).
      '--config',
      join(repoRoot, 'app-config.development.yaml'),
      '--config',
      join(repoRoot, 'e2e', 'app-config.e2e.yaml'),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = [];
  const collect = chunk => {
    output.push(chunk.toString());
    logFile?.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise(done => child.once('exit', code => done(code)));
  return {
    child,
    log: () => output.join(''),
    /** Ctrl-C, as a person would; resolves with the exit code. */
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

export async function waitFor(
  what,
  check,
  { timeoutMs = 240_000, intervalMs = 1_000, backend } = {},
) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (backend && backend.child.exitCode !== null) {
      throw new Error(
        `The portal exited (${
          backend.child.exitCode
        }) while waiting for ${what}:\n${backend.log().slice(-3000)}`,
      );
    }
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `Timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`,
  );
}

export async function waitForCatalog(base, token, backend) {
  await waitFor(
    'backend readiness',
    async () => (await fetch(`${base}/.backstage/health/v1/readiness`)).ok,
    { backend },
  );
  // Catalog ingestion runs after readiness; poll until the organisation is in.
  return waitFor(
    'catalog ingestion',
    async () => {
      const groups = await getJson(
        `${base}/api/catalog/entities?filter=kind=group`,
        token,
      );
      const services = await getJson(
        `${base}/api/catalog/entities?filter=kind=component,spec.type=platform-service`,
        token,
      );
      return groups.length >= 11 && services.length >= 3
        ? { groups, services }
        : undefined;
    },
    { backend },
  );
}

/** POSTGRES_* naming the test server, which stands in for an external Postgres. */
export function externalPostgresEnv() {
  const url = new URL(process.env.PORTAL_TEST_POSTGRES_URL ?? '');
  return {
    POSTGRES_HOST: url.hostname,
    POSTGRES_PORT: url.port,
    POSTGRES_USER: decodeURIComponent(url.username),
    POSTGRES_PASSWORD: decodeURIComponent(url.password),
  };
}

export async function getJson(url, token) {
  const response = await fetch(url, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** Debian's Chromium with the flags this network needs (no background connections). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Opens the portal in a new page signed in as a catalog user through the development sign-in
 * page; `pageErrors` collects uncaught page errors for the test to assert on.
 */
export async function openPortalAs(browser, { search, displayName, viewport }) {
  const page = await browser.newPage({
    viewport: viewport ?? { width: 1400, height: 1000 },
  });
  const pageErrors = [];
  page.on('pageerror', error => pageErrors.push(error.message));
  try {
    await page.goto(E2E_BASE);
    await page.getByLabel('Filter users').fill(search);
  } catch (error) {
    // Callers open the portal before their try/finally: an open browser would keep the test
    // process alive forever (a hung CI run instead of a failed test).
    await browser.close().catch(() => undefined);
    throw error;
  }
  return {
    page,
    pageErrors,
    async signIn() {
      await page
        .getByRole('button', { name: `Sign in as ${displayName}` })
        .click();
      await page.getByText('What this portal is for').waitFor();
    },
  };
}

/** A user token from the development sign-in, as scripts get one. */
export async function devUserToken(name) {
  // 404 until the catalog has ingested the user (groups can arrive before users).
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(`${E2E_BASE}/api/auth/dev-user/refresh`, {
      headers: { 'x-portal-dev-user': name },
    });
    if (response.ok) return (await response.json()).backstageIdentity;
    if (response.status !== 404 || Date.now() > deadline) {
      throw new Error(`dev-user sign-in as ${name}: HTTP ${response.status}`);
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

/** The demo data's deterministic id of the n-th account (packages/dev-database). */
export function demoAccountId(n) {
  const hex = createHash('md5').update(`account-${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(
    12,
    16,
  )}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A JSON request with a bearer token; resolves with the status and the parsed body. */
export async function callJson(method, url, token, body) {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed };
}

/**
 * The real portal backend for one e2e file (call it inside `describe`): started before the
 * file's tests (after `beforeStart`, if given) on the test Postgres with the static API `token`
 * and `env`, logged to
 * `e2e/artifacts/backend-<name>.log`, ready once the catalog answers; stopped after them, and
 * the file fails unless it exits cleanly. `suite.backend` is the running backend, `suite.catalog`
 * what `waitForCatalog` read.
 */
export function portalBackendForSuite(name, { token, env = {}, beforeStart }) {
  const suite = { backend: undefined, catalog: undefined };
  before(async () => {
    const artifacts = join(repoRoot, 'e2e', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    await beforeStart?.();
    suite.backend = startPortalBackend(
      { ...externalPostgresEnv(), PORTAL_API_TOKEN: token, ...env },
      createWriteStream(join(artifacts, `backend-${name}.log`)),
    );
    suite.catalog = await waitForCatalog(E2E_BASE, token, suite.backend);
  });
  after(async () => {
    assert.equal(await suite.backend?.stop(), 0, 'npm start exits cleanly');
  });
  return suite;
}
