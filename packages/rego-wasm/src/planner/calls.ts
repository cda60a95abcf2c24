/*
 * Calls of user functions and builtins (native or host).
 */
import { compileError } from '../errors';
import { Block, OP } from '../ir';
import { Term } from '../parser';
import { lookupBuiltin } from '../builtins';
import { nodeFunc } from './rules';
import { resolveNode } from './names';
import { unify } from './unify';
import { planTerm } from './terms';
import { Planner, isFuncNode, Operand } from './Planner';

export function planCall(
  planner: Planner,
  t: Term & { type: 'call' },
): Operand {
  const node = resolveNode(planner, t.fn);
  if (node && isFuncNode(node)) {
    const arity = (node.funcs[0] ?? node.defaults[0]).rule.head.args!.length;
    const args = t.args.slice(0, arity).map(a => planTerm(planner, a));
    if (t.args.length !== arity && t.args.length !== arity + 1) {
      throw compileError(
        t.loc,
        `function ${t.name} has arity ${arity}, got ${t.args.length} arguments`,
        'rego_type_error',
      );
    }
    const r = planner.f.local();
    planner.emit(OP.CALL, [nodeFunc(planner, node), r, args.length, ...args]);
    if (t.args.length === arity + 1) {
      unify(planner, t.args[arity], { type: 'local', op: r });
      return planner.cst(true);
    }
    return r;
  }
  let name = t.name;
  if (name === 'print') return planner.cst(true);
  if (name === 'walk' && t.args.length === 2) {
    // relation: iterate the [path, value] pairs the host returns
    const all = planner.f.local();
    planner.emit(OP.BUILTIN, [
      builtinId(planner, lookupBuiltin('walk')!),
      all,
      1,
      planTerm(planner, t.args[0]),
    ]);
    const v = planner.f.local();
    const b: Block = { stmts: [] };
    planner.emit(OP.SCAN, [all, -1, v], [b]);
    planner.cur = b;
    unify(planner, t.args[1], { type: 'local', op: v });
    return planner.cst(true);
  }
  if (name.startsWith('__')) name = '';
  const b = lookupBuiltin(name);
  if (!b) {
    if (node)
      throw compileError(
        t.loc,
        `${t.name} is not a function`,
        'rego_type_error',
      );
    throw compileError(
      t.loc,
      `undefined function ${t.name}`,
      'rego_type_error',
    );
  }
  if (t.args.length !== b.arity && t.args.length !== b.arity + 1) {
    throw compileError(t.loc, `${name}: arity mismatch`, 'rego_type_error');
  }
  const args = t.args.slice(0, b.arity).map(a => planTerm(planner, a));
  const r = planner.f.local();
  if ((name === 'lower' || name === 'upper') && t.args.length === 1) {
    // native ASCII fast path; the host handles the rest of Unicode
    const fast = lookupBuiltin(`__ascii_${name}`)!;
    planner.emit(OP.RESET, [r]);
    const nb: Block = {
      stmts: [{ op: OP.BUILTIN, args: [fast.id, r, 1, args[0]] }],
    };
    const hb: Block = {
      stmts: [
        { op: OP.IS_UNDEFINED, args: [r] },
        { op: OP.BUILTIN, args: [builtinId(planner, b), r, 1, args[0]] },
      ],
    };
    planner.emit(OP.BLOCKS, [2], [nb, hb]);
    planner.emit(OP.IS_DEFINED, [r]);
    return r;
  }
  if (
    name === 'internal.member_2' ||
    name === 'internal.member_3' ||
    b.arity > 4
  ) {
    if (b.arity > 4)
      throw compileError(
        t.loc,
        `${name}: too many arguments`,
        'rego_type_error',
      );
  }
  planner.emit(OP.BUILTIN, [builtinId(planner, b), r, args.length, ...args]);
  if (t.args.length === b.arity + 1) {
    unify(planner, t.args[b.arity], { type: 'local', op: r });
    return planner.cst(true);
  }
  return r;
}

export function builtinId(
  planner: Planner,
  b: { name: string; native: boolean; id: number },
): number {
  if (b.native) return b.id;
  let id = planner.hostIds.get(b.name);
  if (id === undefined) {
    id = planner.hostList.length;
    planner.hostList.push(b.name);
    planner.hostIds.set(b.name, id);
  }
  return 1000 + id;
}
