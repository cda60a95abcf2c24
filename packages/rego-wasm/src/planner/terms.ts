/*
 * Terms: scalars, composites, comprehensions and variables.
 */
import { compileError } from '../errors';
import { Block, OP } from '../ir';
import { Term } from '../parser';
import { isLocalCandidate } from './names';
import { planBody } from './body';
import { planCall } from './calls';
import { planRef } from './refs';
import { Planner, Operand } from './Planner';
import { isGroundJSON, toJSON } from './groundTerms';

export function planTerm(planner: Planner, t: Term): Operand {
  switch (t.type) {
    case 'scalar':
      return planner.cst(t.value);
    case 'var': {
      const b = planner.scope.vars.get(t.name);
      if (b !== undefined) return b;
      if (t.name === '_' || isLocalCandidate(planner, t.name)) {
        throw compileError(
          t.loc,
          `var ${t.name} is unsafe`,
          'rego_unsafe_var_error',
        );
      }
      return planRef(planner, t, []);
    }
    case 'ref':
      return planRef(planner, t.head, t.path);
    case 'array': {
      if (isGroundJSON(t)) return planner.cst(toJSON(t));
      const ops = t.items.map(x => planTerm(planner, x));
      const l = planner.f.local();
      planner.emit(OP.MAKE_ARRAY, [l]);
      for (const o of ops) planner.emit(OP.ARRAY_APPEND, [l, o]);
      return l;
    }
    case 'object': {
      if (isGroundJSON(t)) return planner.cst(toJSON(t));
      const ops = t.items.map(([k, v]) => [
        planTerm(planner, k),
        planTerm(planner, v),
      ]);
      const l = planner.f.local();
      planner.emit(OP.MAKE_OBJECT, [l]);
      for (const [k, v] of ops) planner.emit(OP.OBJ_INSERT, [l, k, v]);
      return l;
    }
    case 'set': {
      const ops = t.items.map(x => planTerm(planner, x));
      const l = planner.f.local();
      planner.emit(OP.MAKE_SET, [l]);
      for (const o of ops) planner.emit(OP.SET_ADD, [l, o]);
      return l;
    }
    case 'call':
      return planCall(planner, t);
    case 'arraycomp':
    case 'setcomp':
    case 'objcomp': {
      const l = planner.f.local();
      const makeOp = {
        arraycomp: OP.MAKE_ARRAY,
        setcomp: OP.MAKE_SET,
        objcomp: OP.MAKE_OBJECT,
      }[t.type];
      planner.emit(makeOp, [l]);
      const b: Block = { stmts: [] };
      planner.emit(OP.BLOCKS, [1], [b]);
      planner.nested(b, () => {
        // a comprehension body is a new scope for `:=` declarations
        planner.scope.declared = new Set();
        const heads = t.type === 'objcomp' ? [t.key, t.value] : [t.term];
        planBody(planner, t.body, heads);
        if (t.type === 'objcomp') {
          planner.emit(OP.OBJ_INSERT, [
            l,
            planTerm(planner, t.key),
            planTerm(planner, t.value),
          ]);
        } else {
          planner.emit(t.type === 'arraycomp' ? OP.ARRAY_APPEND : OP.SET_ADD, [
            l,
            planTerm(planner, t.term),
          ]);
        }
      });
      return l;
    }
    default:
      throw new Error('unknown term');
  }
}
