/*
 * Variable safety: which variables a term or expression needs bound, used to reorder bodies.
 */
import { Expr, Term, refName } from '../parser';
import { lookupBuiltin } from '../builtins';
import { isLocalCandidate, resolveNode } from './names';
import { Planner, isFuncNode } from './Planner';

/** Variables of a term in positions that must be bound before evaluation. */
export function needed(
  planner: Planner,
  t: Term,
  out: Set<string>,
  pattern: boolean,
) {
  switch (t.type) {
    case 'var':
      if (
        !pattern &&
        t.name !== '_' &&
        isLocalCandidate(planner, t.name) &&
        !planner.scope.vars.has(t.name)
      )
        out.add(t.name);
      return;
    case 'ref':
      needed(planner, t.head, out, false);
      for (const p of t.path)
        if (p.type !== 'var') needed(planner, p, out, true);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) needed(planner, x, out, pattern);
      return;
    case 'object':
      for (const [k, v] of t.items) {
        needed(planner, k, out, false);
        needed(planner, v, out, pattern);
      }
      return;
    case 'call': {
      const b = lookupBuiltin(t.name);
      const fnArity = b ? b.arity : userArity(planner, t);
      t.args.forEach((a, i) =>
        needed(planner, a, out, fnArity !== undefined && i === fnArity),
      );
      return;
    }
    default:
      return; // comprehensions: handled as closures
  }
}

export function userArity(
  planner: Planner,
  t: Term & { type: 'call' },
): number | undefined {
  const node = resolveNode(planner, t.fn);
  return node && isFuncNode(node)
    ? (node.funcs[0] ?? node.defaults[0]).rule.head.args!.length
    : undefined;
}

export function exprNeeds(
  planner: Planner,
  e: Expr,
  others: Set<string>,
): Set<string> {
  const out = new Set<string>();
  const closure = (x: Term | Expr[]) => {
    const vs = new Set<string>();
    if (Array.isArray(x))
      for (const y of x) collectExprVars(planner, y, vs, true);
    else collectTermVars(planner, x, vs, true);
    addShared(planner, vs, others, out);
  };
  for (const w of e.with) {
    const fn = refName(w.value);
    if (
      fn &&
      (lookupBuiltin(fn) ||
        (resolveNode(planner, w.value) &&
          isFuncNode(resolveNode(planner, w.value)!)))
    )
      continue;
    needed(planner, w.value, out, false);
  }
  if (e.neg) {
    closure([{ ...e, neg: false } as Expr]);
    return out;
  }
  switch (e.type) {
    case 'some':
      return out;
    case 'somein':
      needed(planner, e.coll, out, false);
      return out;
    case 'every': {
      needed(planner, e.coll, out, false);
      // The key and value are the every's own: another expression's var of the same name is a
      // different var, and neither makes the other unsafe.
      const own = new Set<string>();
      if (e.key) collectTermVars(planner, e.key, own, true);
      collectTermVars(planner, e.value, own, true);
      const vs = new Set<string>();
      for (const y of e.body) collectExprVars(planner, y, vs, true);
      for (const v of own) vs.delete(v);
      addShared(planner, vs, others, out);
      return out;
    }
    case 'term': {
      const t = e.term;
      if (t.type === 'call' && (t.name === 'eq' || t.name === 'assign')) {
        const [a, b] = t.args;
        const na = new Set<string>();
        const nb = new Set<string>();
        const pa = new Set<string>();
        const pb = new Set<string>();
        needed(planner, a, na, false);
        needed(planner, b, nb, false);
        needed(planner, a, pa, true);
        needed(planner, b, pb, true);
        // one side evaluable and the other a pattern
        if (pa.size === 0 && nb.size === 0) return out;
        if (pa.size === 0 && pb.size === 0 && t.name === 'eq') return out;
        if (pb.size === 0 && na.size === 0 && t.name === 'eq') return out;
        for (const v of nb) out.add(v);
        for (const v of pa) out.add(v);
        comprehensionNeeds(planner, t, others, out);
        return out;
      }
      needed(planner, t, out, false);
      comprehensionNeeds(planner, t, others, out);
      return out;
    }
    default:
      return out;
  }
}

/** Adds to `out` the unbound local variables of `vs` that other expressions also use (closures). */
export function addShared(
  planner: Planner,
  vs: Set<string>,
  others: Set<string>,
  out: Set<string>,
) {
  for (const v of vs) {
    if (
      others.has(v) &&
      !planner.scope.vars.has(v) &&
      isLocalCandidate(planner, v)
    ) {
      out.add(v);
    }
  }
}

export function comprehensionNeeds(
  planner: Planner,
  t: Term,
  others: Set<string>,
  out: Set<string>,
) {
  const visit = (x: Term) => {
    if (
      x.type === 'arraycomp' ||
      x.type === 'setcomp' ||
      x.type === 'objcomp'
    ) {
      const vs = new Set<string>();
      collectTermVars(planner, x, vs, true);
      addShared(planner, vs, others, out);
      return;
    }
    forEachSubterm(x, visit);
  };
  visit(t);
}

export function collectTermVars(
  planner: Planner,
  t: Term,
  out: Set<string>,
  deep: boolean,
) {
  if (t.type === 'var') {
    if (t.name !== '_' && !t.name.startsWith('$')) out.add(t.name);
    return;
  }
  if (
    !deep &&
    (t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objcomp')
  )
    return;
  if (t.type === 'arraycomp' || t.type === 'setcomp') {
    collectTermVars(planner, t.term, out, deep);
    for (const e of t.body) collectExprVars(planner, e, out, deep);
    return;
  }
  if (t.type === 'objcomp') {
    collectTermVars(planner, t.key, out, deep);
    collectTermVars(planner, t.value, out, deep);
    for (const e of t.body) collectExprVars(planner, e, out, deep);
    return;
  }
  if (t.type === 'call') {
    for (const a of t.args) collectTermVars(planner, a, out, deep);
    return;
  }
  forEachSubterm(t, x => collectTermVars(planner, x, out, deep));
}

export function collectExprVars(
  planner: Planner,
  e: Expr,
  out: Set<string>,
  deep: boolean,
) {
  if (e.neg && !deep) return;
  for (const w of e.with) collectTermVars(planner, w.value, out, deep);
  switch (e.type) {
    case 'term':
      collectTermVars(planner, e.term, out, deep);
      return;
    case 'some':
      for (const n of e.names) collectTermVars(planner, n, out, deep);
      return;
    case 'somein':
      if (e.key) collectTermVars(planner, e.key, out, deep);
      collectTermVars(planner, e.value, out, deep);
      collectTermVars(planner, e.coll, out, deep);
      return;
    case 'every':
      collectTermVars(planner, e.coll, out, deep);
      if (deep) {
        // The body's vars except the every's own key and value (scoped to the every).
        const own = new Set<string>();
        if (e.key) collectTermVars(planner, e.key, own, deep);
        collectTermVars(planner, e.value, own, deep);
        const inner = new Set<string>();
        for (const x of e.body) collectExprVars(planner, x, inner, deep);
        for (const v of inner) if (!own.has(v)) out.add(v);
      }
      return;
    default:
      return;
  }
}

function forEachSubterm(t: Term, f: (x: Term) => void) {
  switch (t.type) {
    case 'ref':
      f(t.head);
      t.path.forEach(f);
      return;
    case 'array':
    case 'set':
      t.items.forEach(f);
      return;
    case 'object':
      t.items.forEach(([k, v]) => {
        f(k);
        f(v);
      });
      return;
    case 'call':
      t.args.forEach(f);
      return;
    default:
      return;
  }
}
