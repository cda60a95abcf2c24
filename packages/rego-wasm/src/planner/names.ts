/*
 * Name resolution: globals (imports, packages, rules, builtins) versus local variables.
 */
import { Term, refName } from '../parser';
import { Planner, Node } from './Planner';

/** Resolves a variable name that is not a bound local to a data/input path. */
export function resolveGlobal(
  planner: Planner,
  name: string,
): { root: 'data' | 'input'; path: Term[] } | undefined {
  if (name === 'data') return { root: 'data', path: [] };
  if (name === 'input') return { root: 'input', path: [] };
  const mod = planner.scope.mod;
  if (!mod) return undefined;
  const imp = mod.imports.find(
    i => i.alias === name && i.path[0].type === 'var',
  );
  if (
    imp &&
    (imp.path[0] as any).name !== 'future' &&
    (imp.path[0] as any).name !== 'rego'
  ) {
    const head = (imp.path[0] as any).name as string;
    const rest = imp.path.slice(1);
    if (head === 'data' || head === 'input') {
      const g = resolveGlobal(planner, head)!;
      return { root: g.root, path: rest };
    }
  }
  let node: Node | undefined = planner.root;
  for (const p of mod.pkg) node = node?.children.get(p);
  if (node?.children.has(name)) {
    const loc = { file: mod.file, line: 0, col: 0 };
    return {
      root: 'data',
      path: [...mod.pkg, name].map(
        p => ({ type: 'scalar', value: p, loc } as Term),
      ),
    };
  }
  return undefined;
}

export function isLocalCandidate(planner: Planner, name: string): boolean {
  if (name === '_') return true;
  if (planner.scope.vars.has(name) || planner.scope.declared.has(name))
    return true;
  return resolveGlobal(planner, name) === undefined;
}

export function isUnbound(planner: Planner, t: Term): boolean {
  return (
    t.type === 'var' &&
    (t.name === '_' ||
      (!planner.scope.vars.has(t.name) && isLocalCandidate(planner, t.name)))
  );
}

/** The rule tree node a (function) reference names, if any. */
export function resolveNode(planner: Planner, t: Term): Node | undefined {
  const name = refName(t);
  if (!name) return undefined;
  const parts = name.split('.');
  if (planner.scope.vars.has(parts[0])) return undefined;
  const g = resolveGlobal(planner, parts[0]);
  if (!g || g.root !== 'data') return undefined;
  const full = [
    ...g.path.map(p => (p as any).value as string),
    ...parts.slice(1),
  ];
  let node: Node | undefined = planner.root;
  for (const p of full) {
    node = node.children.get(p);
    if (!node) return undefined;
  }
  return node;
}
