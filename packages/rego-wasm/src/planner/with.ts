/*
 * The `with` modifier on input, data, rules and functions.
 */
import { compileError } from '../errors';
import { OP } from '../ir';
import { Term, refName } from '../parser';
import { lookupBuiltin } from '../builtins';
import { nodeFunc } from './rules';
import { resolveGlobal, resolveNode } from './names';
import { planTerm } from './terms';
import { builtinId } from './calls';
import { Planner, isFuncNode, Operand } from './Planner';

export function planWith(planner: Planner, target: Term, value: Term): number {
  const save = planner.f.local();
  const name = refName(target);
  const parts = name?.split('.') ?? [];
  if (parts[0] === 'input') {
    const v = planTerm(planner, value);
    planner.emit(OP.WITH, [0, planner.cst(parts.slice(1)), v, save, 0, -1]);
    return save;
  }
  // function mocks
  const b = name ? lookupBuiltin(name) : undefined;
  const node = resolveNode(planner, target);
  if ((b && !node) || (node && isFuncNode(node))) {
    let mockFunc = -1;
    let v: Operand = planner.cst(null);
    const repl =
      value.type === 'var' || value.type === 'ref'
        ? resolveNode(planner, value)
        : undefined;
    if (repl && isFuncNode(repl)) mockFunc = nodeFunc(planner, repl);
    else if (value.type === 'var' || value.type === 'ref') {
      const rn = refName(value) ?? '';
      const rb = lookupBuiltin(rn);
      if (
        rb &&
        !planner.scope.vars.has(rn.split('.')[0]) &&
        !resolveGlobal(planner, rn.split('.')[0])
      ) {
        mockFunc = -2 - builtinId(planner, rb);
      } else v = planTerm(planner, value);
    } else v = planTerm(planner, value);
    if (node && isFuncNode(node)) {
      planner.emit(OP.WITH, [
        3,
        planner.cst(null),
        v,
        save,
        nodeFunc(planner, node),
        mockFunc,
      ]);
    } else {
      planner.emit(OP.WITH, [
        2,
        planner.cst(null),
        v,
        save,
        builtinId(planner, b!),
        mockFunc,
      ]);
    }
    return save;
  }
  if (
    parts[0] !== 'data' &&
    !(
      target.type === 'ref' &&
      target.head.type === 'var' &&
      target.head.name === 'data'
    )
  ) {
    throw compileError(
      target.loc,
      'with keyword target must reference existing input, data, or a function',
      'rego_type_error',
    );
  }
  const v = planTerm(planner, value);
  const pathTerms = target.type === 'ref' ? target.path : [];
  const ground = pathTerms.every(p => p.type === 'scalar');
  if (ground) {
    planner.emit(OP.WITH, [
      1,
      planner.cst(pathTerms.map(p => (p as any).value)),
      v,
      save,
      0,
      -1,
    ]);
  } else {
    const path = planner.f.local();
    planner.emit(OP.MAKE_ARRAY, [path]);
    for (const p of pathTerms)
      planner.emit(OP.ARRAY_APPEND, [path, planTerm(planner, p)]);
    planner.emit(OP.WITH, [1, path, v, save, 0, -1]);
  }
  return save;
}
