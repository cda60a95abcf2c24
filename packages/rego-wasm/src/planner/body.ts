/*
 * Bodies and expressions: safety reordering, `not`, `some`, `every`, assignment and comparison.
 */
import { compileError } from '../errors';
import { Block, OP } from '../ir';
import { Expr, Term } from '../parser';
import {
  needed,
  exprNeeds,
  comprehensionNeeds,
  collectTermVars,
  collectExprVars,
} from './safety';
import { planWith } from './with';
import { unify } from './unify';
import { planTerm } from './terms';
import { Planner } from './Planner';

/** Plans a body into the current block (which moves into nested scans). */
export function planBody(
  planner: Planner,
  body: Expr[],
  headTerms: Term[] = [],
) {
  // declarations first so that rule names can be shadowed
  const pending = [...body];
  const varsOf = (e: Expr) => {
    const s = new Set<string>();
    collectExprVars(planner, e, s, true);
    return s;
  };
  const exprVars = pending.map(varsOf);
  const headVars = new Set<string>();
  for (const h of headTerms) collectTermVars(planner, h, headVars, true);
  while (pending.length) {
    let picked = -1;
    let lastNeeds: Set<string> | undefined;
    for (let i = 0; i < pending.length; i++) {
      const others = new Set<string>(headVars);
      exprVars.forEach((vs, j) => {
        if (j !== i) for (const v of vs) others.add(v);
      });
      const needs = exprNeeds(planner, pending[i], others);
      if (needs.size === 0) {
        picked = i;
        break;
      }
      if (!lastNeeds) lastNeeds = needs;
    }
    if (picked < 0) {
      const e = pending[0];
      const v = [...(lastNeeds ?? [])][0];
      throw compileError(e.loc, `var ${v} is unsafe`, 'rego_unsafe_var_error');
    }
    const [e] = pending.splice(picked, 1);
    exprVars.splice(picked, 1);
    planExpr(planner, e);
  }
  // head safety
  for (const h of headTerms) {
    const need = new Set<string>();
    needed(planner, h, need, false);
    comprehensionNeeds(planner, h, new Set(), need);
    if (need.size)
      throw compileError(
        h.loc,
        `var ${[...need][0]} is unsafe`,
        'rego_unsafe_var_error',
      );
  }
}

export function planExpr(planner: Planner, e: Expr) {
  if (e.with.length) {
    const saves: number[] = [];
    for (const w of e.with) saves.push(planWith(planner, w.target, w.value));
    planExpr(planner, { ...e, with: [] });
    planner.emit(OP.WITH_POP, [saves[0]]);
    return;
  }
  if (e.neg) {
    planNot(planner, () => planExpr(planner, { ...e, neg: false }));
    return;
  }
  switch (e.type) {
    case 'some':
      for (const n of e.names) {
        if (n.type !== 'var')
          throw compileError(
            n.loc,
            'expected variable in some declaration',
            'rego_parse_error',
          );
        planner.scope.declared.add(n.name);
        planner.scope.vars.delete(n.name);
      }
      return;
    case 'somein': {
      for (const t of [e.key, e.value]) {
        if (!t) continue;
        const vs = new Set<string>();
        collectTermVars(planner, t, vs, false);
        for (const v of vs) {
          if (!planner.scope.vars.has(v) || planner.scope.declared.has(v)) {
            planner.scope.declared.add(v);
            planner.scope.vars.delete(v);
          }
        }
      }
      const coll = planTerm(planner, e.coll);
      const k = planner.f.local();
      const v = planner.f.local();
      const b: Block = { stmts: [] };
      planner.emit(OP.SCAN, [coll, e.key ? k : -1, v], [b]);
      planner.cur = b;
      if (e.key) unify(planner, e.key, { type: 'local', op: k });
      unify(planner, e.value, { type: 'local', op: v });
      return;
    }
    case 'every': {
      const coll = planTerm(planner, e.coll);
      planner.emit(OP.CHECK, [coll, 0, -1]);
      const found = planner.f.local();
      planner.emit(OP.ASSIGN, [planner.cst(false), found]);
      const outer: Block = { stmts: [] };
      planner.emit(OP.BLOCKS, [1], [outer]);
      planner.nested(outer, () => {
        const k = planner.f.local();
        const v = planner.f.local();
        const sb: Block = { stmts: [] };
        planner.emit(OP.SCAN, [coll, e.key ? k : -1, v], [sb]);
        planner.cur = sb;
        for (const t of [e.key, e.value]) {
          if (t?.type === 'var') {
            planner.scope.vars.delete(t.name);
            planner.scope.declared.add(t.name);
          }
        }
        if (e.key) unify(planner, e.key, { type: 'local', op: k });
        unify(planner, e.value, { type: 'local', op: v });
        planNot(planner, () => planBody(planner, e.body));
        planner.emit(OP.ASSIGN, [planner.cst(true), found]);
      });
      planner.emit(OP.EQ, [found, planner.cst(false)]);
      return;
    }
    case 'term': {
      const t = e.term;
      if (t.type === 'call' && t.name === 'assign') {
        const vs = new Set<string>();
        collectTermVars(planner, t.args[0], vs, false);
        for (const v of vs) {
          if (planner.scope.vars.has(v) && planner.scope.declared.has(v)) {
            throw compileError(
              e.loc,
              `var ${v} assigned above`,
              'rego_compile_error',
            );
          }
          planner.scope.declared.add(v);
          planner.scope.vars.delete(v);
        }
        unify(planner, t.args[0], t.args[1]);
        return;
      }
      if (t.type === 'call' && t.name === 'eq') {
        unify(planner, t.args[0], t.args[1]);
        return;
      }
      if (
        t.type === 'call' &&
        (t.name === 'equal' || t.name === 'neq') &&
        t.args.length === 2
      ) {
        const a = planTerm(planner, t.args[0]);
        const b = planTerm(planner, t.args[1]);
        planner.emit(t.name === 'equal' ? OP.EQ : OP.NEQ, [a, b]);
        return;
      }
      const v = planTerm(planner, t);
      planner.emit(OP.NOT_FALSE, [v]);
      return;
    }
    default:
      throw new Error('unknown expression');
  }
}

/** `not`: succeeds iff no path through the planned body reaches its end. */
export function planNot(planner: Planner, body: () => void) {
  const found = planner.f.local();
  planner.emit(OP.RESET, [found]);
  const b: Block = { stmts: [] };
  planner.emit(OP.BLOCKS, [1], [b]);
  planner.nested(b, () => {
    body();
    planner.emit(OP.ASSIGN, [planner.cst(true), found]);
  });
  planner.emit(OP.IS_UNDEFINED, [found]);
}
