import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: the nearest ancestor whose package.json declares workspaces. */
function repoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const json = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      if (json.workspaces) return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`no workspace root above ${from}`);
    }
  }
}

/**
 * Where OPA's YAML conformance cases live: `$REGO_CONFORMANCE_DIR` if set,
 * else `../shared/conformance` relative to the repository root.
 */
export function resolveConformanceDir(
  env: Record<string, string | undefined> = process.env,
): string {
  const configured = env.REGO_CONFORMANCE_DIR;
  if (configured) return path.resolve(configured);
  // A development-time lookup from the source tree (src/ or dist/bundle/), never a packaged build.
  // eslint-disable-next-line no-restricted-syntax
  return path.resolve(repoRoot(__dirname), '../shared/conformance');
}
