import fs from 'fs';
import os from 'os';
import path from 'path';
import YAML from 'yaml';
import { findAdoptionDir, loadDefinitions } from './definitions';

/** A copy of the repo's adoption/ with versioning.yaml replaced. */
function withVersioning(versioning: unknown): string {
  const repoDir = findAdoptionDir(path.resolve(__dirname))!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adoption-defs-'));
  for (const f of fs.readdirSync(repoDir)) {
    fs.copyFileSync(path.join(repoDir, f), path.join(dir, f));
  }
  fs.writeFileSync(
    path.join(dir, 'versioning.yaml'),
    YAML.stringify(versioning),
  );
  return dir;
}

const deprecated = {
  capability: 'export',
  version: 'v1',
  replacedBy: 'v2',
  gaDate: '2026-11-01',
  removalDate: '2027-02-01',
  routes: ['/api/exports/v1/'],
};

describe('loadDefinitions', () => {
  it("loads the repo's definitions", () => {
    const defs = loadDefinitions(findAdoptionDir(path.resolve(__dirname))!);
    expect(defs.capabilities.map(c => c.id)).toEqual([
      'export',
      'filtering',
      'permissions',
    ]);
    expect(defs.versioning.deprecatedVersions).toEqual([]);
  });

  it('accepts a deprecated version with routes', () => {
    const defs = loadDefinitions(
      withVersioning({ policy: ['semver'], deprecatedVersions: [deprecated] }),
    );
    expect(defs.versioning.deprecatedVersions).toEqual([deprecated]);
  });

  it.each([
    [{ ...deprecated, capability: 'reports' }, /\[0\]\.capability must be/],
    [{ ...deprecated, routes: undefined }, /\[0\]\.routes must be a list/],
    [{ ...deprecated, routes: [] }, /\[0\]\.routes must list route templates/],
    [{ ...deprecated, routes: ['v1/'] }, /\[0\]\.routes must list route/],
  ])('refuses a bad declaration, naming the entry (%#)', (entry, message) => {
    expect(() =>
      loadDefinitions(
        withVersioning({ policy: ['semver'], deprecatedVersions: [entry] }),
      ),
    ).toThrow(message);
  });
});
