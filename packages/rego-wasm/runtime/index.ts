// Rego IR interpreter runtime for the OPA wasm ABI 1.2 (AssemblyScript).
//
// Written without managed allocations: every value lives in a bump heap that the
// SDK controls through opa_heap_ptr_get/set. The compiled policy (IR words and a
// JSON constant pool) is patched into the module as an extra data segment by the
// TypeScript compiler; IR_HDR below is where its address and length are written.
import { dtoa_buffered } from 'util/number';
import {
  opa_abort,
  opa_builtin0,
  opa_builtin1,
  opa_builtin2,
  opa_builtin3,
  opa_builtin4,
} from './env';

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 2;

// Magic "RWIR" followed by IR address and byte length (patched by the compiler).
const IR_HDR: usize = memory.data<u32>([0x52495752, 0, 0, 0]);

const T_NULL: u32 = 1;
const T_BOOL: u32 = 2;
const T_NUM: u32 = 3;
const T_STR: u32 = 4;
const T_ARR: u32 = 5;
const T_OBJ: u32 = 6;
const T_SET: u32 = 7;

const NULLV: usize = memory.data<u32>([1, 0]);
const FALSEV: usize = memory.data<u32>([2, 0]);
const TRUEV: usize = memory.data<u32>([2, 1]);
const NUMBUF: usize = memory.data(128);

let heapPtr: usize = 0;
let inited = false;
let ir: usize = 0;
let consts: usize = 0; // elements pointer of the constant array
let nFuncs: i32 = 0;
let funcTable: usize = 0;
let entryTable: usize = 0;
let nEntry: i32 = 0;

// ---------------------------------------------------------------- allocation
function ensureMem(end: usize): void {
  const cap = (<usize>memory.size()) << 16;
  if (end > cap) {
    const pages = <i32>((end - cap + 0xffff) >> 16);
    if (memory.grow(pages) < 0) fail('out of memory');
  }
}

function alloc(n: usize): usize {
  const p = (heapPtr + 7) & ~(<usize>7);
  const end = p + n;
  ensureMem(end);
  heapPtr = end;
  return p;
}

function allocZ(n: usize): usize {
  const p = alloc(n);
  memory.fill(p, 0, n);
  return p;
}

function cstr(s: string): usize {
  const n = s.length;
  const p = alloc(<usize>n + 1);
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  store<u8>(p + <usize>n, 0);
  return p;
}

function fail(msg: string): void {
  opa_abort(cstr(msg));
  unreachable();
}

function init(): void {
  if (inited) return;
  inited = true;
  heapPtr = __heap_base;
  ir = load<u32>(IR_HDR, 4);
  const irLen = load<u32>(IR_HDR, 8);
  if (ir == 0) fail('rego-wasm: no policy IR patched into this module');
  if (ir + irLen > heapPtr) heapPtr = ir + irLen;
  nFuncs = load<i32>(ir, 4);
  funcTable = ir + ((<usize>load<i32>(ir, 8)) << 2);
  nEntry = load<i32>(ir, 12);
  entryTable = ir + ((<usize>load<i32>(ir, 16)) << 2);
  const c = jsonParse(ir + <usize>load<i32>(ir, 20), <usize>load<i32>(ir, 24));
  if (c == 0) fail('rego-wasm: bad constant pool');
  consts = load<usize>(c, 12);
}

// ---------------------------------------------------------------- values
function tag(v: usize): u32 {
  return load<u32>(v);
}
function len(v: usize): i32 {
  return load<i32>(v, 4);
}
function elems(v: usize): usize {
  return load<usize>(v, 12);
}
function elem(v: usize, i: i32): usize {
  return load<usize>(load<usize>(v, 12) + ((<usize>i) << 2));
}
function num(v: usize): f64 {
  return load<f64>(v, 8);
}

function mkBool(b: bool): usize {
  return b ? TRUEV : FALSEV;
}

function mkNum(x: f64): usize {
  const v = alloc(16);
  store<u32>(v, T_NUM);
  store<f64>(v, x, 8);
  return v;
}

function mkStr(src: usize, n: i32): usize {
  const v = alloc(8 + <usize>n);
  store<u32>(v, T_STR);
  store<i32>(v, n, 4);
  memory.copy(v + 8, src, <usize>n);
  return v;
}

function mkColl(t: u32, cap: i32): usize {
  const v = alloc(16);
  store<u32>(v, t);
  store<i32>(v, 0, 4);
  const w = t == T_OBJ ? 8 : 4;
  store<i32>(v, cap, 8);
  store<usize>(v, cap > 0 ? alloc(<usize>(cap * w)) : 0, 12);
  return v;
}

function reserve(v: usize, need: i32): void {
  const cap = load<i32>(v, 8);
  if (need <= cap) return;
  let nc = cap < 4 ? 4 : cap * 2;
  if (nc < need) nc = need;
  const w: usize = tag(v) == T_OBJ ? 8 : 4;
  const ne = alloc(<usize>nc * w);
  memory.copy(ne, elems(v), <usize>len(v) * w);
  store<usize>(v, ne, 12);
  store<i32>(v, nc, 8);
}

function arrPush(a: usize, x: usize): void {
  const n = len(a);
  reserve(a, n + 1);
  store<usize>(elems(a) + ((<usize>n) << 2), x);
  store<i32>(a, n + 1, 4);
}

// Binary search in a sorted set (stride 1) or object (stride 2).
function findIdx(c: usize, k: usize): i32 {
  const stride: usize = tag(c) == T_OBJ ? 8 : 4;
  const e = elems(c);
  let lo = 0;
  let hi = len(c) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = cmp(load<usize>(e + <usize>mid * stride), k);
    if (r == 0) return mid;
    if (r < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}

function insertAt(c: usize, idx: i32, k: usize, v: usize): void {
  const n = len(c);
  reserve(c, n + 1);
  const stride: usize = tag(c) == T_OBJ ? 8 : 4;
  const e = elems(c);
  const at = e + <usize>idx * stride;
  memory.copy(at + stride, at, <usize>(n - idx) * stride);
  store<usize>(at, k);
  if (stride == 8) store<usize>(at, v, 4);
  store<i32>(c, n + 1, 4);
}

function setAdd(s: usize, x: usize): void {
  const i = findIdx(s, x);
  if (i < 0) insertAt(s, -i - 1, x, 0);
}

function objGet(o: usize, k: usize): usize {
  const i = findIdx(o, k);
  return i < 0 ? 0 : load<usize>(elems(o) + ((<usize>i) << 3), 4);
}

// Returns false on a conflicting value for an existing key when strict.
function objPut(o: usize, k: usize, v: usize, strict: bool): bool {
  const i = findIdx(o, k);
  if (i < 0) {
    insertAt(o, -i - 1, k, v);
    return true;
  }
  const at = elems(o) + ((<usize>i) << 3);
  if (strict) return cmp(load<usize>(at, 4), v) == 0;
  store<usize>(at, v, 4);
  return true;
}

function copyColl(c: usize): usize {
  const n = len(c);
  const t = tag(c);
  const r = mkColl(t, n);
  memory.copy(elems(r), elems(c), <usize>n * (t == T_OBJ ? 8 : 4));
  store<i32>(r, n, 4);
  return r;
}

function cmp(a: usize, b: usize): i32 {
  if (a == b) return 0;
  const ta = tag(a);
  const tb = tag(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  if (ta == T_NULL) return 0;
  if (ta == T_BOOL) return load<i32>(a, 4) - load<i32>(b, 4);
  if (ta == T_NUM) {
    const x = num(a);
    const y = num(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ta == T_STR) {
    const la = len(a);
    const lb = len(b);
    const m = la < lb ? la : lb;
    const r = memory.compare(a + 8, b + 8, <usize>m);
    if (r != 0) return r;
    return la - lb;
  }
  const la = len(a);
  const lb = len(b);
  const m = la < lb ? la : lb;
  if (ta == T_OBJ) {
    for (let i = 0; i < m; i++) {
      const pa = elems(a) + ((<usize>i) << 3);
      const pb = elems(b) + ((<usize>i) << 3);
      let r = cmp(load<usize>(pa), load<usize>(pb));
      if (r != 0) return r;
      r = cmp(load<usize>(pa, 4), load<usize>(pb, 4));
      if (r != 0) return r;
    }
  } else {
    for (let i = 0; i < m; i++) {
      const r = cmp(elem(a, i), elem(b, i));
      if (r != 0) return r;
    }
  }
  return la - lb;
}

// ---------------------------------------------------------------- JSON parse
let jp: usize = 0;
let je: usize = 0;
let jerr = false;

function jc(): u32 {
  return jp < je ? <u32>load<u8>(jp) : 0;
}

function jws(): void {
  while (jp < je) {
    const c = load<u8>(jp);
    if (c == 32 || c == 9 || c == 10 || c == 13) jp++;
    else break;
  }
}

function jlit(s: string, v: usize): usize {
  const n = s.length;
  if (jp + <usize>n > je) {
    jerr = true;
    return 0;
  }
  for (let i = 0; i < n; i++) {
    if (<u32>load<u8>(jp + <usize>i) != <u32>s.charCodeAt(i)) {
      jerr = true;
      return 0;
    }
  }
  jp += <usize>n;
  return v;
}

function hexv(c: u32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function jhex4(): u32 {
  if (jp + 4 > je) {
    jerr = true;
    return 0;
  }
  let r: u32 = 0;
  for (let i = 0; i < 4; i++) {
    const h = hexv(load<u8>(jp + <usize>i));
    if (h < 0) {
      jerr = true;
      return 0;
    }
    r = (r << 4) | (<u32>h);
  }
  jp += 4;
  return r;
}

function putUtf8(o: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(o, <u8>cp);
    return o + 1;
  }
  if (cp < 0x800) {
    store<u8>(o, <u8>(0xc0 | (cp >> 6)));
    store<u8>(o + 1, <u8>(0x80 | (cp & 63)));
    return o + 2;
  }
  if (cp < 0x10000) {
    store<u8>(o, <u8>(0xe0 | (cp >> 12)));
    store<u8>(o + 1, <u8>(0x80 | ((cp >> 6) & 63)));
    store<u8>(o + 2, <u8>(0x80 | (cp & 63)));
    return o + 3;
  }
  store<u8>(o, <u8>(0xf0 | (cp >> 18)));
  store<u8>(o + 1, <u8>(0x80 | ((cp >> 12) & 63)));
  store<u8>(o + 2, <u8>(0x80 | ((cp >> 6) & 63)));
  store<u8>(o + 3, <u8>(0x80 | (cp & 63)));
  return o + 4;
}

function jstr(): usize {
  jp++; // opening quote
  let q = jp;
  let esc = false;
  while (q < je) {
    const c = load<u8>(q);
    if (c == 34) break;
    if (c == 92) {
      esc = true;
      q++;
    }
    q++;
  }
  if (q >= je) {
    jerr = true;
    return 0;
  }
  if (!esc) {
    const v = mkStr(jp, <i32>(q - jp));
    jp = q + 1;
    return v;
  }
  const v = alloc(8 + (q - jp));
  store<u32>(v, T_STR);
  let o = v + 8;
  while (jp < q) {
    let c = <u32>load<u8>(jp);
    if (c != 92) {
      store<u8>(o, <u8>c);
      o++;
      jp++;
      continue;
    }
    jp++;
    c = <u32>load<u8>(jp);
    jp++;
    if (c == 110) {
      store<u8>(o, 10);
      o++;
    } else if (c == 116) {
      store<u8>(o, 9);
      o++;
    } else if (c == 114) {
      store<u8>(o, 13);
      o++;
    } else if (c == 98) {
      store<u8>(o, 8);
      o++;
    } else if (c == 102) {
      store<u8>(o, 12);
      o++;
    } else if (c == 117) {
      let cp = jhex4();
      if (
        cp >= 0xd800 &&
        cp < 0xdc00 &&
        jp + 6 <= q &&
        load<u8>(jp) == 92 &&
        load<u8>(jp + 1) == 117
      ) {
        jp += 2;
        const lo = jhex4();
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      o = putUtf8(o, cp);
    } else {
      store<u8>(o, <u8>c);
      o++;
    }
  }
  jp = q + 1;
  store<i32>(v, <i32>(o - v - 8), 4);
  heapPtr = o;
  return v;
}

function pow10(e: i32): f64 {
  let r: f64 = 1;
  let b: f64 = 10;
  let n = e < 0 ? -e : e;
  while (n > 0) {
    if (n & 1) r *= b;
    b *= b;
    n >>= 1;
  }
  return r;
}

function parseNumber(p: usize, end: usize, out: usize): usize {
  // Returns position after the number; stores f64 at out; 0 on error.
  let neg = false;
  if (p < end && load<u8>(p) == 45) {
    neg = true;
    p++;
  }
  let mant: f64 = 0;
  let digits = 0;
  let exp = 0;
  let any = false;
  while (p < end) {
    const c = load<u8>(p);
    if (c < 48 || c > 57) break;
    any = true;
    if (digits < 19) {
      mant = mant * 10 + <f64>(c - 48);
      if (mant != 0) digits++;
    } else exp++;
    p++;
  }
  if (p < end && load<u8>(p) == 46) {
    p++;
    while (p < end) {
      const c = load<u8>(p);
      if (c < 48 || c > 57) break;
      any = true;
      if (digits < 19) {
        mant = mant * 10 + <f64>(c - 48);
        exp--;
        if (mant != 0) digits++;
      }
      p++;
    }
  }
  if (!any) return 0;
  if (p < end && (load<u8>(p) == 101 || load<u8>(p) == 69)) {
    p++;
    let eneg = false;
    if (p < end && (load<u8>(p) == 43 || load<u8>(p) == 45)) {
      eneg = load<u8>(p) == 45;
      p++;
    }
    let e = 0;
    while (p < end) {
      const c = load<u8>(p);
      if (c < 48 || c > 57) break;
      e = e * 10 + <i32>(c - 48);
      if (e > 100000) e = 100000;
      p++;
    }
    exp += eneg ? -e : e;
  }
  let x: f64;
  if (exp == 0) x = mant;
  else if (exp > 0)
    x = exp > 308 ? mant * pow10(exp - 300) * pow10(300) : mant * pow10(exp);
  else if (exp >= -22) x = mant / pow10(-exp);
  else
    x = exp < -300 ? mant / pow10(-exp - 300) / pow10(300) : mant / pow10(-exp);
  store<f64>(out, neg ? -x : x);
  return p;
}

function jnum(): usize {
  const v = alloc(16);
  store<u32>(v, T_NUM);
  const p = parseNumber(jp, je, v + 8);
  if (p == 0) {
    jerr = true;
    return 0;
  }
  jp = p;
  return v;
}

function jval(): usize {
  jws();
  const c = jc();
  if (c == 123) {
    jp++;
    const o = mkColl(T_OBJ, 0);
    jws();
    if (jc() == 125) {
      jp++;
      return o;
    }
    while (!jerr) {
      jws();
      if (jc() != 34) {
        jerr = true;
        return 0;
      }
      const k = jstr();
      jws();
      if (jc() != 58) {
        jerr = true;
        return 0;
      }
      jp++;
      const v = jval();
      if (jerr) return 0;
      objPut(o, k, v, false);
      jws();
      const d = jc();
      jp++;
      if (d == 125) return o;
      if (d != 44) {
        jerr = true;
        return 0;
      }
    }
    return 0;
  }
  if (c == 91) {
    jp++;
    const a = mkColl(T_ARR, 0);
    jws();
    if (jc() == 93) {
      jp++;
      return a;
    }
    while (!jerr) {
      const v = jval();
      if (jerr) return 0;
      arrPush(a, v);
      jws();
      const d = jc();
      jp++;
      if (d == 93) return a;
      if (d != 44) {
        jerr = true;
        return 0;
      }
    }
    return 0;
  }
  if (c == 34) return jstr();
  if (c == 116) return jlit('true', TRUEV);
  if (c == 102) return jlit('false', FALSEV);
  if (c == 110) return jlit('null', NULLV);
  if (c == 45 || (c >= 48 && c <= 57)) return jnum();
  jerr = true;
  return 0;
}

function jsonParse(p: usize, n: usize): usize {
  jp = p;
  je = p + n;
  jerr = false;
  const v = jval();
  jws();
  if (jerr || jp != je) return 0;
  return v;
}

// ---------------------------------------------------------------- JSON dump
let op: usize = 0;

function out(c: u32): void {
  if ((op & 0xffff) == 0) ensureMem(op + 1);
  store<u8>(op, <u8>c);
  op++;
}

function outBytes(p: usize, n: usize): void {
  ensureMem(op + n + 1);
  memory.copy(op, p, n);
  op += n;
}

const HEX = '0123456789abcdef';

function dumpNum(x: f64): void {
  if (x == Math.floor(x) && Math.abs(x) < 1e18) {
    let v = <i64>x;
    if (v < 0) {
      out(45);
      v = -v;
    }
    let n = 0;
    const b = NUMBUF;
    if (v == 0) {
      store<u8>(b, 48);
      n = 1;
    }
    while (v > 0) {
      store<u8>(b + <usize>n, <u8>(48 + <i32>(v % 10)));
      v /= 10;
      n++;
    }
    for (let i = n - 1; i >= 0; i--) out(load<u8>(b + <usize>i));
    return;
  }
  const n = dtoa_buffered<f64>(NUMBUF, x);
  for (let i: u32 = 0; i < n; i++) out(load<u16>(NUMBUF + ((<usize>i) << 1)));
}

function dumpStr(v: usize): void {
  out(34);
  const n = len(v);
  const p = v + 8;
  ensureMem(op + <usize>n * 6 + 2);
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    if (c == 34 || c == 92) {
      out(92);
      out(c);
    } else if (c == 10) {
      out(92);
      out(110);
    } else if (c == 9) {
      out(92);
      out(116);
    } else if (c == 13) {
      out(92);
      out(114);
    } else if (c < 32) {
      out(92);
      out(117);
      out(48);
      out(48);
      out(HEX.charCodeAt(c >> 4));
      out(HEX.charCodeAt(c & 15));
    } else out(c);
  }
  out(34);
}

function dumpVal(v: usize): void {
  const t = tag(v);
  if (t == T_NULL) {
    out(110);
    out(117);
    out(108);
    out(108);
  } else if (t == T_BOOL) {
    if (load<u32>(v, 4)) {
      out(116);
      out(114);
      out(117);
      out(101);
    } else {
      out(102);
      out(97);
      out(108);
      out(115);
      out(101);
    }
  } else if (t == T_NUM) dumpNum(num(v));
  else if (t == T_STR) dumpStr(v);
  else if (t == T_OBJ) {
    out(123);
    const n = len(v);
    for (let i = 0; i < n; i++) {
      if (i > 0) out(44);
      const at = elems(v) + ((<usize>i) << 3);
      const k = load<usize>(at);
      if (tag(k) == T_STR) dumpStr(k);
      else {
        // Non-string keys are dumped as their JSON text in a string, like OPA.
        const save = op;
        dumpVal(k);
        const kl = op - save;
        const tmp = NUMBUF;
        if (kl < 128) {
          memory.copy(tmp, save, kl);
          op = save;
          const s = mkStrTmp(tmp, <i32>kl);
          dumpStr(s);
        }
      }
      out(58);
      dumpVal(load<usize>(at, 4));
    }
    out(125);
  } else {
    out(91);
    const n = len(v);
    for (let i = 0; i < n; i++) {
      if (i > 0) out(44);
      dumpVal(elem(v, i));
    }
    out(93);
  }
}

const STRTMP: usize = memory.data(144);
function mkStrTmp(p: usize, n: i32): usize {
  store<u32>(STRTMP, T_STR);
  store<i32>(STRTMP, n, 4);
  memory.copy(STRTMP + 8, p, <usize>n);
  return STRTMP;
}

function jsonDump(v: usize): usize {
  const start = (heapPtr + 7) & ~(<usize>7);
  op = start;
  ensureMem(op + 1024);
  dumpVal(v);
  out(0);
  heapPtr = op;
  return start;
}

// ---------------------------------------------------------------- ABI exports
export function opa_malloc(n: usize): usize {
  init();
  return alloc(n);
}
export function opa_free(p: usize): void {}
export function opa_heap_ptr_get(): usize {
  init();
  return heapPtr;
}
export function opa_heap_ptr_set(p: usize): void {
  init();
  heapPtr = p;
}
export function opa_json_parse(p: usize, n: usize): usize {
  init();
  return jsonParse(p, n);
}
export function opa_value_parse(p: usize, n: usize): usize {
  init();
  return jsonParse(p, n);
}
export function opa_json_dump(v: usize): usize {
  init();
  return jsonDump(v);
}
export function opa_value_dump(v: usize): usize {
  init();
  return jsonDump(v);
}
export function builtins(): usize {
  init();
  return load<usize>(consts);
}
export function entrypoints(): usize {
  init();
  return load<usize>(consts + 4);
}

// eval context: [input, data, entrypoint, result]
export function opa_eval_ctx_new(): usize {
  init();
  return allocZ(16);
}
export function opa_eval_ctx_set_input(c: usize, v: usize): void {
  store<usize>(c, v);
}
export function opa_eval_ctx_set_data(c: usize, v: usize): void {
  store<usize>(c, v, 4);
}
export function opa_eval_ctx_set_entrypoint(c: usize, e: i32): void {
  store<i32>(c, e, 8);
}
export function opa_eval_ctx_get_result(c: usize): usize {
  return load<usize>(c, 12);
}
export function eval(c: usize): i32 {
  init();
  store<usize>(c, run(load<i32>(c, 8), load<usize>(c, 4), load<usize>(c)), 12);
  return 0;
}

export function opa_eval(
  reserved: usize,
  entry: i32,
  data: usize,
  inp: usize,
  inpLen: usize,
  hp: usize,
  format: i32,
): usize {
  init();
  heapPtr = hp;
  let input: usize = 0;
  if (inp != 0) {
    input = jsonParse(inp, inpLen);
    if (input == 0) fail('invalid input JSON');
  }
  return jsonDump(run(entry, data, input));
}

// ---------------------------------------------------------------- interpreter
// Evaluation state (changed by `with`): [input, data, overrides, gen]
let st: usize = 0;
let genCounter: i32 = 0;
let resultSet: usize = 0;
let cacheVals: usize = 0;
let cacheGens: usize = 0;
let hostCache0: usize = 0;
const UNDEF_MARK: usize = 1;

function run(entry: i32, data: usize, input: usize): usize {
  if (entry < 0 || entry >= nEntry) fail('invalid entrypoint');
  st = alloc(16);
  store<usize>(st, input);
  store<usize>(st, data == 0 ? mkColl(T_OBJ, 0) : data, 4);
  store<usize>(st, 0, 8);
  store<i32>(st, 0, 12);
  genCounter = 0;
  resultSet = mkColl(T_SET, 0);
  cacheVals = allocZ((<usize>nFuncs) << 2);
  cacheGens = allocZ((<usize>nFuncs) << 2);
  // 0-ary host builtins (time.now_ns) answer once per evaluation, like OPA
  hostCache0 = allocZ((<usize>len(load<usize>(consts))) << 2);
  const f = load<i32>(entryTable + ((<usize>entry) << 2));
  callFunc(f, 0, 0, 0);
  return resultSet;
}

function w(p: usize, i: i32): i32 {
  return load<i32>(p + ((<usize>i) << 2));
}

let curL: usize = 0;

function opnd(L: usize, o: i32): usize {
  return o >= 0
    ? load<usize>(L + ((<usize>o) << 2))
    : load<usize>(consts + ((<usize>(-o - 1)) << 2));
}
function setL(L: usize, i: i32, v: usize): void {
  store<usize>(L + ((<usize>i) << 2), v);
}

function callFunc(f: i32, argp: usize, nargs: i32, L: usize): usize {
  if (f < 0 || f >= nFuncs) fail('bad function index');
  const fe = funcTable + <usize>f * 20;
  const nparams = load<i32>(fe);
  const nlocals = load<i32>(fe, 4);
  const pathC = load<i32>(fe, 8);
  const flags = load<i32>(fe, 12);
  const body = ir + ((<usize>load<i32>(fe, 16)) << 2);
  const ovs = load<usize>(st, 8);
  let overridePath: usize = 0;
  let overrideVal: usize = 0;
  if (ovs != 0) {
    // function mocks
    let o = ovs;
    while (o != 0) {
      if (load<i32>(o, 4) == 3 && load<i32>(o, 8) == f)
        return mockResult(o, argp, nargs, L);
      o = load<usize>(o);
    }
    if (pathC != -1) {
      const rp = load<usize>(consts + ((<usize>(-pathC - 1)) << 2));
      o = ovs;
      while (o != 0) {
        if (load<i32>(o, 4) == 1) {
          const p = load<usize>(o, 12);
          const pl = len(p);
          const rl = len(rp);
          let pre = true;
          const m = pl < rl ? pl : rl;
          for (let i = 0; i < m; i++)
            if (cmp(elem(p, i), elem(rp, i)) != 0) {
              pre = false;
              break;
            }
          if (pre) {
            if (pl <= rl) {
              let v = load<usize>(o, 16);
              for (let i = pl; i < rl && v != 0; i++) v = dot(v, elem(rp, i));
              return v;
            }
            if (overridePath == 0) {
              overridePath = o;
              overrideVal = 0;
            }
          }
        }
        o = load<usize>(o);
      }
    }
  }
  const gen = load<i32>(st, 12);
  if ((flags & 1) != 0) {
    const cv = load<usize>(cacheVals + ((<usize>f) << 2));
    if (cv != 0 && load<i32>(cacheGens + ((<usize>f) << 2)) == gen)
      return cv == UNDEF_MARK ? 0 : cv;
  }
  const NL = allocZ((<usize>nlocals) << 2);
  for (let i = 0; i < nargs; i++)
    setL(NL, i, opnd(L, load<i32>(argp + ((<usize>i) << 2))));
  execBlock(body, NL);
  let r = load<usize>(NL + ((<usize>nparams) << 2));
  if (overridePath != 0 && r != 0) {
    const rp = load<usize>(consts + ((<usize>(-pathC - 1)) << 2));
    const p = load<usize>(overridePath, 12);
    r = upsert(r, p, len(rp), load<usize>(overridePath, 16));
  }
  if ((flags & 1) != 0) {
    store<usize>(cacheVals + ((<usize>f) << 2), r == 0 ? UNDEF_MARK : r);
    store<i32>(cacheGens + ((<usize>f) << 2), gen);
  }
  return r;
}

function mockResult(o: usize, argp: usize, nargs: i32, L: usize): usize {
  const mf = load<i32>(o, 20);
  if (mf == -1) return load<usize>(o, 16);
  // The replacement runs without function mocks (it may call the original; mocks do not chain).
  const saved = st;
  const ns = alloc(16);
  memory.copy(ns, st, 16);
  store<usize>(ns, withoutMocks(load<usize>(st, 8)), 8);
  store<i32>(ns, ++genCounter, 12);
  st = ns;
  const r =
    mf >= 0
      ? callFunc(mf, argp, nargs, L)
      : callBuiltin(-2 - mf, argp, nargs, L);
  st = saved;
  return r;
}

function withoutMocks(list: usize): usize {
  if (list == 0) return 0;
  const rest = withoutMocks(load<usize>(list));
  if (load<i32>(list, 4) >= 2) return rest;
  if (rest == load<usize>(list)) return list;
  const n = alloc(24);
  memory.copy(n, list, 24);
  store<usize>(n, rest);
  return n;
}

// functional update: copy of `base` with path[from..] set to v
function upsert(base: usize, path: usize, from: i32, v: usize): usize {
  if (from >= len(path)) return v;
  const k = elem(path, from);
  const o = base != 0 && tag(base) == T_OBJ ? copyColl(base) : mkColl(T_OBJ, 0);
  const cur = base != 0 && tag(base) == T_OBJ ? objGet(base, k) : 0;
  objPut(o, k, upsert(cur, path, from + 1, v), false);
  return o;
}

function dot(v: usize, k: usize): usize {
  const t = tag(v);
  if (t == T_OBJ) return objGet(v, k);
  if (t == T_ARR) {
    if (tag(k) != T_NUM) return 0;
    const x = num(k);
    const i = <i32>x;
    if (<f64>i != x || i < 0 || i >= len(v)) return 0;
    return elem(v, i);
  }
  if (t == T_SET) return findIdx(v, k) >= 0 ? k : 0;
  return 0;
}

const OP_SCAN = 1;
const OP_DOT = 2;
const OP_EQ = 3;
const OP_NEQ = 4;
const OP_ASSIGN = 5;
const OP_BLOCKS = 7;
const OP_CALL = 8;
const OP_BUILTIN = 9;
const OP_MAKE_ARRAY = 10;
const OP_MAKE_SET = 11;
const OP_MAKE_OBJECT = 12;
const OP_ARRAY_APPEND = 13;
const OP_SET_ADD = 14;
const OP_OBJ_INSERT = 15;
const OP_IS_DEFINED = 17;
const OP_IS_UNDEFINED = 18;
const OP_RESULT_ADD = 19;
const OP_NOT_FALSE = 20;
const OP_ASSIGN_ONCE = 21;
const OP_WITH = 22;
const OP_WITH_POP = 23;
const OP_CHECK = 24;
const OP_UPSERT = 25;
const OP_INPUT = 27;
const OP_DATA = 28;
const OP_RESET = 29;
const OP_MERGE = 30;

function execBlock(p: usize, L: usize): bool {
  const n = load<i32>(p, 4);
  let s = p + 8;
  const saved = st;
  let ok = true;
  for (let i = 0; i < n; i++) {
    if (!execStmt(s, L)) {
      ok = false;
      break;
    }
    s += (<usize>load<i32>(s, 4)) << 2;
  }
  st = saved;
  return ok;
}

function execStmt(s: usize, L: usize): bool {
  const o = load<i32>(s);
  switch (o) {
    case OP_SCAN: {
      const src = opnd(L, w(s, 2));
      const kl = w(s, 3);
      const vl = w(s, 4);
      const blk = s + 20;
      const t = tag(src);
      if (t == T_ARR) {
        const n = len(src);
        for (let i = 0; i < n; i++) {
          if (kl >= 0) setL(L, kl, mkNum(<f64>i));
          setL(L, vl, elem(src, i));
          execBlock(blk, L);
        }
      } else if (t == T_OBJ) {
        const n = len(src);
        for (let i = 0; i < n; i++) {
          const at = elems(src) + ((<usize>i) << 3);
          if (kl >= 0) setL(L, kl, load<usize>(at));
          setL(L, vl, load<usize>(at, 4));
          execBlock(blk, L);
        }
      } else if (t == T_SET) {
        const n = len(src);
        for (let i = 0; i < n; i++) {
          if (kl >= 0) setL(L, kl, elem(src, i));
          setL(L, vl, elem(src, i));
          execBlock(blk, L);
        }
      }
      return true;
    }
    case OP_DOT: {
      const v = opnd(L, w(s, 2));
      if (v == 0) return false;
      const r = dot(v, opnd(L, w(s, 3)));
      if (r == 0) return false;
      setL(L, w(s, 4), r);
      return true;
    }
    case OP_EQ: {
      const a = opnd(L, w(s, 2));
      const b = opnd(L, w(s, 3));
      return a != 0 && b != 0 && cmp(a, b) == 0;
    }
    case OP_NEQ: {
      const a = opnd(L, w(s, 2));
      const b = opnd(L, w(s, 3));
      return a != 0 && b != 0 && cmp(a, b) != 0;
    }
    case OP_ASSIGN: {
      const v = opnd(L, w(s, 2));
      if (v == 0) return false;
      setL(L, w(s, 3), v);
      return true;
    }
    case OP_BLOCKS: {
      const n = w(s, 2);
      let b = s + 12;
      for (let i = 0; i < n; i++) {
        execBlock(b, L);
        b += (<usize>load<i32>(b)) << 2;
      }
      return true;
    }
    case OP_CALL: {
      const r = callFunc(w(s, 2), s + 20, w(s, 4), L);
      if (r == 0) return false;
      setL(L, w(s, 3), r);
      return true;
    }
    case OP_BUILTIN: {
      const r = callBuiltin(w(s, 2), s + 20, w(s, 4), L);
      if (r == 0) return false;
      setL(L, w(s, 3), r);
      return true;
    }
    case OP_MAKE_ARRAY:
      setL(L, w(s, 2), mkColl(T_ARR, 0));
      return true;
    case OP_MAKE_SET:
      setL(L, w(s, 2), mkColl(T_SET, 0));
      return true;
    case OP_MAKE_OBJECT:
      setL(L, w(s, 2), mkColl(T_OBJ, 0));
      return true;
    case OP_ARRAY_APPEND: {
      const v = opnd(L, w(s, 3));
      if (v == 0) return false;
      arrPush(opnd(L, w(s, 2)), v);
      return true;
    }
    case OP_SET_ADD: {
      const v = opnd(L, w(s, 3));
      if (v == 0) return false;
      setAdd(opnd(L, w(s, 2)), v);
      return true;
    }
    case OP_OBJ_INSERT: {
      const k = opnd(L, w(s, 3));
      const v = opnd(L, w(s, 4));
      if (k == 0 || v == 0) return false;
      if (!objPut(opnd(L, w(s, 2)), k, v, true))
        fail('eval_conflict_error: object keys must be unique');
      return true;
    }
    case OP_IS_DEFINED:
      return opnd(L, w(s, 2)) != 0;
    case OP_IS_UNDEFINED:
      return opnd(L, w(s, 2)) == 0;
    case OP_RESULT_ADD: {
      const v = opnd(L, w(s, 2));
      if (v == 0) return false;
      const r = mkColl(T_OBJ, 1);
      objPut(r, RESULT_KEY(), v, false);
      setAdd(resultSet, r);
      return true;
    }
    case OP_NOT_FALSE: {
      const v = opnd(L, w(s, 2));
      return (
        v != 0 && v != FALSEV && !(tag(v) == T_BOOL && load<u32>(v, 4) == 0)
      );
    }
    case OP_ASSIGN_ONCE: {
      const v = opnd(L, w(s, 2));
      if (v == 0) return false;
      const t = w(s, 3);
      const cur = load<usize>(L + ((<usize>t) << 2));
      if (cur == 0) setL(L, t, v);
      else if (cmp(cur, v) != 0) {
        if (w(s, 4) == 1)
          fail(
            'eval_conflict_error: functions must not produce multiple outputs for same inputs',
          );
        fail(
          'eval_conflict_error: complete rules must not produce multiple outputs',
        );
      }
      return true;
    }
    case OP_WITH: {
      const kind = w(s, 2);
      const v = opnd(L, w(s, 4));
      if (v == 0) return false;
      setL(L, w(s, 5), st);
      const ns = alloc(16);
      memory.copy(ns, st, 16);
      store<i32>(ns, ++genCounter, 12);
      if (kind == 0) {
        store<usize>(ns, upsert(load<usize>(st), opnd(L, w(s, 3)), 0, v));
      } else {
        const node = alloc(24);
        store<usize>(node, load<usize>(st, 8));
        store<i32>(node, kind, 4);
        store<i32>(node, w(s, 6), 8);
        store<usize>(node, kind == 1 ? opnd(L, w(s, 3)) : 0, 12);
        store<usize>(node, v, 16);
        store<i32>(node, w(s, 7), 20);
        store<usize>(ns, node, 8);
        if (kind == 1)
          store<usize>(
            ns,
            upsert(load<usize>(st, 4), opnd(L, w(s, 3)), 0, v),
            4,
          );
      }
      st = ns;
      return true;
    }
    case OP_WITH_POP:
      st = opnd(L, w(s, 2));
      return true;
    case OP_CHECK: {
      const v = opnd(L, w(s, 2));
      if (v == 0) return false;
      const want = w(s, 3);
      if (want == 0) {
        const t = tag(v);
        return t == T_ARR || t == T_OBJ || t == T_SET;
      }
      if (tag(v) != <u32>want) return false;
      const n = w(s, 4);
      return n < 0 || len(v) == n;
    }
    case OP_UPSERT: {
      // target local holds an object; path (array) ; value ; mode 0 value, 1 set-add
      const tl = w(s, 2);
      const path = opnd(L, w(s, 3));
      const v = opnd(L, w(s, 4));
      if (path == 0 || v == 0) return false;
      let cur = load<usize>(L + ((<usize>tl) << 2));
      if (cur == 0) {
        cur = mkColl(T_OBJ, 0);
        setL(L, tl, cur);
      }
      const n = len(path);
      for (let i = 0; i < n - (w(s, 5) == 1 ? 0 : 1); i++) {
        const k = elem(path, i);
        let nx = tag(cur) == T_OBJ ? objGet(cur, k) : 0;
        if (nx == 0) {
          nx = i == n - 1 ? mkColl(T_SET, 0) : mkColl(T_OBJ, 0);
          if (tag(cur) != T_OBJ)
            fail('eval_conflict_error: rule path conflict');
          objPut(cur, k, nx, false);
        }
        cur = nx;
      }
      if (w(s, 5) == 1) {
        if (tag(cur) != T_SET) fail('eval_conflict_error: rule path conflict');
        setAdd(cur, v);
      } else {
        if (tag(cur) != T_OBJ) fail('eval_conflict_error: rule path conflict');
        if (!objPut(cur, elem(path, n - 1), v, true))
          fail('eval_conflict_error: object keys must be unique');
      }
      return true;
    }
    case OP_INPUT: {
      const v = load<usize>(st);
      if (v == 0) return false;
      setL(L, w(s, 2), v);
      return true;
    }
    case OP_DATA:
      setL(L, w(s, 2), load<usize>(st, 4));
      return true;
    case OP_RESET:
      setL(L, w(s, 2), 0);
      return true;
    case OP_MERGE: {
      const src = opnd(L, w(s, 3));
      if (src == 0) return true;
      const tl = w(s, 2);
      const cur = load<usize>(L + ((<usize>tl) << 2));
      setL(L, tl, merge(cur, src));
      return true;
    }
  }
  fail('bad IR opcode');
  return false;
}

function merge(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (tag(a) != T_OBJ || tag(b) != T_OBJ) return b;
  const r = copyColl(a);
  const n = len(b);
  for (let i = 0; i < n; i++) {
    const at = elems(b) + ((<usize>i) << 3);
    const k = load<usize>(at);
    objPut(r, k, merge(objGet(r, k), load<usize>(at, 4)), false);
  }
  return r;
}

function RESULT_KEY(): usize {
  // allocated per evaluation, cheap
  const s = alloc(16);
  store<u32>(s, T_STR);
  store<i32>(s, 6, 4);
  store<u8>(s + 8, 114);
  store<u8>(s + 9, 101);
  store<u8>(s + 10, 115);
  store<u8>(s + 11, 117);
  store<u8>(s + 12, 108);
  store<u8>(s + 13, 116);
  return s;
}

// ---------------------------------------------------------------- builtins
function callBuiltin(b: i32, argp: usize, nargs: i32, L: usize): usize {
  const ovs = load<usize>(st, 8);
  let o = ovs;
  while (o != 0) {
    if (load<i32>(o, 4) == 2 && load<i32>(o, 8) == b)
      return mockResult(o, argp, nargs, L);
    o = load<usize>(o);
  }
  const a0 = nargs > 0 ? opnd(L, load<i32>(argp)) : 0;
  const a1 = nargs > 1 ? opnd(L, load<i32>(argp, 4)) : 0;
  const a2 = nargs > 2 ? opnd(L, load<i32>(argp, 8)) : 0;
  const a3 = nargs > 3 ? opnd(L, load<i32>(argp, 12)) : 0;
  if (b >= 1000) {
    const h = b - 1000;
    let r: usize = 0;
    if (nargs == 0) {
      const at = hostCache0 + ((<usize>h) << 2);
      r = load<usize>(at);
      if (r == 0) {
        r = opa_builtin0(h, 0);
        store<usize>(at, r);
      }
    } else if (nargs == 1) r = opa_builtin1(h, 0, a0);
    else if (nargs == 2) r = opa_builtin2(h, 0, a0, a1);
    else if (nargs == 3) r = opa_builtin3(h, 0, a0, a1, a2);
    else r = opa_builtin4(h, 0, a0, a1, a2, a3);
    return r == 0 ? 0 : unwrapHost(r);
  }
  return native(b, a0, a1, a2);
}

// Host builtins answer {"v": value} (sets as {"$rw_set": [...]}) or {} for undefined.
function unwrapHost(r: usize): usize {
  if (tag(r) != T_OBJ || len(r) == 0) return 0;
  return decodeSets(load<usize>(elems(r), 4));
}

function isSetKey(k: usize): bool {
  // "$rw_set"
  if (tag(k) != T_STR || len(k) != 7) return false;
  const p = k + 8;
  return (
    load<u8>(p) == 36 &&
    load<u8>(p + 1) == 114 &&
    load<u8>(p + 2) == 119 &&
    load<u8>(p + 3) == 95 &&
    load<u8>(p + 4) == 115 &&
    load<u8>(p + 5) == 101 &&
    load<u8>(p + 6) == 116
  );
}

function decodeSets(v: usize): usize {
  const t = tag(v);
  if (t == T_ARR) {
    const n = len(v);
    for (let i = 0; i < n; i++)
      store<usize>(elems(v) + ((<usize>i) << 2), decodeSets(elem(v, i)));
    return v;
  }
  if (t == T_OBJ) {
    if (len(v) == 1 && isSetKey(load<usize>(elems(v)))) {
      const a = load<usize>(elems(v), 4);
      const s = mkColl(T_SET, 0);
      if (tag(a) == T_ARR)
        for (let i = 0; i < len(a); i++) setAdd(s, decodeSets(elem(a, i)));
      return s;
    }
    const n = len(v);
    const r = mkColl(T_OBJ, n);
    for (let i = 0; i < n; i++) {
      const at = elems(v) + ((<usize>i) << 3);
      objPut(
        r,
        decodeSets(load<usize>(at)),
        decodeSets(load<usize>(at, 4)),
        false,
      );
    }
    return r;
  }
  return v;
}

function isNum(v: usize): bool {
  return tag(v) == T_NUM;
}

function strHas(h: usize, n: usize, at: i32): bool {
  return memory.compare(h + 8 + <usize>at, n + 8, <usize>len(n)) == 0;
}

function typeName(v: usize): usize {
  const t = tag(v);
  // constants 2..8 in the pool are the type names (see compiler)
  return load<usize>(consts + ((<usize>(t + 1)) << 2));
}

function toColl(v: usize): bool {
  const t = tag(v);
  return t == T_ARR || t == T_SET;
}

function native(b: i32, a: usize, c: usize, d: usize): usize {
  switch (b) {
    case 0:
      return mkBool(cmp(a, c) == 0);
    case 1:
      return mkBool(cmp(a, c) != 0);
    case 2:
      return mkBool(cmp(a, c) < 0);
    case 3:
      return mkBool(cmp(a, c) <= 0);
    case 4:
      return mkBool(cmp(a, c) > 0);
    case 5:
      return mkBool(cmp(a, c) >= 0);
    case 6:
      return isNum(a) && isNum(c) ? mkNum(num(a) + num(c)) : 0;
    case 7: {
      if (isNum(a) && isNum(c)) return mkNum(num(a) - num(c));
      if (tag(a) == T_SET && tag(c) == T_SET) {
        const r = mkColl(T_SET, 0);
        for (let i = 0; i < len(a); i++)
          if (findIdx(c, elem(a, i)) < 0) arrPush(r, elem(a, i));
        return r;
      }
      return 0;
    }
    case 8:
      return isNum(a) && isNum(c) ? mkNum(num(a) * num(c)) : 0;
    case 9: {
      if (!isNum(a) || !isNum(c)) return 0;
      if (num(c) == 0) return 0; // builtin error: undefined (non-strict)
      return mkNum(num(a) / num(c));
    }
    case 10: {
      if (!isNum(a) || !isNum(c)) return 0;
      const x = num(a);
      const y = num(c);
      if (x != Math.floor(x) || y != Math.floor(y) || y == 0) return 0;
      return mkNum(x % y);
    }
    case 11: {
      const t = tag(a);
      if (t == T_STR) {
        let n = 0;
        for (let i = 0; i < len(a); i++)
          if ((load<u8>(a + 8 + <usize>i) & 0xc0) != 0x80) n++;
        return mkNum(<f64>n);
      }
      if (t == T_ARR || t == T_SET || t == T_OBJ) return mkNum(<f64>len(a));
      return 0;
    }
    case 12:
    case 13: {
      if (!toColl(a)) return 0;
      let r: f64 = b == 12 ? 0 : 1;
      for (let i = 0; i < len(a); i++) {
        const e = elem(a, i);
        if (!isNum(e)) return 0;
        r = b == 12 ? r + num(e) : r * num(e);
      }
      return mkNum(r);
    }
    case 14:
    case 15: {
      if (!toColl(a) || len(a) == 0) return 0;
      let r = elem(a, 0);
      for (let i = 1; i < len(a); i++) {
        const e = elem(a, i);
        const k = cmp(e, r);
        if (b == 14 ? k > 0 : k < 0) r = e;
      }
      return r;
    }
    case 16: {
      if (!toColl(a)) return 0;
      const r = copyColl(a);
      store<u32>(r, T_ARR);
      if (tag(a) == T_ARR) {
        // insertion sort
        const e = elems(r);
        for (let i = 1; i < len(r); i++) {
          const x = load<usize>(e + ((<usize>i) << 2));
          let j = i - 1;
          while (j >= 0 && cmp(load<usize>(e + ((<usize>j) << 2)), x) > 0) {
            store<usize>(
              e + ((<usize>(j + 1)) << 2),
              load<usize>(e + ((<usize>j) << 2)),
            );
            j--;
          }
          store<usize>(e + ((<usize>(j + 1)) << 2), x);
        }
      }
      return r;
    }
    case 17:
      return isNum(a) ? mkNum(Math.abs(num(a))) : 0;
    case 18: {
      if (!isNum(a)) return 0;
      const x = num(a);
      return mkNum(x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));
    }
    case 19:
      return isNum(a) ? mkNum(Math.ceil(num(a))) : 0;
    case 20:
      return isNum(a) ? mkNum(Math.floor(num(a))) : 0;
    case 21: {
      if (tag(a) != T_SET || tag(c) != T_SET) return 0;
      const r = mkColl(T_SET, 0);
      for (let i = 0; i < len(a); i++)
        if (findIdx(c, elem(a, i)) >= 0) arrPush(r, elem(a, i));
      return r;
    }
    case 22: {
      if (tag(a) != T_SET || tag(c) != T_SET) return 0;
      const r = copyColl(a);
      for (let i = 0; i < len(c); i++) setAdd(r, elem(c, i));
      return r;
    }
    case 23:
      return mkBool(member(a, c, 0));
    case 24:
      return mkBool(member(c, d, a));
    case 25: {
      // concat(delim, coll)
      if (tag(a) != T_STR || !toColl(c)) return 0;
      let total = 0;
      for (let i = 0; i < len(c); i++) {
        const e = elem(c, i);
        if (tag(e) != T_STR) return 0;
        total += len(e) + (i > 0 ? len(a) : 0);
      }
      const r = alloc(8 + <usize>total);
      store<u32>(r, T_STR);
      store<i32>(r, total, 4);
      let p = r + 8;
      for (let i = 0; i < len(c); i++) {
        if (i > 0) {
          memory.copy(p, a + 8, <usize>len(a));
          p += <usize>len(a);
        }
        const e = elem(c, i);
        memory.copy(p, e + 8, <usize>len(e));
        p += <usize>len(e);
      }
      return r;
    }
    case 26:
    case 27:
    case 28: {
      if (tag(a) != T_STR || tag(c) != T_STR) return 0;
      const la = len(a);
      const lc = len(c);
      if (lc > la) return FALSEV;
      if (b == 26) return mkBool(strHas(a, c, 0));
      if (b == 27) return mkBool(strHas(a, c, la - lc));
      for (let i = 0; i <= la - lc; i++) if (strHas(a, c, i)) return TRUEV;
      return FALSEV;
    }
    case 29:
    case 30: {
      if (tag(a) != T_STR) return 0;
      // ASCII only: undefined for other text, which the planner then sends to the host
      const r = mkStr(a + 8, len(a));
      for (let i = 0; i < len(a); i++) {
        const ch = load<u8>(r + 8 + <usize>i);
        if (ch >= 128) return 0;
        if (b == 29 && ch >= 65 && ch <= 90)
          store<u8>(r + 8 + <usize>i, ch + 32);
        if (b == 30 && ch >= 97 && ch <= 122)
          store<u8>(r + 8 + <usize>i, ch - 32);
      }
      return r;
    }
    case 31:
      return mkBool(tag(a) == T_NUM);
    case 32:
      return mkBool(tag(a) == T_STR);
    case 33:
      return mkBool(tag(a) == T_BOOL);
    case 34:
      return mkBool(tag(a) == T_ARR);
    case 35:
      return mkBool(tag(a) == T_SET);
    case 36:
      return mkBool(tag(a) == T_OBJ);
    case 37:
      return mkBool(tag(a) == T_NULL);
    case 38:
      return typeName(a);
    case 39: {
      // object.get(obj, key, default)
      if (tag(a) != T_OBJ) return 0;
      if (tag(c) == T_ARR) {
        let v = a;
        for (let i = 0; i < len(c) && v != 0; i++) v = dot(v, elem(c, i));
        return v == 0 ? d : v;
      }
      const v = objGet(a, c);
      return v == 0 ? d : v;
    }
    case 40: {
      if (tag(a) != T_ARR || tag(c) != T_ARR) return 0;
      const r = copyColl(a);
      for (let i = 0; i < len(c); i++) arrPush(r, elem(c, i));
      return r;
    }
    case 41:
    case 42: {
      if (tag(a) != T_SET) return 0;
      if (len(a) == 0) return mkColl(T_SET, 0);
      let r = elem(a, 0);
      if (tag(r) != T_SET) return 0;
      for (let i = 1; i < len(a); i++) {
        const e = elem(a, i);
        if (tag(e) != T_SET) return 0;
        r = native(b == 41 ? 21 : 22, r, e, 0);
      }
      return r;
    }
    case 43: {
      if (tag(a) != T_OBJ) return 0;
      const r = mkColl(T_SET, len(a));
      for (let i = 0; i < len(a); i++)
        arrPush(r, load<usize>(elems(a) + ((<usize>i) << 3)));
      return r;
    }
    case 44: {
      // array.slice(arr, start, stop)
      if (tag(a) != T_ARR || !isNum(c) || !isNum(d)) return 0;
      let i0 = <i32>num(c);
      let i1 = <i32>num(d);
      if (i0 < 0) i0 = 0;
      if (i1 > len(a)) i1 = len(a);
      const r = mkColl(T_ARR, 0);
      for (let i = i0; i < i1; i++) arrPush(r, elem(a, i));
      return r;
    }
    case 45: {
      // numbers.range(a, b)
      if (!isNum(a) || !isNum(c)) return 0;
      const x = num(a);
      const y = num(c);
      if (x != Math.floor(x) || y != Math.floor(y)) return 0; // builtin error: undefined (non-strict)
      const r = mkColl(T_ARR, 0);
      if (x <= y) for (let i = x; i <= y; i++) arrPush(r, mkNum(i));
      else for (let i = x; i >= y; i--) arrPush(r, mkNum(i));
      return r;
    }
    case 46: {
      // unary minus
      return isNum(a) ? mkNum(-num(a)) : 0;
    }
    case 47: {
      // to_number for numbers/booleans/null; strings go to the host
      const t = tag(a);
      if (t == T_NUM) return a;
      if (t == T_NULL) return mkNum(0);
      if (t == T_BOOL) return mkNum(load<u32>(a, 4) ? 1 : 0);
      if (t == T_STR) {
        const tmp = alloc(8);
        const e = a + 8 + <usize>len(a);
        const p = parseNumber(a + 8, e, tmp);
        if (p == 0 || p != e) return 0; // builtin error: undefined (non-strict)
        return mkNum(load<f64>(tmp));
      }
      return 0;
    }
    case 48: {
      // internal: object union (shallow) for | on objects is not Rego; used for object.union
      if (tag(a) != T_OBJ || tag(c) != T_OBJ) return 0;
      return mergeUnion(a, c);
    }
  }
  fail('unknown native builtin');
  return 0;
}

function mergeUnion(a: usize, b: usize): usize {
  const r = copyColl(a);
  for (let i = 0; i < len(b); i++) {
    const at = elems(b) + ((<usize>i) << 3);
    const k = load<usize>(at);
    const bv = load<usize>(at, 4);
    const av = objGet(r, k);
    objPut(
      r,
      k,
      av != 0 && tag(av) == T_OBJ && tag(bv) == T_OBJ ? mergeUnion(av, bv) : bv,
      false,
    );
  }
  return r;
}

function member(x: usize, c: usize, key: usize): bool {
  const t = tag(c);
  if (key != 0) {
    if (t == T_SET) return cmp(key, x) == 0 && findIdx(c, x) >= 0;
    const v = dot(c, key);
    return v != 0 && cmp(v, x) == 0;
  }
  if (t == T_SET) return findIdx(c, x) >= 0;
  if (t == T_ARR) {
    for (let i = 0; i < len(c); i++) if (cmp(elem(c, i), x) == 0) return true;
    return false;
  }
  if (t == T_OBJ) {
    for (let i = 0; i < len(c); i++)
      if (cmp(load<usize>(elems(c) + ((<usize>i) << 3), 4), x) == 0)
        return true;
  }
  return false;
}
