import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { PolicySource } from './CompiledPolicy';

/** The product policy shipped in the repository (`policies/product`). */
export const DEFAULT_ENTRYPOINT = 'product/authz/decision';

/** `policies/` at the repository root, next to the plugins. */
export function defaultPolicyRoot(): string {
  return path.resolve(
    resolvePackagePath('@internal/plugin-authz-node'),
    '../../policies',
  );
}

/**
 * Reads a policy directory: every `*.rego` module (tests `*_test.rego` only when asked) and
 * `data.json` (optional).
 */
export function readPolicyDirectory(
  dir: string,
  options: { entrypoint?: string; includeTests?: boolean } = {},
): PolicySource {
  const modules: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith('.rego')) continue;
    if (!options.includeTests && name.endsWith('_test.rego')) continue;
    modules[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  }
  if (Object.keys(modules).length === 0) {
    throw new Error(`no .rego modules in ${dir}`);
  }
  const dataFile = path.join(dir, 'data.json');
  const data = fs.existsSync(dataFile)
    ? JSON.parse(fs.readFileSync(dataFile, 'utf8'))
    : {};
  return {
    modules,
    data,
    entrypoint: options.entrypoint ?? DEFAULT_ENTRYPOINT,
  };
}
