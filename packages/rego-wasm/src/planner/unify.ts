/*
 * Unification of terms and destructuring of array/object patterns.
 */
import { OP, TYPE } from '../ir';
import { Term } from '../parser';
import { isUnbound } from './names';
import { planTerm } from './terms';
import { Planner, Operand } from './Planner';
import { isGroundJSON, toJSON } from './groundTerms';

export function unify(
  planner: Planner,
  a: Term | { type: 'local'; op: Operand },
  b: Term | { type: 'local'; op: Operand },
) {
  const isPat = (t: any): boolean =>
    t.type !== 'local' &&
    (isUnbound(planner, t) ||
      ((t.type === 'array' || t.type === 'object') && hasUnbound(planner, t)));
  if (a.type !== 'local' && isUnbound(planner, a)) {
    const v = b.type === 'local' ? b.op : planTerm(planner, b);
    planner.bind((a as any).name, v);
    return;
  }
  if (b.type !== 'local' && isUnbound(planner, b)) {
    const v = a.type === 'local' ? a.op : planTerm(planner, a);
    planner.bind((b as any).name, v);
    return;
  }
  if (a.type === 'array' && b.type === 'array') {
    if (a.items.length !== b.items.length) planner.fail();
    else
      unifyPairs(
        planner,
        a.items.map((x, i) => [x, b.items[i]]),
      );
    return;
  }
  if (a.type === 'object' && b.type === 'object') {
    const keyOf = (k: Term) =>
      isGroundJSON(k) ? JSON.stringify(toJSON(k)) : undefined;
    const bm = new Map(b.items.map(([k, v]) => [keyOf(k), v]));
    if (
      a.items.length === b.items.length &&
      a.items.every(([k]) => keyOf(k) !== undefined && bm.has(keyOf(k)))
    ) {
      unifyPairs(
        planner,
        a.items.map(([k, v]) => [v, bm.get(keyOf(k))!]),
      );
      return;
    }
    if (
      a.items.every(([k]) => keyOf(k) !== undefined) &&
      b.items.every(([k]) => keyOf(k) !== undefined)
    ) {
      planner.fail();
      return;
    }
  }
  if (isPat(a)) {
    destructure(
      planner,
      a as Term,
      b.type === 'local' ? b.op : planTerm(planner, b),
    );
    return;
  }
  if (isPat(b)) {
    destructure(
      planner,
      b as Term,
      a.type === 'local' ? a.op : planTerm(planner, a),
    );
    return;
  }
  const va = a.type === 'local' ? a.op : planTerm(planner, a);
  const vb = b.type === 'local' ? b.op : planTerm(planner, b);
  planner.emit(OP.EQ, [va, vb]);
}

/** Unifies pairs, picking first those where one side can be evaluated. */
export function unifyPairs(planner: Planner, pairs: [Term, Term][]) {
  const todo = [...pairs];
  while (todo.length) {
    let i = todo.findIndex(
      ([x, y]) => !hasUnbound(planner, x) || !hasUnbound(planner, y),
    );
    if (i < 0) i = 0;
    const [[x, y]] = todo.splice(i, 1);
    unify(planner, x, y);
  }
}

export function hasUnbound(planner: Planner, t: Term): boolean {
  if (isUnbound(planner, t)) return true;
  if (t.type === 'array') return t.items.some(x => hasUnbound(planner, x));
  if (t.type === 'object')
    return t.items.some(([, v]) => hasUnbound(planner, v));
  return false;
}

export function destructure(planner: Planner, p: Term, v: Operand) {
  if (isUnbound(planner, p)) {
    planner.bind((p as any).name, v);
    return;
  }
  if (p.type === 'array' && hasUnbound(planner, p)) {
    planner.emit(OP.CHECK, [v, TYPE.array, p.items.length]);
    p.items.forEach((x, i) => {
      const t = planner.f.local();
      planner.emit(OP.DOT, [v, planner.cst(i), t]);
      destructure(planner, x, t);
    });
    return;
  }
  if (p.type === 'object' && hasUnbound(planner, p)) {
    planner.emit(OP.CHECK, [v, TYPE.object, p.items.length]);
    for (const [k, x] of p.items) {
      const t = planner.f.local();
      planner.emit(OP.DOT, [v, planTerm(planner, k), t]);
      destructure(planner, x, t);
    }
    return;
  }
  planner.emit(OP.EQ, [planTerm(planner, p), v]);
}
