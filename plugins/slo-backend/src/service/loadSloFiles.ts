import fs from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  HistogramBounds,
  parseSloDefinition,
  SloDefinition,
} from '@internal/plugin-slo-common';

export class SloFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid SLO definitions:\n  ${problems.join('\n  ')}`);
    this.name = 'SloFileError';
  }
}

/**
 * Loads every `*.yaml` / `*.yml` in `directory` (one or more YAML documents per file, one SLO
 * per document). Any problem fails the whole load with every problem listed as
 * `file[#document]: path: rule`, so a broken definition never half-loads.
 */
export async function loadSloFiles(
  directory: string,
  bucketBoundsMs?: HistogramBounds,
): Promise<SloDefinition[]> {
  const names = (await fs.readdir(directory))
    .filter(n => /\.ya?ml$/.test(n))
    .sort();
  const problems: string[] = [];
  const definitions: SloDefinition[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(directory, name);
    const text = await fs.readFile(file, 'utf8');
    const documents = parseAllDocuments(text);
    documents.forEach((doc, index) => {
      const where = documents.length > 1 ? `${name}#${index + 1}` : name;
      if (doc.errors.length > 0) {
        problems.push(`${where}: YAML: ${doc.errors[0].message}`);
        return;
      }
      const result = parseSloDefinition(doc.toJS(), bucketBoundsMs);
      if (!result.ok) {
        for (const issue of result.issues) {
          problems.push(`${where}: ${issue.path}: ${issue.message}`);
        }
        return;
      }
      const previous = seen.get(result.definition.id);
      if (previous) {
        problems.push(
          `${where}: id: "${result.definition.id}" is already defined in ${previous}`,
        );
        return;
      }
      seen.set(result.definition.id, where);
      definitions.push(result.definition);
    });
  }
  if (problems.length > 0) throw new SloFileError(problems);
  return definitions;
}

/** The first `relative` directory found walking up from `start` (the repo's slos/, docs/runbooks). */
export async function findUp(
  start: string,
  relative: string,
): Promise<string | undefined> {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, relative);
    const stat = await fs.stat(candidate).catch(() => undefined);
    if (stat?.isDirectory()) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
