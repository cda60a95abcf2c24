/*
 * References: input/data/rule refs, dynamic dispatch over the rule tree, dot chains.
 */
import { compileError } from '../errors';
import { Block, OP } from '../ir';
import { Term } from '../parser';
import { nodeFunc, hasRules } from './rules';
import { resolveGlobal, isUnbound } from './names';
import { hasUnbound, destructure } from './unify';
import { planTerm } from './terms';
import { Planner, Node, isFuncNode, Operand } from './Planner';

export function planRef(planner: Planner, head: Term, path: Term[]): Operand {
  if (head.type === 'var') {
    const b = planner.scope.vars.get(head.name);
    if (b !== undefined) return planDots(planner, b, path);
    const g = resolveGlobal(planner, head.name);
    if (!g)
      throw compileError(
        head.loc,
        `var ${head.name} is unsafe`,
        'rego_unsafe_var_error',
      );
    if (g.root === 'input') {
      const l = planner.f.local();
      planner.emit(OP.INPUT, [l]);
      return planDots(planner, l, [...g.path, ...path]);
    }
    return planDataRef(planner, [...g.path, ...path]);
  }
  return planDots(planner, planTerm(planner, head), path);
}

export function planDataRef(planner: Planner, parts: Term[]): Operand {
  let node = planner.root;
  let i = 0;
  while (i < parts.length) {
    const p = parts[i];
    const child =
      p.type === 'scalar' && typeof p.value === 'string'
        ? node.children.get(p.value)
        : undefined;
    // a rule node stops the walk unless the ref continues into a rule defined below it
    if (
      node.isRule &&
      !(child && node.dynamic.length && hasRules(planner, child))
    )
      break;
    if (child) {
      node = child;
      i++;
    } else break;
  }
  if (node.isRule) {
    if (isFuncNode(node))
      throw compileError(
        parts[0]?.loc ?? { file: '', line: 0, col: 0 },
        `function ${node.path.join('.')} called without arguments`,
        'rego_type_error',
      );
    const r = planner.f.local();
    planner.emit(OP.CALL, [nodeFunc(planner, node), r, 0]);
    return planDots(planner, r, parts.slice(i));
  }
  const staticNext = i < parts.length && parts[i].type === 'scalar';
  if (
    !staticNext &&
    i < parts.length &&
    hasRules(planner, node) &&
    !parts.slice(i).some(p => hasUnbound(planner, p))
  ) {
    return dispatch(planner, node, parts, i);
  }
  if (!staticNext && hasRules(planner, node)) {
    const r = planner.f.local();
    planner.emit(OP.CALL, [nodeFunc(planner, node), r, 0]);
    return planDots(planner, r, parts.slice(i));
  }
  const d = planner.f.local();
  planner.emit(OP.DATA, [d]);
  return planDots(planner, d, parts);
}

/**
 * A ref with a computed key below a node that has rules (`data[x].allow`): select the child
 * at run time instead of materialising the whole subtree (which may include the caller).
 */
export function dispatch(
  planner: Planner,
  node: Node,
  parts: Term[],
  i: number,
): Operand {
  const key = planTerm(planner, parts[i]);
  const rest = parts.slice(i + 1);
  const res = planner.f.local();
  planner.emit(OP.RESET, [res]);
  const loc = parts[i].loc;
  const prefix = parts.slice(0, i);
  for (const [k, c] of node.children) {
    if (!hasRules(planner, c) || isFuncNode(c)) continue;
    const b: Block = { stmts: [] };
    planner.emit(OP.BLOCKS, [1], [b]);
    planner.nested(b, () => {
      planner.emit(OP.EQ, [key, planner.cst(k)]);
      const v = planDataRef(planner, [
        ...prefix,
        { type: 'scalar', value: k, loc },
        ...rest,
      ]);
      planner.emit(OP.ASSIGN, [v, res]);
    });
  }
  const b: Block = { stmts: [] };
  planner.emit(OP.BLOCKS, [1], [b]);
  planner.nested(b, () => {
    planner.emit(OP.IS_UNDEFINED, [res]);
    const d = planner.f.local();
    planner.emit(OP.DATA, [d]);
    const v = planDots(planner, d, parts);
    planner.emit(OP.ASSIGN, [v, res]);
  });
  planner.emit(OP.IS_DEFINED, [res]);
  return res;
}

export function planDots(
  planner: Planner,
  from: Operand,
  path: Term[],
): Operand {
  let v = from;
  for (const p of path) {
    if (isUnbound(planner, p)) {
      const k = planner.f.local();
      const val = planner.f.local();
      const b: Block = { stmts: [] };
      planner.emit(OP.SCAN, [v, k, val], [b]);
      planner.cur = b;
      planner.bind((p as any).name, k);
      v = val;
      continue;
    }
    if ((p.type === 'array' || p.type === 'object') && hasUnbound(planner, p)) {
      const k = planner.f.local();
      const val = planner.f.local();
      const b: Block = { stmts: [] };
      planner.emit(OP.SCAN, [v, k, val], [b]);
      planner.cur = b;
      destructure(planner, p, k);
      v = val;
      continue;
    }
    const key = planTerm(planner, p);
    const t = planner.f.local();
    planner.emit(OP.DOT, [v, key, t]);
    v = t;
  }
  return v;
}
