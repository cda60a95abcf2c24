/*
 * The planner's state (rule tree, IR functions, constants, host builtins) and the emit helpers every construct uses.
 */
import { RegoCompileError, RegoErrorDetail } from '../errors';
import { Block, FuncDef, OP, Program } from '../ir';
import { Expr, Module, Rule, Term } from '../parser';

export type Operand = number; // >= 0 local, < 0 constant

export interface RuleInfo {
  rule: Rule;
  mod: Module;
  dyn: Term[]; // head parts after the ground prefix
  mode: 'value' | 'set' | 'func';
}

export class Node {
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

/** A node that holds function definitions (not a value). */
export function isFuncNode(n: Node): boolean {
  return n.funcs.length > 0 || n.defaults.some(d => !!d.rule.head.args);
}

export interface Scope {
  mod?: Module;
  vars: Map<string, Operand>; // bound variables
  declared: Set<string>; // declared with some/:= but maybe unbound
}

export interface PlanOptions {
  entrypoints: string[];
  queries?: { name: string; body: Expr[] }[];
}

export interface PlanResult {
  program: Program;
  entrypointNames: string[];
  hostBuiltins: string[];
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

export class Func {
  nlocals: number;
  constructor(readonly nparams: number) {
    this.nlocals = nparams + 1;
  }
  local() {
    return this.nlocals++;
  }
}

/** Planning state shared by every construct: the rule tree, the IR being built and the current function. */
export class Planner {
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

  index(mod: Module, rule: Rule) {
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

  cst(v: unknown): Operand {
    const key = JSON.stringify(v);
    let i = this.constMap.get(key);
    if (i === undefined) {
      i = this.consts.length;
      this.consts.push(v);
      this.constMap.set(key, i);
    }
    return -(i + 1);
  }

  emit(op: number, args: number[], blocks?: Block[]) {
    if (op === OP.CALL) {
      let set = this.calls.get(this.curFunc);
      if (!set) this.calls.set(this.curFunc, (set = new Set()));
      set.add(args[0]);
    }
    this.cur.stmts.push({ op, args, blocks });
  }

  newFunc(
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
  inFunc(
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
  nested(block: Block, body: () => void) {
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

  fail() {
    this.emit(OP.EQ, [this.cst(true), this.cst(false)]);
  }

  bind(name: string, op: Operand) {
    if (name === '_') return;
    this.scope.vars.set(name, op);
  }
}
