/*
 * Plans parsed Rego modules into the block/statement IR (ir.ts).
 *
 * Every rule tree node (complete rule, multi-value/partial rule, function, or
 * a package/prefix containing rules) becomes one IR function. Bodies are
 * planned in order after a safety reordering; iteration (`x[_]`, `some .. in`)
 * opens a SCAN whose block receives the rest of the body, like OPA's planner.
 */
import { compileError, Loc, RegoCompileError, RegoErrorDetail } from './errors';
import { Block, FuncDef, OP, Program, Stmt, TYPE } from './ir';
import { Expr, Module, Rule, Term, refName } from './parser';
import { HOST_PREFIX, lookupBuiltin } from './builtins';

type Operand = number; // >= 0 local, < 0 constant

interface RuleInfo {
  rule: Rule;
  mod: Module;
  dyn: Term[]; // head parts after the ground prefix
  mode: 'value' | 'set' | 'func';
}

class Node {
  children = new Map<string, Node>();
  complete: RuleInfo[] = [];
  dynamic: RuleInfo[] = [];
  funcs: RuleInfo[] = [];
  defaults: RuleInfo[] = [];
  fn?: number;
  pkg = false;
  constructor(readonly path: string[]) {}
  get isRule() {
    return (
      this.complete.length +
        this.dynamic.length +
        this.funcs.length +
        this.defaults.length >
      0
    );
  }
  child(k: string) {
    let c = this.children.get(k);
    if (!c) {
      c = new Node([...this.path, k]);
      this.children.set(k, c);
    }
    return c;
  }
}

interface Scope {
  mod?: Module;
  vars: Map<string, Operand>; // bound variables
  declared: Set<string>; // declared with some/:= but maybe unbound
}

const TYPE_NAMES = [
  'null',
  'boolean',
  'number',
  'string',
  'array',
  'object',
  'set',
];

export interface PlanOptions {
  entrypoints: string[];
  queries?: { name: string; body: Expr[] }[];
}

export interface PlanResult {
  program: Program;
  entrypointNames: string[];
  hostBuiltins: string[];
}

class Func {
  nlocals: number;
  constructor(readonly nparams: number) {
    this.nlocals = nparams + 1;
  }
  local() {
    return this.nlocals++;
  }
}

function isGroundJSON(t: Term): boolean {
  switch (t.type) {
    case 'scalar':
      return true;
    case 'array':
      return t.items.every(isGroundJSON);
    case 'object':
      return t.items.every(
        ([k, v]) =>
          k.type === 'scalar' && typeof k.value === 'string' && isGroundJSON(v),
      );
    default:
      return false;
  }
}

function toJSON(t: Term): unknown {
  switch (t.type) {
    case 'scalar':
      return t.value;
    case 'array':
      return t.items.map(toJSON);
    case 'object':
      return Object.fromEntries(
        t.items.map(([k, v]) => [(k as { value: string }).value, toJSON(v)]),
      );
    default:
      throw new Error('not ground');
  }
}

class Planner {
  root = new Node([]);
  funcs: FuncDef[] = [];
  consts: unknown[] = [];
  constMap = new Map<string, number>();
  hostList: string[] = [];
  hostIds = new Map<string, number>();
  queue: (() => void)[] = [];
  calls = new Map<number, Set<number>>(); // function → functions it calls
  funcNodes = new Map<number, Node>();
  curFunc = -1;
  errors: RegoErrorDetail[] = [];
  // planning state
  f!: Func;
  cur!: Block;
  scope!: Scope;

  constructor(modules: Module[]) {
    this.consts.push({}, {}, ...TYPE_NAMES);
    for (const mod of modules) {
      let node = this.root;
      for (const p of mod.pkg) node = node.child(p);
      node.pkg = true; // packages are documents even without rules
      for (const rule of mod.rules) this.index(mod, rule);
    }
  }

  private index(mod: Module, rule: Rule) {
    let node = this.root;
    for (const p of mod.pkg) node = node.child(p);
    const parts = rule.head.ref;
    let i = 0;
    while (i < parts.length) {
      const p = parts[i];
      if (p.type === 'scalar' && typeof p.value === 'string') {
        node = node.child(p.value);
        i++;
      } else break;
    }
    const dyn = parts.slice(i);
    let mode: RuleInfo['mode'] = 'value';
    if (rule.head.args) mode = 'func';
    else if (rule.head.key) mode = 'set';
    const info: RuleInfo = { rule, mod, dyn, mode };
    if (rule.isDefault) node.defaults.push(info);
    else if (mode === 'func') node.funcs.push(info);
    else if (mode === 'value' && dyn.length === 0) node.complete.push(info);
    else node.dynamic.push(info);
  }

  run(opts: PlanOptions): PlanResult {
    const names: string[] = [];
    const entry: number[] = [];
    for (const ep of opts.entrypoints) {
      const path = ep.split('/').filter(Boolean);
      names.push(ep);
      entry.push(this.entryFunc(ep, path));
    }
    for (const q of opts.queries ?? []) {
      names.push(q.name);
      entry.push(this.queryFunc(q.name, q.body));
    }
    while (this.queue.length) this.queue.shift()!();
    this.checkRecursion();
    if (this.errors.length) throw new RegoCompileError(this.errors);
    const epMap: Record<string, number> = {};
    names.forEach((n, i) => (epMap[n] = i));
    const bMap: Record<string, number> = {};
    this.hostList.forEach((n, i) => (bMap[HOST_PREFIX + n] = i));
    this.consts[0] = bMap;
    this.consts[1] = epMap;
    return {
      program: { funcs: this.funcs, entrypoints: entry, consts: this.consts },
      entrypointNames: names,
      hostBuiltins: this.hostList,
    };
  }

  // ------------------------------------------------------------ helpers
  private cst(v: unknown): Operand {
    const key = JSON.stringify(v);
    let i = this.constMap.get(key);
    if (i === undefined) {
      i = this.consts.length;
      this.consts.push(v);
      this.constMap.set(key, i);
    }
    return -(i + 1);
  }

  private emit(op: number, args: number[], blocks?: Block[]) {
    if (op === OP.CALL) {
      let set = this.calls.get(this.curFunc);
      if (!set) this.calls.set(this.curFunc, (set = new Set()));
      set.add(args[0]);
    }
    this.cur.stmts.push({ op, args, blocks });
  }

  private newFunc(
    name: string,
    nparams: number,
    path: string[] | undefined,
    cacheable: boolean,
  ) {
    const idx = this.funcs.length;
    const def: FuncDef = {
      name,
      nparams,
      nlocals: 0,
      pathConst: path ? this.cst(path) : -1,
      cacheable,
      block: { stmts: [] },
    };
    this.funcs.push(def);
    return { idx, def };
  }

  /** Runs `body` with a fresh function context, then restores the caller's. */
  /** Rules that (transitively) depend on themselves are rejected, like OPA's rego_recursion_error. */
  private checkRecursion() {
    const state = new Map<number, 1 | 2>();
    const stack: number[] = [];
    const visit = (f: number): number[] | undefined => {
      if (state.get(f) === 2) return undefined;
      if (state.get(f) === 1) return stack.slice(stack.indexOf(f));
      state.set(f, 1);
      stack.push(f);
      for (const g of this.calls.get(f) ?? []) {
        const cyc = visit(g);
        if (cyc) return cyc;
      }
      stack.pop();
      state.set(f, 2);
      return undefined;
    };
    for (const f of this.funcNodes.keys()) {
      const cyc = visit(f);
      if (!cyc) continue;
      const nodes = cyc
        .map(i => this.funcNodes.get(i))
        .filter((n): n is Node => !!n);
      const first = nodes.find(n => n.isRule) ?? nodes[0];
      const rule = [
        ...first.complete,
        ...first.dynamic,
        ...first.funcs,
        ...first.defaults,
      ][0];
      const names = [...cyc, cyc[0]]
        .map(i => `data.${this.funcs[i].name}`)
        .join(' -> ');
      const loc = rule?.rule.loc ?? { file: '', line: 0, col: 0 };
      this.errors.push({
        file: loc.file,
        line: loc.line,
        column: loc.col,
        code: 'rego_recursion_error',
        message: `rule data.${first.path.join('.')} is recursive: ${names}`,
      });
      return;
    }
  }

  private inFunc(
    def: FuncDef,
    nparams: number,
    mod: Module | undefined,
    body: () => void,
  ) {
    this.curFunc = this.funcs.indexOf(def);
    const saved = { f: this.f, cur: this.cur, scope: this.scope };
    this.f = new Func(nparams);
    this.cur = def.block;
    this.scope = { mod, vars: new Map(), declared: new Set() };
    try {
      body();
    } catch (e) {
      if (e instanceof RegoCompileError) this.errors.push(...e.errors);
      else throw e;
    }
    def.nlocals = this.f.nlocals;
    this.f = saved.f;
    this.cur = saved.cur;
    this.scope = saved.scope;
  }

  /** Runs `body` planning into `block`; bindings made inside are dropped afterwards. */
  private nested(block: Block, body: () => void) {
    const saved = {
      cur: this.cur,
      vars: new Map(this.scope.vars),
      declared: new Set(this.scope.declared),
    };
    this.cur = block;
    body();
    this.cur = saved.cur;
    this.scope.vars = saved.vars;
    this.scope.declared = saved.declared;
  }

  private fail() {
    this.emit(OP.EQ, [this.cst(true), this.cst(false)]);
  }

  // ------------------------------------------------------------ functions per node
  private entryFunc(name: string, path: string[]): number {
    const { idx, def } = this.newFunc(`entry:${name}`, 0, undefined, false);
    this.queue.push(() =>
      this.inFunc(def, 0, undefined, () => {
        const parts: Term[] = path.map(p => ({
          type: 'scalar',
          value: p,
          loc: { file: name, line: 0, col: 0 },
        }));
        const v = this.planDataRef(parts);
        this.emit(OP.RESULT_ADD, [v]);
      }),
    );
    return idx;
  }

  private queryFunc(name: string, body: Expr[]): number {
    const { idx, def } = this.newFunc(`query:${name}`, 0, undefined, false);
    this.queue.push(() =>
      this.inFunc(def, 0, undefined, () => {
        const vars = new Set<string>();
        for (const e of body) this.collectExprVars(e, vars, false);
        this.planBody(body);
        const row = this.f.local();
        this.emit(OP.MAKE_OBJECT, [row]);
        for (const v of [...vars].sort()) {
          if (v.startsWith('_') || v.startsWith('$')) continue;
          const op = this.scope.vars.get(v);
          if (op === undefined) continue;
          this.emit(OP.OBJ_INSERT, [row, this.cst(v), op]);
        }
        this.emit(OP.RESULT_ADD, [row]);
      }),
    );
    return idx;
  }

  private nodeFunc(node: Node): number {
    if (node.fn !== undefined) return node.fn;
    const name = node.path.join('.');
    const isFunc = this.isFunctionNode(node);
    const nparams = isFunc
      ? (node.funcs[0] ?? node.defaults[0]).rule.head.args!.length
      : 0;
    const { idx, def } = this.newFunc(name, nparams, node.path, !isFunc);
    node.fn = idx;
    this.funcNodes.set(idx, node);
    this.queue.push(() =>
      this.inFunc(def, nparams, undefined, () => this.planNode(node, nparams)),
    );
    return idx;
  }

  private planNode(node: Node, nparams: number) {
    const ret = nparams;
    const top = this.cur;
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
        this.planDefinition(r, ret, 1, () => this.bindArgs(r.rule.head.args!));
      }
    } else if (node.complete.length) {
      for (const r of node.complete) this.planDefinition(r, ret, 0);
    } else if (node.dynamic.length) {
      const allSet = node.dynamic.every(
        r => r.mode === 'set' && r.dyn.length === 0,
      );
      this.emit(allSet ? OP.MAKE_SET : OP.MAKE_OBJECT, [ret]);
      for (const r of node.dynamic) this.planDynamic(r, ret);
      if (!allSet) this.mergeChildren(node, ret);
    } else if (!node.defaults.length) {
      // interior node: base data merged with the documents of rules below
      const d = this.f.local();
      const b: Block = { stmts: [] };
      this.emit(OP.MAKE_OBJECT, [ret]);
      this.emit(OP.BLOCKS, [1], [b]);
      this.nested(b, () => {
        this.emit(OP.DATA, [d]);
        let v = d;
        for (const k of node.path) {
          const t = this.f.local();
          this.emit(OP.DOT, [v, this.cst(k), t]);
          v = t;
        }
        this.emit(OP.MERGE, [ret, v]);
      });
      this.mergeChildren(node, ret);
    }
    this.cur = top;
    for (const r of node.defaults) {
      const b: Block = { stmts: [] };
      this.emit(OP.BLOCKS, [1], [b]);
      this.nested(b, () => {
        this.emit(OP.IS_UNDEFINED, [ret]);
        if (r.rule.head.args) this.bindArgs(r.rule.head.args);
        const v = this.planTerm(r.rule.head.value!);
        this.emit(OP.ASSIGN, [v, ret]);
      });
    }
  }

  /** Merges the documents of the rules below `node` into the object in `ret`. */
  private mergeChildren(node: Node, ret: number) {
    for (const [k, c] of node.children) {
      if (!this.hasRules(c) || this.isFunctionNode(c)) continue;
      const cb: Block = { stmts: [] };
      this.emit(OP.BLOCKS, [1], [cb]);
      this.nested(cb, () => {
        const v = this.f.local();
        this.emit(OP.CALL, [this.nodeFunc(c), v, 0]);
        const o = this.f.local();
        this.emit(OP.MAKE_OBJECT, [o]);
        this.emit(OP.OBJ_INSERT, [o, this.cst(k), v]);
        this.emit(OP.MERGE, [ret, o]);
      });
    }
  }

  /** Function arguments are local variables (they shadow rule names) unified with the parameters. */
  private bindArgs(args: Term[]) {
    const vs = new Set<string>();
    for (const a of args) this.collectTermVars(a, vs, false);
    for (const v of vs) this.scope.declared.add(v);
    args.forEach((a, i) => this.unify(a, { type: 'local', op: i }));
  }

  private isFunctionNode(n: Node): boolean {
    return n.funcs.length > 0 || n.defaults.some(d => !!d.rule.head.args);
  }

  private hasRules(n: Node): boolean {
    if (n.isRule || n.pkg) return true;
    for (const c of n.children.values()) if (this.hasRules(c)) return true;
    return false;
  }

  /** A complete rule or function definition with its else chain. */
  private planDefinition(
    r: RuleInfo,
    ret: number,
    kind: number,
    prelude?: () => void,
  ) {
    this.scope.mod = r.mod;
    const rule = r.rule;
    const valueOf = (t: Term | undefined, loc: Loc) =>
      t ?? ({ type: 'scalar', value: true, loc } as Term);
    if (!rule.elses.length) {
      const b: Block = { stmts: [] };
      this.emit(OP.BLOCKS, [1], [b]);
      this.nested(b, () => {
        prelude?.();
        this.planBody(rule.body, [valueOf(rule.head.value, rule.loc)]);
        const v = this.planTerm(valueOf(rule.head.value, rule.loc));
        this.emit(OP.ASSIGN_ONCE, [v, ret, kind]);
      });
      return;
    }
    const c = this.f.local();
    const chain = [
      { value: rule.head.value, body: rule.body, loc: rule.loc },
      ...rule.elses,
    ];
    chain.forEach((link, i) => {
      const b: Block = { stmts: [] };
      this.emit(OP.BLOCKS, [1], [b]);
      this.nested(b, () => {
        if (i > 0) this.emit(OP.IS_UNDEFINED, [c]);
        prelude?.();
        const vt = valueOf(link.value, link.loc);
        this.planBody(link.body, [vt]);
        const v = this.planTerm(vt);
        this.emit(OP.ASSIGN_ONCE, [v, c, kind]);
      });
    });
    const b: Block = { stmts: [] };
    this.emit(OP.BLOCKS, [1], [b]);
    this.nested(b, () => {
      this.emit(OP.IS_DEFINED, [c]);
      this.emit(OP.ASSIGN_ONCE, [c, ret, kind]);
    });
  }

  private planDynamic(r: RuleInfo, ret: number) {
    this.scope.mod = r.mod;
    const rule = r.rule;
    const b: Block = { stmts: [] };
    this.emit(OP.BLOCKS, [1], [b]);
    this.nested(b, () => {
      const headTerms = [...r.dyn];
      if (rule.head.key) headTerms.push(rule.head.key);
      if (rule.head.value) headTerms.push(rule.head.value);
      this.planBody(rule.body, headTerms);
      const val =
        r.mode === 'set'
          ? this.planTerm(rule.head.key!)
          : this.planTerm(
              rule.head.value ?? { type: 'scalar', value: true, loc: rule.loc },
            );
      if (r.dyn.length === 0 && r.mode === 'set') {
        this.emit(OP.SET_ADD, [ret, val]);
        return;
      }
      if (r.dyn.length === 1 && r.mode === 'value') {
        this.emit(OP.OBJ_INSERT, [ret, this.planTerm(r.dyn[0]), val]);
        return;
      }
      const path = this.f.local();
      this.emit(OP.MAKE_ARRAY, [path]);
      for (const d of r.dyn)
        this.emit(OP.ARRAY_APPEND, [path, this.planTerm(d)]);
      this.emit(OP.UPSERT, [ret, path, val, r.mode === 'set' ? 1 : 0]);
    });
  }

  // ------------------------------------------------------------ name resolution
  /** Resolves a variable name that is not a bound local to a data/input path. */
  private resolveGlobal(
    name: string,
  ): { root: 'data' | 'input'; path: Term[] } | undefined {
    if (name === 'data') return { root: 'data', path: [] };
    if (name === 'input') return { root: 'input', path: [] };
    const mod = this.scope.mod;
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
        const g = this.resolveGlobal(head)!;
        return { root: g.root, path: rest };
      }
    }
    let node: Node | undefined = this.root;
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

  private isLocalCandidate(name: string): boolean {
    if (name === '_') return true;
    if (this.scope.vars.has(name) || this.scope.declared.has(name)) return true;
    return this.resolveGlobal(name) === undefined;
  }

  private isUnbound(t: Term): boolean {
    return (
      t.type === 'var' &&
      (t.name === '_' ||
        (!this.scope.vars.has(t.name) && this.isLocalCandidate(t.name)))
    );
  }

  private bind(name: string, op: Operand) {
    if (name === '_') return;
    this.scope.vars.set(name, op);
  }

  // ------------------------------------------------------------ bodies and safety
  /** Variables of a term in positions that must be bound before evaluation. */
  private needed(t: Term, out: Set<string>, pattern: boolean) {
    switch (t.type) {
      case 'var':
        if (
          !pattern &&
          t.name !== '_' &&
          this.isLocalCandidate(t.name) &&
          !this.scope.vars.has(t.name)
        )
          out.add(t.name);
        return;
      case 'ref':
        this.needed(t.head, out, false);
        for (const p of t.path) if (p.type !== 'var') this.needed(p, out, true);
        return;
      case 'array':
      case 'set':
        for (const x of t.items) this.needed(x, out, pattern);
        return;
      case 'object':
        for (const [k, v] of t.items) {
          this.needed(k, out, false);
          this.needed(v, out, pattern);
        }
        return;
      case 'call': {
        const b = lookupBuiltin(t.name);
        const fnArity = b ? b.arity : this.userArity(t);
        t.args.forEach((a, i) =>
          this.needed(a, out, fnArity !== undefined && i === fnArity),
        );
        return;
      }
      default:
        return; // comprehensions: handled as closures
    }
  }

  private userArity(t: Term & { type: 'call' }): number | undefined {
    const node = this.resolveNode(t.fn);
    return node && isFuncNode(node)
      ? (node.funcs[0] ?? node.defaults[0]).rule.head.args!.length
      : undefined;
  }

  private exprNeeds(e: Expr, others: Set<string>): Set<string> {
    const out = new Set<string>();
    const closure = (x: Term | Expr[]) => {
      const vs = new Set<string>();
      if (Array.isArray(x))
        for (const y of x) this.collectExprVars(y, vs, true);
      else this.collectTermVars(x, vs, true);
      this.addShared(vs, others, out);
    };
    for (const w of e.with) {
      const fn = refName(w.value);
      if (
        fn &&
        (lookupBuiltin(fn) ||
          (this.resolveNode(w.value) && isFuncNode(this.resolveNode(w.value)!)))
      )
        continue;
      this.needed(w.value, out, false);
    }
    if (e.neg) {
      closure([{ ...e, neg: false } as Expr]);
      return out;
    }
    switch (e.type) {
      case 'some':
        return out;
      case 'somein':
        this.needed(e.coll, out, false);
        return out;
      case 'every':
        this.needed(e.coll, out, false);
        closure(e.body);
        return out;
      case 'term': {
        const t = e.term;
        if (t.type === 'call' && (t.name === 'eq' || t.name === 'assign')) {
          const [a, b] = t.args;
          const na = new Set<string>();
          const nb = new Set<string>();
          const pa = new Set<string>();
          const pb = new Set<string>();
          this.needed(a, na, false);
          this.needed(b, nb, false);
          this.needed(a, pa, true);
          this.needed(b, pb, true);
          // one side evaluable and the other a pattern
          if (pa.size === 0 && nb.size === 0) return out;
          if (pa.size === 0 && pb.size === 0 && t.name === 'eq') return out;
          if (pb.size === 0 && na.size === 0 && t.name === 'eq') return out;
          for (const v of nb) out.add(v);
          for (const v of pa) out.add(v);
          this.comprehensionNeeds(t, others, out);
          return out;
        }
        this.needed(t, out, false);
        this.comprehensionNeeds(t, others, out);
        return out;
      }
      default:
        return out;
    }
  }

  /** Adds to `out` the unbound local variables of `vs` that other expressions also use (closures). */
  private addShared(vs: Set<string>, others: Set<string>, out: Set<string>) {
    for (const v of vs) {
      if (
        others.has(v) &&
        !this.scope.vars.has(v) &&
        this.isLocalCandidate(v)
      ) {
        out.add(v);
      }
    }
  }

  private comprehensionNeeds(t: Term, others: Set<string>, out: Set<string>) {
    const visit = (x: Term) => {
      if (
        x.type === 'arraycomp' ||
        x.type === 'setcomp' ||
        x.type === 'objcomp'
      ) {
        const vs = new Set<string>();
        this.collectTermVars(x, vs, true);
        this.addShared(vs, others, out);
        return;
      }
      forEachSubterm(x, visit);
    };
    visit(t);
  }

  collectTermVars(t: Term, out: Set<string>, deep: boolean) {
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
      this.collectTermVars(t.term, out, deep);
      for (const e of t.body) this.collectExprVars(e, out, deep);
      return;
    }
    if (t.type === 'objcomp') {
      this.collectTermVars(t.key, out, deep);
      this.collectTermVars(t.value, out, deep);
      for (const e of t.body) this.collectExprVars(e, out, deep);
      return;
    }
    if (t.type === 'call') {
      for (const a of t.args) this.collectTermVars(a, out, deep);
      return;
    }
    forEachSubterm(t, x => this.collectTermVars(x, out, deep));
  }

  collectExprVars(e: Expr, out: Set<string>, deep: boolean) {
    if (e.neg && !deep) return;
    for (const w of e.with) this.collectTermVars(w.value, out, deep);
    switch (e.type) {
      case 'term':
        this.collectTermVars(e.term, out, deep);
        return;
      case 'some':
        for (const n of e.names) this.collectTermVars(n, out, deep);
        return;
      case 'somein':
        if (e.key) this.collectTermVars(e.key, out, deep);
        this.collectTermVars(e.value, out, deep);
        this.collectTermVars(e.coll, out, deep);
        return;
      case 'every':
        this.collectTermVars(e.coll, out, deep);
        if (deep) {
          if (e.key) this.collectTermVars(e.key, out, deep);
          this.collectTermVars(e.value, out, deep);
          for (const x of e.body) this.collectExprVars(x, out, deep);
        }
        return;
      default:
        return;
    }
  }

  /** Plans a body into the current block (which moves into nested scans). */
  private planBody(body: Expr[], headTerms: Term[] = []) {
    // declarations first so that rule names can be shadowed
    const pending = [...body];
    const varsOf = (e: Expr) => {
      const s = new Set<string>();
      this.collectExprVars(e, s, true);
      return s;
    };
    const exprVars = pending.map(varsOf);
    const headVars = new Set<string>();
    for (const h of headTerms) this.collectTermVars(h, headVars, true);
    while (pending.length) {
      let picked = -1;
      let lastNeeds: Set<string> | undefined;
      for (let i = 0; i < pending.length; i++) {
        const others = new Set<string>(headVars);
        exprVars.forEach((vs, j) => {
          if (j !== i) for (const v of vs) others.add(v);
        });
        const needs = this.exprNeeds(pending[i], others);
        if (needs.size === 0) {
          picked = i;
          break;
        }
        if (!lastNeeds) lastNeeds = needs;
      }
      if (picked < 0) {
        const e = pending[0];
        const v = [...(lastNeeds ?? [])][0];
        throw compileError(
          e.loc,
          `var ${v} is unsafe`,
          'rego_unsafe_var_error',
        );
      }
      const [e] = pending.splice(picked, 1);
      exprVars.splice(picked, 1);
      this.planExpr(e);
    }
    // head safety
    for (const h of headTerms) {
      const need = new Set<string>();
      this.needed(h, need, false);
      this.comprehensionNeeds(h, new Set(), need);
      if (need.size)
        throw compileError(
          h.loc,
          `var ${[...need][0]} is unsafe`,
          'rego_unsafe_var_error',
        );
    }
  }

  private planExpr(e: Expr) {
    if (e.with.length) {
      const saves: number[] = [];
      for (const w of e.with) saves.push(this.planWith(w.target, w.value));
      this.planExpr({ ...e, with: [] });
      this.emit(OP.WITH_POP, [saves[0]]);
      return;
    }
    if (e.neg) {
      this.planNot(() => this.planExpr({ ...e, neg: false }));
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
          this.scope.declared.add(n.name);
          this.scope.vars.delete(n.name);
        }
        return;
      case 'somein': {
        for (const t of [e.key, e.value]) {
          if (!t) continue;
          const vs = new Set<string>();
          this.collectTermVars(t, vs, false);
          for (const v of vs) {
            if (!this.scope.vars.has(v) || this.scope.declared.has(v)) {
              this.scope.declared.add(v);
              this.scope.vars.delete(v);
            }
          }
        }
        const coll = this.planTerm(e.coll);
        const k = this.f.local();
        const v = this.f.local();
        const b: Block = { stmts: [] };
        this.emit(OP.SCAN, [coll, e.key ? k : -1, v], [b]);
        this.cur = b;
        if (e.key) this.unify(e.key, { type: 'local', op: k });
        this.unify(e.value, { type: 'local', op: v });
        return;
      }
      case 'every': {
        const coll = this.planTerm(e.coll);
        this.emit(OP.CHECK, [coll, 0, -1]);
        const found = this.f.local();
        this.emit(OP.ASSIGN, [this.cst(false), found]);
        const outer: Block = { stmts: [] };
        this.emit(OP.BLOCKS, [1], [outer]);
        this.nested(outer, () => {
          const k = this.f.local();
          const v = this.f.local();
          const sb: Block = { stmts: [] };
          this.emit(OP.SCAN, [coll, e.key ? k : -1, v], [sb]);
          this.cur = sb;
          for (const t of [e.key, e.value]) {
            if (t?.type === 'var') {
              this.scope.vars.delete(t.name);
              this.scope.declared.add(t.name);
            }
          }
          if (e.key) this.unify(e.key, { type: 'local', op: k });
          this.unify(e.value, { type: 'local', op: v });
          this.planNot(() => this.planBody(e.body));
          this.emit(OP.ASSIGN, [this.cst(true), found]);
        });
        this.emit(OP.EQ, [found, this.cst(false)]);
        return;
      }
      case 'term': {
        const t = e.term;
        if (t.type === 'call' && t.name === 'assign') {
          const vs = new Set<string>();
          this.collectTermVars(t.args[0], vs, false);
          for (const v of vs) {
            if (this.scope.vars.has(v) && this.scope.declared.has(v)) {
              throw compileError(
                e.loc,
                `var ${v} assigned above`,
                'rego_compile_error',
              );
            }
            this.scope.declared.add(v);
            this.scope.vars.delete(v);
          }
          this.unify(t.args[0], t.args[1]);
          return;
        }
        if (t.type === 'call' && t.name === 'eq') {
          this.unify(t.args[0], t.args[1]);
          return;
        }
        if (
          t.type === 'call' &&
          (t.name === 'equal' || t.name === 'neq') &&
          t.args.length === 2
        ) {
          const a = this.planTerm(t.args[0]);
          const b = this.planTerm(t.args[1]);
          this.emit(t.name === 'equal' ? OP.EQ : OP.NEQ, [a, b]);
          return;
        }
        const v = this.planTerm(t);
        this.emit(OP.NOT_FALSE, [v]);
        return;
      }
      default:
        throw new Error('unknown expression');
    }
  }

  /** `not`: succeeds iff no path through the planned body reaches its end. */
  private planNot(body: () => void) {
    const found = this.f.local();
    this.emit(OP.RESET, [found]);
    const b: Block = { stmts: [] };
    this.emit(OP.BLOCKS, [1], [b]);
    this.nested(b, () => {
      body();
      this.emit(OP.ASSIGN, [this.cst(true), found]);
    });
    this.emit(OP.IS_UNDEFINED, [found]);
  }

  private planWith(target: Term, value: Term): number {
    const save = this.f.local();
    const name = refName(target);
    const parts = name?.split('.') ?? [];
    if (parts[0] === 'input') {
      const v = this.planTerm(value);
      this.emit(OP.WITH, [0, this.cst(parts.slice(1)), v, save, 0, -1]);
      return save;
    }
    // function mocks
    const b = name ? lookupBuiltin(name) : undefined;
    const node = this.resolveNode(target);
    if ((b && !node) || (node && isFuncNode(node))) {
      let mockFunc = -1;
      let v: Operand = this.cst(null);
      const repl =
        value.type === 'var' || value.type === 'ref'
          ? this.resolveNode(value)
          : undefined;
      if (repl && isFuncNode(repl)) mockFunc = this.nodeFunc(repl);
      else if (value.type === 'var' || value.type === 'ref') {
        const rn = refName(value) ?? '';
        const rb = lookupBuiltin(rn);
        if (
          rb &&
          !this.scope.vars.has(rn.split('.')[0]) &&
          !this.resolveGlobal(rn.split('.')[0])
        ) {
          mockFunc = -2 - this.builtinId(rb);
        } else v = this.planTerm(value);
      } else v = this.planTerm(value);
      if (node && isFuncNode(node)) {
        this.emit(OP.WITH, [
          3,
          this.cst(null),
          v,
          save,
          this.nodeFunc(node),
          mockFunc,
        ]);
      } else {
        this.emit(OP.WITH, [
          2,
          this.cst(null),
          v,
          save,
          this.builtinId(b!),
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
    const v = this.planTerm(value);
    const pathTerms = target.type === 'ref' ? target.path : [];
    const ground = pathTerms.every(p => p.type === 'scalar');
    if (ground) {
      this.emit(OP.WITH, [
        1,
        this.cst(pathTerms.map(p => (p as any).value)),
        v,
        save,
        0,
        -1,
      ]);
    } else {
      const path = this.f.local();
      this.emit(OP.MAKE_ARRAY, [path]);
      for (const p of pathTerms)
        this.emit(OP.ARRAY_APPEND, [path, this.planTerm(p)]);
      this.emit(OP.WITH, [1, path, v, save, 0, -1]);
    }
    return save;
  }

  private builtinId(b: { name: string; native: boolean; id: number }): number {
    if (b.native) return b.id;
    let id = this.hostIds.get(b.name);
    if (id === undefined) {
      id = this.hostList.length;
      this.hostList.push(b.name);
      this.hostIds.set(b.name, id);
    }
    return 1000 + id;
  }

  /** The rule tree node a (function) reference names, if any. */
  private resolveNode(t: Term): Node | undefined {
    const name = refName(t);
    if (!name) return undefined;
    const parts = name.split('.');
    if (this.scope.vars.has(parts[0])) return undefined;
    const g = this.resolveGlobal(parts[0]);
    if (!g || g.root !== 'data') return undefined;
    const full = [
      ...g.path.map(p => (p as any).value as string),
      ...parts.slice(1),
    ];
    let node: Node | undefined = this.root;
    for (const p of full) {
      node = node.children.get(p);
      if (!node) return undefined;
    }
    return node;
  }

  // ------------------------------------------------------------ unification
  private unify(
    a: Term | { type: 'local'; op: Operand },
    b: Term | { type: 'local'; op: Operand },
  ) {
    const isPat = (t: any): boolean =>
      t.type !== 'local' &&
      (this.isUnbound(t) ||
        ((t.type === 'array' || t.type === 'object') && this.hasUnbound(t)));
    if (a.type !== 'local' && this.isUnbound(a)) {
      const v = b.type === 'local' ? b.op : this.planTerm(b);
      this.bind((a as any).name, v);
      return;
    }
    if (b.type !== 'local' && this.isUnbound(b)) {
      const v = a.type === 'local' ? a.op : this.planTerm(a);
      this.bind((b as any).name, v);
      return;
    }
    if (a.type === 'array' && b.type === 'array') {
      if (a.items.length !== b.items.length) this.fail();
      else this.unifyPairs(a.items.map((x, i) => [x, b.items[i]]));
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
        this.unifyPairs(a.items.map(([k, v]) => [v, bm.get(keyOf(k))!]));
        return;
      }
      if (
        a.items.every(([k]) => keyOf(k) !== undefined) &&
        b.items.every(([k]) => keyOf(k) !== undefined)
      ) {
        this.fail();
        return;
      }
    }
    if (isPat(a)) {
      this.destructure(a as Term, b.type === 'local' ? b.op : this.planTerm(b));
      return;
    }
    if (isPat(b)) {
      this.destructure(b as Term, a.type === 'local' ? a.op : this.planTerm(a));
      return;
    }
    const va = a.type === 'local' ? a.op : this.planTerm(a);
    const vb = b.type === 'local' ? b.op : this.planTerm(b);
    this.emit(OP.EQ, [va, vb]);
  }

  /** Unifies pairs, picking first those where one side can be evaluated. */
  private unifyPairs(pairs: [Term, Term][]) {
    const todo = [...pairs];
    while (todo.length) {
      let i = todo.findIndex(
        ([x, y]) => !this.hasUnbound(x) || !this.hasUnbound(y),
      );
      if (i < 0) i = 0;
      const [[x, y]] = todo.splice(i, 1);
      this.unify(x, y);
    }
  }

  private hasUnbound(t: Term): boolean {
    if (this.isUnbound(t)) return true;
    if (t.type === 'array') return t.items.some(x => this.hasUnbound(x));
    if (t.type === 'object') return t.items.some(([, v]) => this.hasUnbound(v));
    return false;
  }

  private destructure(p: Term, v: Operand) {
    if (this.isUnbound(p)) {
      this.bind((p as any).name, v);
      return;
    }
    if (p.type === 'array' && this.hasUnbound(p)) {
      this.emit(OP.CHECK, [v, TYPE.array, p.items.length]);
      p.items.forEach((x, i) => {
        const t = this.f.local();
        this.emit(OP.DOT, [v, this.cst(i), t]);
        this.destructure(x, t);
      });
      return;
    }
    if (p.type === 'object' && this.hasUnbound(p)) {
      this.emit(OP.CHECK, [v, TYPE.object, p.items.length]);
      for (const [k, x] of p.items) {
        const t = this.f.local();
        this.emit(OP.DOT, [v, this.planTerm(k), t]);
        this.destructure(x, t);
      }
      return;
    }
    this.emit(OP.EQ, [this.planTerm(p), v]);
  }

  // ------------------------------------------------------------ terms
  planTerm(t: Term): Operand {
    switch (t.type) {
      case 'scalar':
        return this.cst(t.value);
      case 'var': {
        const b = this.scope.vars.get(t.name);
        if (b !== undefined) return b;
        if (t.name === '_' || this.isLocalCandidate(t.name)) {
          throw compileError(
            t.loc,
            `var ${t.name} is unsafe`,
            'rego_unsafe_var_error',
          );
        }
        return this.planRef(t, []);
      }
      case 'ref':
        return this.planRef(t.head, t.path);
      case 'array': {
        if (isGroundJSON(t)) return this.cst(toJSON(t));
        const ops = t.items.map(x => this.planTerm(x));
        const l = this.f.local();
        this.emit(OP.MAKE_ARRAY, [l]);
        for (const o of ops) this.emit(OP.ARRAY_APPEND, [l, o]);
        return l;
      }
      case 'object': {
        if (isGroundJSON(t)) return this.cst(toJSON(t));
        const ops = t.items.map(([k, v]) => [
          this.planTerm(k),
          this.planTerm(v),
        ]);
        const l = this.f.local();
        this.emit(OP.MAKE_OBJECT, [l]);
        for (const [k, v] of ops) this.emit(OP.OBJ_INSERT, [l, k, v]);
        return l;
      }
      case 'set': {
        const ops = t.items.map(x => this.planTerm(x));
        const l = this.f.local();
        this.emit(OP.MAKE_SET, [l]);
        for (const o of ops) this.emit(OP.SET_ADD, [l, o]);
        return l;
      }
      case 'call':
        return this.planCall(t);
      case 'arraycomp':
      case 'setcomp':
      case 'objcomp': {
        const l = this.f.local();
        const makeOp = {
          arraycomp: OP.MAKE_ARRAY,
          setcomp: OP.MAKE_SET,
          objcomp: OP.MAKE_OBJECT,
        }[t.type];
        this.emit(makeOp, [l]);
        const b: Block = { stmts: [] };
        this.emit(OP.BLOCKS, [1], [b]);
        this.nested(b, () => {
          // a comprehension body is a new scope for `:=` declarations
          this.scope.declared = new Set();
          const heads = t.type === 'objcomp' ? [t.key, t.value] : [t.term];
          this.planBody(t.body, heads);
          if (t.type === 'objcomp') {
            this.emit(OP.OBJ_INSERT, [
              l,
              this.planTerm(t.key),
              this.planTerm(t.value),
            ]);
          } else {
            this.emit(t.type === 'arraycomp' ? OP.ARRAY_APPEND : OP.SET_ADD, [
              l,
              this.planTerm(t.term),
            ]);
          }
        });
        return l;
      }
      default:
        throw new Error('unknown term');
    }
  }

  private planCall(t: Term & { type: 'call' }): Operand {
    const node = this.resolveNode(t.fn);
    if (node && isFuncNode(node)) {
      const arity = (node.funcs[0] ?? node.defaults[0]).rule.head.args!.length;
      const args = t.args.slice(0, arity).map(a => this.planTerm(a));
      if (t.args.length !== arity && t.args.length !== arity + 1) {
        throw compileError(
          t.loc,
          `function ${t.name} has arity ${arity}, got ${t.args.length} arguments`,
          'rego_type_error',
        );
      }
      const r = this.f.local();
      this.emit(OP.CALL, [this.nodeFunc(node), r, args.length, ...args]);
      if (t.args.length === arity + 1) {
        this.unify(t.args[arity], { type: 'local', op: r });
        return this.cst(true);
      }
      return r;
    }
    let name = t.name;
    if (name === 'print') return this.cst(true);
    if (name === 'walk' && t.args.length === 2) {
      // relation: iterate the [path, value] pairs the host returns
      const all = this.f.local();
      this.emit(OP.BUILTIN, [
        this.builtinId(lookupBuiltin('walk')!),
        all,
        1,
        this.planTerm(t.args[0]),
      ]);
      const v = this.f.local();
      const b: Block = { stmts: [] };
      this.emit(OP.SCAN, [all, -1, v], [b]);
      this.cur = b;
      this.unify(t.args[1], { type: 'local', op: v });
      return this.cst(true);
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
    const args = t.args.slice(0, b.arity).map(a => this.planTerm(a));
    const r = this.f.local();
    if ((name === 'lower' || name === 'upper') && t.args.length === 1) {
      // native ASCII fast path; the host handles the rest of Unicode
      const fast = lookupBuiltin(`__ascii_${name}`)!;
      this.emit(OP.RESET, [r]);
      const nb: Block = {
        stmts: [{ op: OP.BUILTIN, args: [fast.id, r, 1, args[0]] }],
      };
      const hb: Block = {
        stmts: [
          { op: OP.IS_UNDEFINED, args: [r] },
          { op: OP.BUILTIN, args: [this.builtinId(b), r, 1, args[0]] },
        ],
      };
      this.emit(OP.BLOCKS, [2], [nb, hb]);
      this.emit(OP.IS_DEFINED, [r]);
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
    this.emit(OP.BUILTIN, [this.builtinId(b), r, args.length, ...args]);
    if (t.args.length === b.arity + 1) {
      this.unify(t.args[b.arity], { type: 'local', op: r });
      return this.cst(true);
    }
    return r;
  }

  private planRef(head: Term, path: Term[]): Operand {
    if (head.type === 'var') {
      const b = this.scope.vars.get(head.name);
      if (b !== undefined) return this.planDots(b, path);
      const g = this.resolveGlobal(head.name);
      if (!g)
        throw compileError(
          head.loc,
          `var ${head.name} is unsafe`,
          'rego_unsafe_var_error',
        );
      if (g.root === 'input') {
        const l = this.f.local();
        this.emit(OP.INPUT, [l]);
        return this.planDots(l, [...g.path, ...path]);
      }
      return this.planDataRef([...g.path, ...path]);
    }
    return this.planDots(this.planTerm(head), path);
  }

  private planDataRef(parts: Term[]): Operand {
    let node = this.root;
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
        !(child && node.dynamic.length && this.hasRules(child))
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
      const r = this.f.local();
      this.emit(OP.CALL, [this.nodeFunc(node), r, 0]);
      return this.planDots(r, parts.slice(i));
    }
    const staticNext = i < parts.length && parts[i].type === 'scalar';
    if (
      !staticNext &&
      i < parts.length &&
      this.hasRules(node) &&
      !parts.slice(i).some(p => this.hasUnbound(p))
    ) {
      return this.dispatch(node, parts, i);
    }
    if (!staticNext && this.hasRules(node)) {
      const r = this.f.local();
      this.emit(OP.CALL, [this.nodeFunc(node), r, 0]);
      return this.planDots(r, parts.slice(i));
    }
    const d = this.f.local();
    this.emit(OP.DATA, [d]);
    return this.planDots(d, parts);
  }

  /**
   * A ref with a computed key below a node that has rules (`data[x].allow`): select the child
   * at run time instead of materialising the whole subtree (which may include the caller).
   */
  private dispatch(node: Node, parts: Term[], i: number): Operand {
    const key = this.planTerm(parts[i]);
    const rest = parts.slice(i + 1);
    const res = this.f.local();
    this.emit(OP.RESET, [res]);
    const loc = parts[i].loc;
    const prefix = parts.slice(0, i);
    for (const [k, c] of node.children) {
      if (!this.hasRules(c) || this.isFunctionNode(c)) continue;
      const b: Block = { stmts: [] };
      this.emit(OP.BLOCKS, [1], [b]);
      this.nested(b, () => {
        this.emit(OP.EQ, [key, this.cst(k)]);
        const v = this.planDataRef([
          ...prefix,
          { type: 'scalar', value: k, loc },
          ...rest,
        ]);
        this.emit(OP.ASSIGN, [v, res]);
      });
    }
    const b: Block = { stmts: [] };
    this.emit(OP.BLOCKS, [1], [b]);
    this.nested(b, () => {
      this.emit(OP.IS_UNDEFINED, [res]);
      const d = this.f.local();
      this.emit(OP.DATA, [d]);
      const v = this.planDots(d, parts);
      this.emit(OP.ASSIGN, [v, res]);
    });
    this.emit(OP.IS_DEFINED, [res]);
    return res;
  }

  private planDots(from: Operand, path: Term[]): Operand {
    let v = from;
    for (const p of path) {
      if (this.isUnbound(p)) {
        const k = this.f.local();
        const val = this.f.local();
        const b: Block = { stmts: [] };
        this.emit(OP.SCAN, [v, k, val], [b]);
        this.cur = b;
        this.bind((p as any).name, k);
        v = val;
        continue;
      }
      if ((p.type === 'array' || p.type === 'object') && this.hasUnbound(p)) {
        const k = this.f.local();
        const val = this.f.local();
        const b: Block = { stmts: [] };
        this.emit(OP.SCAN, [v, k, val], [b]);
        this.cur = b;
        this.destructure(p, k);
        v = val;
        continue;
      }
      const key = this.planTerm(p);
      const t = this.f.local();
      this.emit(OP.DOT, [v, key, t]);
      v = t;
    }
    return v;
  }
}

export function plan(modules: Module[], opts: PlanOptions): PlanResult {
  return new Planner(modules).run(opts);
}

function isFuncNode(n: Node): boolean {
  return n.funcs.length > 0 || n.defaults.some(d => !!d.rule.head.args);
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

export type { Stmt };
