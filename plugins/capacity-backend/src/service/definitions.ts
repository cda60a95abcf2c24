import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  CapacityProject,
  CapacityValidationError,
  CostsDocument,
  LimitDefinition,
  parseCostsDocument,
  parseLimitsDocument,
} from '@internal/plugin-capacity-common';

export interface CapacityDefinitions {
  estimatesAsOf: string;
  limits: LimitDefinition[];
  projects: CapacityProject[];
  costs: CostsDocument;
  files: { limits: string; costs: string };
}

/** Finds `capacity/<name>` in the nearest ancestor of this package that has it (the repo root). */
export function findRepoFile(
  name: string,
  from = resolvePackagePath('@internal/plugin-capacity-backend'),
): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'capacity', name);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readYaml(file: string, label: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CapacityValidationError([
      {
        file: label,
        path: '',
        rule: `cannot be read: ${(error as Error).message}`,
      },
    ]);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new CapacityValidationError([
      {
        file: label,
        path: '',
        rule: `is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      },
    ]);
  }
}

/** Reads and validates capacity/limits.yaml and capacity/costs.yaml (errors name file, path, rule). */
export function loadDefinitions(files: {
  limits: string;
  costs: string;
}): CapacityDefinitions {
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  const limitsDoc = parseLimitsDocument(
    readYaml(files.limits, rel(files.limits)),
    rel(files.limits),
  );
  const costs = parseCostsDocument(
    readYaml(files.costs, rel(files.costs)),
    rel(files.costs),
  );
  const limitIds = new Set(limitsDoc.limits.map(l => l.id));
  const issues = costs.drivers.flatMap((d, i) =>
    d.services.flatMap((s, j) =>
      s.derivedFrom && !limitIds.has(s.derivedFrom.limit)
        ? [
            {
              file: rel(files.costs),
              path: `drivers[${i}].services[${j}].derivedFrom.limit`,
              rule: `names limit "${
                s.derivedFrom.limit
              }", which is not in ${rel(files.limits)}`,
            },
          ]
        : [],
    ),
  );
  if (issues.length) throw new CapacityValidationError(issues);
  return { ...limitsDoc, costs, files };
}
