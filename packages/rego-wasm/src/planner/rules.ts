/*
 * Rule tree nodes → IR functions: entry points, queries, complete/partial/function rules, defaults, recursion check.
 */
import { compileError, Loc } from '../errors';
import { Block, OP } from '../ir';
import { Expr, Term } from '../parser';
import { collectTermVars, collectExprVars } from './safety';
import { planBody } from './body';
import { unify } from './unify';
import { planTerm } from './terms';
import { planDataRef } from './refs';
import { Planner, Node, isFuncNode, RuleInfo } from './Planner';

export function entryFunc(
  planner: Planner,
  name: string,
  path: string[],
): number {
  const { idx, def } = planner.newFunc(`entry:${name}`, 0, undefined, false);
  planner.queue.push(() =>
    planner.inFunc(def, 0, undefined, () => {
      const parts: Term[] = path.map(p => ({
        type: 'scalar',
        value: p,
        loc: { file: name, line: 0, col: 0 },
      }));
      const v = planDataRef(planner, parts);
      planner.emit(OP.RESULT_ADD, [v]);
    }),
  );
  return idx;
}

export function queryFunc(
  planner: Planner,
  name: string,
  body: Expr[],
): number {
  const { idx, def } = planner.newFunc(`query:${name}`, 0, undefined, false);
  planner.queue.push(() =>
    planner.inFunc(def, 0, undefined, () => {
      const vars = new Set<string>();
      for (const e of body) collectExprVars(planner, e, vars, false);
      planBody(planner, body);
      const row = planner.f.local();
      planner.emit(OP.MAKE_OBJECT, [row]);
      for (const v of [...vars].sort()) {
        if (v.startsWith('_') || v.startsWith('$')) continue;
        const op = planner.scope.vars.get(v);
        if (op === undefined) continue;
        planner.emit(OP.OBJ_INSERT, [row, planner.cst(v), op]);
      }
      planner.emit(OP.RESULT_ADD, [row]);
    }),
  );
  return idx;
}

export function nodeFunc(planner: Planner, node: Node): number {
  if (node.fn !== undefined) return node.fn;
  const name = node.path.join('.');
  const isFunc = isFuncNode(node);
  const nparams = isFunc
    ? (node.funcs[0] ?? node.defaults[0]).rule.head.args!.length
    : 0;
  const { idx, def } = planner.newFunc(name, nparams, node.path, !isFunc);
  node.fn = idx;
  planner.funcNodes.set(idx, node);
  planner.queue.push(() =>
    planner.inFunc(def, nparams, undefined, () =>
      planNode(planner, node, nparams),
    ),
  );
  return idx;
}

export function planNode(planner: Planner, node: Node, nparams: number) {
  const ret = nparams;
  const top = planner.cur;
  if (isFuncNode(node)) {
    for (const r of node.funcs) {
      if (r.rule.head.args!.length !== nparams) {
        throw compileError(
          r.rule.loc,
          `function ${node.path.join('.')} has arity ${nparams}, got ${
            r.rule.head.args!.length
          } arguments`,
          'rego_type_error',
        );
      }
      planDefinition(planner, r, ret, 1, () =>
        bindArgs(planner, r.rule.head.args!),
      );
    }
  } else if (node.complete.length) {
    for (const r of node.complete) planDefinition(planner, r, ret, 0);
  } else if (node.dynamic.length) {
    const allSet = node.dynamic.every(
      r => r.mode === 'set' && r.dyn.length === 0,
    );
    planner.emit(allSet ? OP.MAKE_SET : OP.MAKE_OBJECT, [ret]);
    for (const r of node.dynamic) planDynamic(planner, r, ret);
    if (!allSet) mergeChildren(planner, node, ret);
  } else if (!node.defaults.length) {
    // interior node: base data merged with the documents of rules below
    const d = planner.f.local();
    const b: Block = { stmts: [] };
    planner.emit(OP.MAKE_OBJECT, [ret]);
    planner.emit(OP.BLOCKS, [1], [b]);
    planner.nested(b, () => {
      planner.emit(OP.DATA, [d]);
      let v = d;
      for (const k of node.path) {
        const t = planner.f.local();
        planner.emit(OP.DOT, [v, planner.cst(k), t]);
        v = t;
      }
      planner.emit(OP.MERGE, [ret, v]);
    });
    mergeChildren(planner, node, ret);
  }
  planner.cur = top;
  for (const r of node.defaults) {
    const b: Block = { stmts: [] };
    planner.emit(OP.BLOCKS, [1], [b]);
    planner.nested(b, () => {
      planner.emit(OP.IS_UNDEFINED, [ret]);
      if (r.rule.head.args) bindArgs(planner, r.rule.head.args);
      const v = planTerm(planner, r.rule.head.value!);
      planner.emit(OP.ASSIGN, [v, ret]);
    });
  }
}

/** Merges the documents of the rules below `node` into the object in `ret`. */
export function mergeChildren(planner: Planner, node: Node, ret: number) {
  for (const [k, c] of node.children) {
    if (!hasRules(planner, c) || isFuncNode(c)) continue;
    const cb: Block = { stmts: [] };
    planner.emit(OP.BLOCKS, [1], [cb]);
    planner.nested(cb, () => {
      const v = planner.f.local();
      planner.emit(OP.CALL, [nodeFunc(planner, c), v, 0]);
      const o = planner.f.local();
      planner.emit(OP.MAKE_OBJECT, [o]);
      planner.emit(OP.OBJ_INSERT, [o, planner.cst(k), v]);
      planner.emit(OP.MERGE, [ret, o]);
    });
  }
}

/** Function arguments are local variables (they shadow rule names) unified with the parameters. */
export function bindArgs(planner: Planner, args: Term[]) {
  const vs = new Set<string>();
  for (const a of args) collectTermVars(planner, a, vs, false);
  for (const v of vs) planner.scope.declared.add(v);
  args.forEach((a, i) => unify(planner, a, { type: 'local', op: i }));
}

export function hasRules(planner: Planner, n: Node): boolean {
  if (n.isRule || n.pkg) return true;
  for (const c of n.children.values()) if (hasRules(planner, c)) return true;
  return false;
}

/** A complete rule or function definition with its else chain. */
export function planDefinition(
  planner: Planner,
  r: RuleInfo,
  ret: number,
  kind: number,
  prelude?: () => void,
) {
  planner.scope.mod = r.mod;
  const rule = r.rule;
  const valueOf = (t: Term | undefined, loc: Loc) =>
    t ?? ({ type: 'scalar', value: true, loc } as Term);
  if (!rule.elses.length) {
    const b: Block = { stmts: [] };
    planner.emit(OP.BLOCKS, [1], [b]);
    planner.nested(b, () => {
      prelude?.();
      planBody(planner, rule.body, [valueOf(rule.head.value, rule.loc)]);
      const v = planTerm(planner, valueOf(rule.head.value, rule.loc));
      planner.emit(OP.ASSIGN_ONCE, [v, ret, kind]);
    });
    return;
  }
  const c = planner.f.local();
  const chain = [
    { value: rule.head.value, body: rule.body, loc: rule.loc },
    ...rule.elses,
  ];
  chain.forEach((link, i) => {
    const b: Block = { stmts: [] };
    planner.emit(OP.BLOCKS, [1], [b]);
    planner.nested(b, () => {
      if (i > 0) planner.emit(OP.IS_UNDEFINED, [c]);
      prelude?.();
      const vt = valueOf(link.value, link.loc);
      planBody(planner, link.body, [vt]);
      const v = planTerm(planner, vt);
      planner.emit(OP.ASSIGN_ONCE, [v, c, kind]);
    });
  });
  const b: Block = { stmts: [] };
  planner.emit(OP.BLOCKS, [1], [b]);
  planner.nested(b, () => {
    planner.emit(OP.IS_DEFINED, [c]);
    planner.emit(OP.ASSIGN_ONCE, [c, ret, kind]);
  });
}

export function planDynamic(planner: Planner, r: RuleInfo, ret: number) {
  planner.scope.mod = r.mod;
  const rule = r.rule;
  const b: Block = { stmts: [] };
  planner.emit(OP.BLOCKS, [1], [b]);
  planner.nested(b, () => {
    const headTerms = [...r.dyn];
    if (rule.head.key) headTerms.push(rule.head.key);
    if (rule.head.value) headTerms.push(rule.head.value);
    planBody(planner, rule.body, headTerms);
    const val =
      r.mode === 'set'
        ? planTerm(planner, rule.head.key!)
        : planTerm(
            planner,
            rule.head.value ?? { type: 'scalar', value: true, loc: rule.loc },
          );
    if (r.dyn.length === 0 && r.mode === 'set') {
      planner.emit(OP.SET_ADD, [ret, val]);
      return;
    }
    if (r.dyn.length === 1 && r.mode === 'value') {
      planner.emit(OP.OBJ_INSERT, [ret, planTerm(planner, r.dyn[0]), val]);
      return;
    }
    const path = planner.f.local();
    planner.emit(OP.MAKE_ARRAY, [path]);
    for (const d of r.dyn)
      planner.emit(OP.ARRAY_APPEND, [path, planTerm(planner, d)]);
    planner.emit(OP.UPSERT, [ret, path, val, r.mode === 'set' ? 1 : 0]);
  });
}

/** Rules that (transitively) depend on themselves are rejected, like OPA's rego_recursion_error. */
export function checkRecursion(planner: Planner) {
  const state = new Map<number, 1 | 2>();
  const stack: number[] = [];
  const visit = (f: number): number[] | undefined => {
    if (state.get(f) === 2) return undefined;
    if (state.get(f) === 1) return stack.slice(stack.indexOf(f));
    state.set(f, 1);
    stack.push(f);
    for (const g of planner.calls.get(f) ?? []) {
      const cyc = visit(g);
      if (cyc) return cyc;
    }
    stack.pop();
    state.set(f, 2);
    return undefined;
  };
  for (const f of planner.funcNodes.keys()) {
    const cyc = visit(f);
    if (!cyc) continue;
    const nodes = cyc
      .map(i => planner.funcNodes.get(i))
      .filter((n): n is Node => !!n);
    const first = nodes.find(n => n.isRule) ?? nodes[0];
    const rule = [
      ...first.complete,
      ...first.dynamic,
      ...first.funcs,
      ...first.defaults,
    ][0];
    const names = [...cyc, cyc[0]]
      .map(i => `data.${planner.funcs[i].name}`)
      .join(' -> ');
    const loc = rule?.rule.loc ?? { file: '', line: 0, col: 0 };
    planner.errors.push({
      file: loc.file,
      line: loc.line,
      column: loc.col,
      code: 'rego_recursion_error',
      message: `rule data.${first.path.join('.')} is recursive: ${names}`,
    });
    return;
  }
}
