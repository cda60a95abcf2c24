/*
 * Rego (v1 syntax) lexer and parser producing a small AST for the planner.
 */
import { RegoCompileError, Loc } from './errors';

export type Scalar = null | boolean | number | string;

export type Term =
  | { type: 'scalar'; value: Scalar; loc: Loc }
  | { type: 'var'; name: string; loc: Loc }
  | { type: 'ref'; head: Term; path: Term[]; loc: Loc }
  | { type: 'array'; items: Term[]; loc: Loc }
  | { type: 'set'; items: Term[]; loc: Loc }
  | { type: 'object'; items: [Term, Term][]; loc: Loc }
  | { type: 'call'; name: string; fn: Term; args: Term[]; loc: Loc }
  | { type: 'arraycomp' | 'setcomp'; term: Term; body: Expr[]; loc: Loc }
  | { type: 'objcomp'; key: Term; value: Term; body: Expr[]; loc: Loc };

export interface With {
  target: Term;
  value: Term;
}

export type Expr =
  | {
      type: 'term';
      term: Term;
      neg: boolean;
      with: With[];
      loc: Loc;
      text?: string;
    }
  | {
      type: 'some';
      names: Term[];
      neg: boolean;
      with: With[];
      loc: Loc;
      text?: string;
    }
  | {
      type: 'somein';
      key?: Term;
      value: Term;
      coll: Term;
      neg: boolean;
      with: With[];
      loc: Loc;
      text?: string;
    }
  | {
      type: 'every';
      key?: Term;
      value: Term;
      coll: Term;
      body: Expr[];
      neg: boolean;
      with: With[];
      loc: Loc;
      text?: string;
    };

export interface RuleHead {
  ref: Term[]; // first element is a scalar string (rule name), then parts
  args?: Term[];
  key?: Term; // `contains` element
  value?: Term;
  assign: boolean;
}

export interface ElseClause {
  value?: Term;
  body: Expr[];
  loc: Loc;
}

export interface Rule {
  head: RuleHead;
  body: Expr[];
  elses: ElseClause[];
  isDefault: boolean;
  loc: Loc;
}

export interface Import {
  path: Term[]; // ref parts, head var name first
  alias: string;
  loc: Loc;
}

export interface Module {
  file: string;
  pkg: string[];
  imports: Import[];
  rules: Rule[];
}

type TokKind = 'ident' | 'num' | 'str' | 'punct' | 'nl' | 'eof';
interface Tok {
  k: TokKind;
  v: string;
  line: number;
  col: number;
  pos: number;
  end: number;
  ws: boolean; // whitespace before
  num?: number;
  str?: string;
}

const PUNCT3 = [':='];
const PUNCT2 = ['==', '!=', '<=', '>=', ':='];
const PUNCT1 = '{}[]().,;:=<>+-*/%&|';

function lex(src: string, file: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let ws = false;
  const err = (msg: string) => {
    throw new RegoCompileError([
      {
        file,
        line,
        column: i - lineStart + 1,
        message: msg,
        code: 'rego_parse_error',
      },
    ]);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      toks.push({
        k: 'nl',
        v: '\n',
        line,
        col: i - lineStart + 1,
        pos: i,
        end: i + 1,
        ws,
      });
      i++;
      line++;
      lineStart = i;
      ws = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      ws = true;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    const col = i - lineStart + 1;
    // eslint-disable-next-line no-loop-func
    const push = (k: TokKind, v: string, extra?: Partial<Tok>) => {
      toks.push({ k, v, line, col, pos: start, end: i, ws, ...extra });
      ws = false;
    };
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i])) i++;
      push('ident', src.slice(start, i));
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < src.length && /[0-9]/.test(src[i])) i++;
      if (src[i] === '.' && /[0-9]/.test(src[i + 1] ?? '')) {
        i++;
        while (i < src.length && /[0-9]/.test(src[i])) i++;
      }
      if (src[i] === 'e' || src[i] === 'E') {
        let j = i + 1;
        if (src[j] === '+' || src[j] === '-') j++;
        if (/[0-9]/.test(src[j] ?? '')) {
          i = j;
          while (i < src.length && /[0-9]/.test(src[i])) i++;
        }
      }
      const text = src.slice(start, i);
      push('num', text, { num: Number(text) });
      continue;
    }
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\') i++;
        if (src[i] === '\n') err('non-terminated string');
        i++;
      }
      if (i >= src.length) err('non-terminated string');
      i++;
      const text = src.slice(start, i);
      let value: string;
      try {
        value = JSON.parse(text);
      } catch {
        err('illegal string escape');
        value = '';
      }
      push('str', text, { str: value });
      continue;
    }
    if (c === '`') {
      i++;
      while (i < src.length && src[i] !== '`') {
        if (src[i] === '\n') {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      if (i >= src.length) err('non-terminated raw string');
      i++;
      push('str', src.slice(start, i), { str: src.slice(start + 1, i - 1) });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (PUNCT2.includes(two) || PUNCT3.includes(two)) {
      i += 2;
      push('punct', two);
      continue;
    }
    if (PUNCT1.includes(c)) {
      i++;
      push('punct', c);
      continue;
    }
    err(`illegal character ${JSON.stringify(c)}`);
  }
  toks.push({
    k: 'eof',
    v: '',
    line,
    col: i - lineStart + 1,
    pos: i,
    end: i,
    ws: true,
  });
  return toks;
}

const RELATIONS: Record<string, string> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
};
const BINARY_LEVELS: Record<string, string>[] = [
  RELATIONS,
  { '|': 'or' },
  { '&': 'and' },
  { '+': 'plus', '-': 'minus' },
  { '*': 'mul', '/': 'div', '%': 'rem' },
];

export class Parser {
  private toks: Tok[];
  private p = 0;
  private depth = 0; // > 0 inside brackets: newlines are insignificant

  constructor(private src: string, private file: string) {
    this.toks = lex(src, file);
  }

  private loc(t: Tok = this.peek()): Loc {
    return { file: this.file, line: t.line, col: t.col };
  }

  private error(msg: string, t: Tok = this.peekRaw()): never {
    throw new RegoCompileError([
      {
        file: this.file,
        line: t.line,
        column: t.col,
        message: msg,
        code: 'rego_parse_error',
      },
    ]);
  }

  private peekRaw(): Tok {
    return this.toks[this.p];
  }

  private skipNL() {
    while (this.toks[this.p].k === 'nl') this.p++;
  }

  private peek(): Tok {
    if (this.depth > 0) this.skipNL();
    return this.toks[this.p];
  }

  private next(): Tok {
    const t = this.peek();
    this.p++;
    return t;
  }

  private is(v: string, k?: TokKind): boolean {
    const t = this.peek();
    return t.v === v && (k ? t.k === k : t.k === 'punct' || t.k === 'ident');
  }

  private accept(v: string): boolean {
    if (this.is(v)) {
      this.p++;
      return true;
    }
    return false;
  }

  private expect(v: string): Tok {
    const t = this.peek();
    if (t.v !== v)
      this.error(
        `unexpected ${
          t.k === 'eof' ? 'eof' : JSON.stringify(t.v)
        } token: expected ${v}`,
        t,
      );
    this.p++;
    return t;
  }

  private nested<T>(f: () => T): T {
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private flat<T>(f: () => T): T {
    const d = this.depth;
    this.depth = 0;
    try {
      return f();
    } finally {
      this.depth = d;
    }
  }

  parseModule(): Module {
    this.skipNL();
    this.expect('package');
    const pkgTerm = this.parseRefOnly();
    const pkg = refToStrings(pkgTerm, this);
    const mod: Module = { file: this.file, pkg, imports: [], rules: [] };
    for (;;) {
      this.skipNL();
      const t = this.peekRaw();
      if (t.k === 'eof') break;
      if (t.v === 'import' && t.k === 'ident') {
        this.p++;
        const ref = this.parseRefOnly();
        let alias: string | undefined;
        if (this.accept('as')) alias = this.next().v;
        const parts = ref.type === 'ref' ? [ref.head, ...ref.path] : [ref];
        if (!alias) {
          const last = parts[parts.length - 1];
          alias = last.type === 'var' ? last.name : String((last as any).value);
        }
        mod.imports.push({ path: parts, alias, loc: this.loc(t) });
        continue;
      }
      mod.rules.push(this.parseRule());
    }
    return mod;
  }

  parseQuery(): Expr[] {
    const body = this.parseExprs(['eof']);
    if (this.peekRaw().k !== 'eof') this.error('unexpected token');
    return body;
  }

  parseTermOnly(): Term {
    const t = this.nested(() => this.parseTerm());
    this.skipNL();
    if (this.peekRaw().k !== 'eof') this.error('unexpected token');
    return t;
  }

  private parseRefOnly(): Term {
    const t = this.next();
    if (t.k !== 'ident') this.error('expected identifier', t);
    let term: Term = { type: 'var', name: t.v, loc: this.loc(t) };
    const path: Term[] = [];
    for (;;) {
      const n = this.peekRaw();
      if (n.v === '.' && !n.ws) {
        this.p++;
        const id = this.next();
        path.push({ type: 'scalar', value: id.v, loc: this.loc(id) });
      } else if (n.v === '[' && !n.ws) {
        this.p++;
        const k = this.nested(() => this.parseTerm());
        this.expect(']');
        path.push(k);
      } else break;
    }
    if (path.length) term = { type: 'ref', head: term, path, loc: term.loc };
    return term;
  }

  private parseRule(): Rule {
    const start = this.peekRaw();
    const loc = this.loc(start);
    let isDefault = false;
    if (start.v === 'default' && start.k === 'ident') {
      const n = this.toks[this.p + 1];
      if (n && n.k === 'ident') {
        isDefault = true;
        this.p++;
      }
    }
    const refTerm = this.parseRefOnly();
    const ref: Term[] =
      refTerm.type === 'ref'
        ? [
            {
              type: 'scalar',
              value: (refTerm.head as any).name,
              loc: refTerm.loc,
            },
            ...refTerm.path,
          ]
        : [{ type: 'scalar', value: (refTerm as any).name, loc: refTerm.loc }];
    const head: RuleHead = { ref, assign: false };
    if (this.peekRaw().v === '(' && !this.peekRaw().ws) {
      this.p++;
      head.args = this.nested(() => {
        const args: Term[] = [];
        if (!this.is(')')) {
          do {
            if (this.is(')')) break; // trailing comma
            args.push(this.parseTerm());
          } while (this.accept(','));
        }
        this.expect(')');
        return args;
      });
    }
    if (this.accept('contains')) {
      head.key = this.flat(() => this.parseTerm());
    } else if (this.is(':=') || this.is('=')) {
      head.assign = this.next().v === ':=';
      head.value = this.flat(() => this.parseTerm());
    }
    if (isDefault) {
      if (!head.value) this.error('default rule must have a value');
      return { head, body: [], elses: [], isDefault, loc };
    }
    const v0Body = this.peekRaw().v === '{';
    const body = this.parseRuleBody();
    if (
      v0Body &&
      !head.value &&
      !head.key &&
      !head.args &&
      head.ref.length === 2 &&
      head.ref[1].type !== 'scalar'
    ) {
      // Rego v0 `p[x] { ... }` (no `if`/`contains`, a syntax error in v1) is a partial set rule
      head.key = head.ref[1];
      head.ref = [head.ref[0]];
    }
    const rule: Rule = { head, body: body ?? [], elses: [], isDefault, loc };
    if (
      !body &&
      !head.value &&
      !head.key &&
      !head.args &&
      head.ref.length === 1
    ) {
      // `p` alone is not a rule
      if (this.peekRaw().k !== 'nl' && this.peekRaw().k !== 'eof')
        this.error('unexpected token');
    }
    for (;;) {
      const save = this.p;
      this.skipNL();
      if (!this.is('else')) {
        this.p = save;
        break;
      }
      const eloc = this.loc();
      this.p++;
      let value: Term | undefined;
      if (this.is(':=') || this.is('=')) {
        this.p++;
        value = this.flat(() => this.parseTerm());
      }
      const ebody = this.parseRuleBody();
      rule.elses.push({ value, body: ebody ?? [], loc: eloc });
    }
    return rule;
  }

  private parseRuleBody(): Expr[] | undefined {
    if (this.accept('if')) {
      if (this.peekRaw().v === '{') {
        const save = this.p;
        // `if {` could be an object/set literal expression; treat as body
        this.p++;
        try {
          const b = this.parseExprs(['}']);
          this.expect('}');
          return b;
        } catch (e) {
          // not a body: `if {x: 1 | ...}` is a single term expression
          this.p = save;
          try {
            return [this.flat(() => this.parseExpr())];
          } catch {
            throw e;
          }
        }
      }
      return [this.flat(() => this.parseExpr())];
    }
    if (this.peekRaw().v === '{') {
      this.p++;
      const b = this.parseExprs(['}']);
      this.expect('}');
      return b;
    }
    return undefined;
  }

  // expressions separated by newlines or ';' until a terminator
  private parseExprs(terms: string[]): Expr[] {
    return this.flat(() => {
      const out: Expr[] = [];
      for (;;) {
        while (this.peekRaw().k === 'nl' || this.peekRaw().v === ';') this.p++;
        const t = this.peekRaw();
        if (t.k === 'eof' || (t.k === 'punct' && terms.includes(t.v))) break;
        out.push(this.parseExpr());
        const n = this.peekRaw();
        if (
          n.k !== 'nl' &&
          n.v !== ';' &&
          n.k !== 'eof' &&
          !(n.k === 'punct' && terms.includes(n.v))
        ) {
          this.error(`unexpected ${JSON.stringify(n.v)} token`, n);
        }
      }
      return out;
    });
  }

  private parseExpr(): Expr {
    const startTok = this.peek();
    const loc = this.loc(startTok);
    let neg = false;
    if (this.is('not', 'ident')) {
      this.p++;
      neg = true;
    }
    let e: Expr;
    if (this.is('some', 'ident')) {
      this.p++;
      const first = this.parseRelation();
      if (this.is(',') || this.is('in')) {
        const terms = [first];
        while (this.accept(',')) terms.push(this.parseRelation());
        if (this.accept('in')) {
          const coll = this.parseRelation();
          if (terms.length === 2)
            e = {
              type: 'somein',
              key: terms[0],
              value: terms[1],
              coll,
              neg,
              with: [],
              loc,
            };
          else if (terms.length === 1)
            e = { type: 'somein', value: terms[0], coll, neg, with: [], loc };
          else this.error('unexpected , in some');
        } else e = { type: 'some', names: terms, neg, with: [], loc };
      } else e = { type: 'some', names: [first], neg, with: [], loc };
    } else if (this.is('every', 'ident')) {
      this.p++;
      const first = this.parseRelation();
      let key: Term | undefined;
      let value = first;
      if (this.accept(',')) {
        key = first;
        value = this.parseRelation();
      }
      this.expect('in');
      const coll = this.parseRelation();
      this.expect('{');
      const body = this.parseExprs(['}']);
      this.expect('}');
      e = { type: 'every', key, value, coll, body, neg, with: [], loc };
    } else {
      let t = this.parseTerm();
      if (this.is(',') && this.depth === 0) {
        // k, v in coll
        this.p++;
        const v = this.parseRelation();
        this.expect('in');
        const coll = this.parseRelation();
        t = mkCall('internal.member_3', [t, v, coll], t.loc);
      }
      if (this.is(':=') || this.is('=')) {
        const op = this.next().v;
        const rhs = this.parseTerm();
        t = mkCall(op === ':=' ? 'assign' : 'eq', [t, rhs], t.loc);
      }
      e = { type: 'term', term: t, neg, with: [], loc };
    }
    for (;;) {
      if (this.depth === 0) {
        let q = this.p;
        while (this.toks[q].k === 'nl') q++;
        if (this.toks[q].v === 'with' && this.toks[q].k === 'ident') this.p = q;
      }
      if (!this.is('with', 'ident')) break;
      this.p++;
      const target = this.parseRefOnly();
      this.expect('as');
      const value = this.parseTerm();
      e.with.push({ target, value });
    }
    const endTok = this.toks[this.p - 1];
    e.text = this.src.slice(startTok.pos, endTok.end);
    return e;
  }

  // term := in-expression
  parseTerm(): Term {
    let left = this.parseRelation();
    while (this.is('in', 'ident')) {
      this.p++;
      const right = this.parseRelation();
      left = mkCall('internal.member_2', [left, right], left.loc);
    }
    return left;
  }

  private parseRelation(): Term {
    return this.parseLevel(0);
  }

  /** `noOr`: comprehension heads stop before `|`. */
  private parseOr(noOr = false): Term {
    return noOr ? this.parseLevel(2) : this.parseLevel(1);
  }

  private parseAnd(): Term {
    return this.parseLevel(2);
  }

  /** Binary operators by precedence level (BINARY_LEVELS), left-associative. */
  private parseLevel(level: number): Term {
    const next = () =>
      level + 1 < BINARY_LEVELS.length
        ? this.parseLevel(level + 1)
        : this.parseUnary();
    let left = next();
    for (;;) {
      const t = this.peek();
      const name = t.k === 'punct' ? BINARY_LEVELS[level][t.v] : undefined;
      if (!name) return left;
      this.p++;
      left = mkCall(name, [left, next()], left.loc);
    }
  }

  private parseUnary(): Term {
    const t = this.peek();
    if (t.v === '-' && t.k === 'punct') {
      this.p++;
      const n = this.peek();
      if (n.k === 'num' && !n.ws) {
        this.p++;
        return this.parsePostfix({
          type: 'scalar',
          value: -(n.num as number),
          loc: this.loc(t),
        });
      }
      const x = this.parseUnary();
      return mkCall('neg', [x], this.loc(t));
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(base: Term): Term {
    let term = base;
    for (;;) {
      const n = this.peekRaw();
      if (n.v === '.' && n.k === 'punct' && !n.ws) {
        this.p++;
        const id = this.peekRaw();
        if (id.k !== 'ident') this.error('expected identifier after .', id);
        this.p++;
        term = appendRef(term, {
          type: 'scalar',
          value: id.v,
          loc: this.loc(id),
        });
      } else if (n.v === '[' && !n.ws) {
        this.p++;
        const k = this.nested(() => this.parseTerm());
        this.expect(']');
        term = appendRef(term, k);
      } else if (
        n.v === '(' &&
        !n.ws &&
        (term.type === 'var' || term.type === 'ref')
      ) {
        this.p++;
        const args = this.nested(() => {
          const a: Term[] = [];
          if (!this.is(')')) {
            do {
              if (this.is(')')) break; // trailing comma
              a.push(this.parseTerm());
            } while (this.accept(','));
          }
          this.expect(')');
          return a;
        });
        const name = refName(term);
        if (name === 'set' && args.length === 0)
          term = { type: 'set', items: [], loc: term.loc };
        else
          term = {
            type: 'call',
            name: name ?? '',
            fn: term,
            args,
            loc: term.loc,
          };
      } else return term;
    }
  }

  private parsePrimary(): Term {
    const t = this.next();
    const loc = this.loc(t);
    if (t.k === 'num') return { type: 'scalar', value: t.num as number, loc };
    if (t.k === 'str') return { type: 'scalar', value: t.str as string, loc };
    if (t.k === 'ident') {
      if (t.v === 'true') return { type: 'scalar', value: true, loc };
      if (t.v === 'false') return { type: 'scalar', value: false, loc };
      if (t.v === 'null') return { type: 'scalar', value: null, loc };
      return { type: 'var', name: t.v, loc };
    }
    if (t.v === '(') {
      return this.nested(() => {
        let x = this.parseTerm();
        if (this.accept(',')) {
          const v = this.parseRelation();
          this.expect('in');
          x = mkCall('internal.member_3', [x, v, this.parseRelation()], x.loc);
        }
        this.expect(')');
        return x;
      });
    }
    if (t.v === '[') {
      return this.nested(() => {
        if (this.accept(']')) return { type: 'array', items: [], loc } as Term;
        const first = this.parseOr(true);
        if (this.is('|')) {
          this.p++;
          const body = this.parseExprs([']']);
          this.expect(']');
          return { type: 'arraycomp', term: first, body, loc } as Term;
        }
        const items = [this.continueTerm(first)];
        while (this.accept(',')) {
          if (this.is(']')) break;
          items.push(this.parseTerm());
        }
        this.expect(']');
        return { type: 'array', items, loc } as Term;
      });
    }
    if (t.v === '{') {
      return this.nested(() => {
        if (this.accept('}')) return { type: 'object', items: [], loc } as Term;
        const first = this.parseOr(true);
        if (this.is('|')) {
          this.p++;
          const body = this.parseExprs(['}']);
          this.expect('}');
          return { type: 'setcomp', term: first, body, loc } as Term;
        }
        if (this.accept(':')) {
          const v = this.parseOr(true);
          if (this.is('|')) {
            this.p++;
            const body = this.parseExprs(['}']);
            this.expect('}');
            return { type: 'objcomp', key: first, value: v, body, loc } as Term;
          }
          const items: [Term, Term][] = [[first, this.continueTerm(v)]];
          while (this.accept(',')) {
            if (this.is('}')) break;
            const k = this.parseTerm();
            this.expect(':');
            items.push([k, this.parseTerm()]);
          }
          this.expect('}');
          return { type: 'object', items, loc } as Term;
        }
        const items = [this.continueTerm(first)];
        while (this.accept(',')) {
          if (this.is('}')) break;
          items.push(this.parseTerm());
        }
        this.expect('}');
        return { type: 'set', items, loc } as Term;
      });
    }
    return this.error(
      `unexpected ${t.k === 'eof' ? 'eof' : JSON.stringify(t.v)} token`,
      t,
    );
  }

  // After parsing a head term without `|`, allow a union and `in` to continue.
  private continueTerm(first: Term): Term {
    let left = first;
    while (this.is('|')) {
      this.p++;
      left = mkCall('or', [left, this.parseAnd()], left.loc);
    }
    for (;;) {
      const t = this.peek();
      if (t.k === 'punct' && RELATIONS[t.v]) {
        this.p++;
        left = mkCall(RELATIONS[t.v], [left, this.parseOr()], left.loc);
      } else break;
    }
    while (this.is('in', 'ident')) {
      this.p++;
      left = mkCall(
        'internal.member_2',
        [left, this.parseRelation()],
        left.loc,
      );
    }
    return left;
  }
}

function mkCall(name: string, args: Term[], loc: Loc): Term {
  return { type: 'call', name, fn: { type: 'var', name, loc }, args, loc };
}

function appendRef(term: Term, part: Term): Term {
  if (term.type === 'ref') return { ...term, path: [...term.path, part] };
  return { type: 'ref', head: term, path: [part], loc: term.loc };
}

export function refName(term: Term): string | undefined {
  if (term.type === 'var') return term.name;
  if (term.type !== 'ref' || term.head.type !== 'var') return undefined;
  const parts = [term.head.name];
  for (const p of term.path) {
    if (p.type !== 'scalar' || typeof p.value !== 'string') return undefined;
    parts.push(p.value);
  }
  return parts.join('.');
}

function refToStrings(t: Term, p: Parser): string[] {
  const n = refName(t);
  if (n === undefined) (p as any).error('invalid package path');
  return n!.split('.');
}

export function parseModule(file: string, src: string): Module {
  return new Parser(src, file).parseModule();
}

export function parseQuery(src: string, file = 'query'): Expr[] {
  return new Parser(src, file).parseQuery();
}

export function parseTermText(src: string): Term {
  return new Parser(src, 'term').parseTermOnly();
}
