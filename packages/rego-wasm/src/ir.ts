/*
 * The planner IR (blocks of statements, like OPA's planner output) and its
 * binary encoding, which the AssemblyScript runtime interprets.
 * Keep opcodes and layouts in sync with runtime/index.ts.
 */

export const OP = {
  SCAN: 1, // src, keyLocal, valLocal, block
  DOT: 2, // src, key, target
  EQ: 3, // a, b
  NEQ: 4, // a, b
  ASSIGN: 5, // src, target
  BLOCKS: 7, // n, blocks...
  CALL: 8, // func, target, nargs, args...
  BUILTIN: 9, // builtin, target, nargs, args...
  MAKE_ARRAY: 10, // target
  MAKE_SET: 11, // target
  MAKE_OBJECT: 12, // target
  ARRAY_APPEND: 13, // array, value
  SET_ADD: 14, // set, value
  OBJ_INSERT: 15, // object, key, value
  IS_DEFINED: 17, // local
  IS_UNDEFINED: 18, // local
  RESULT_ADD: 19, // value
  NOT_FALSE: 20, // value
  ASSIGN_ONCE: 21, // src, target, kind (0 rule, 1 function)
  WITH: 22, // kind, path, value, saveLocal, key, mockFunc
  WITH_POP: 23, // saveLocal
  CHECK: 24, // value, typeTag, length (-1 any)
  UPSERT: 25, // targetLocal, path, value, mode (0 value, 1 set element)
  INPUT: 27, // target
  DATA: 28, // target
  RESET: 29, // local
  MERGE: 30, // targetLocal, src
} as const;

export const TYPE = {
  null: 1,
  boolean: 2,
  number: 3,
  string: 4,
  array: 5,
  object: 6,
  set: 7,
} as const;

export interface Block {
  stmts: Stmt[];
}

export interface Stmt {
  op: number;
  args: number[];
  blocks?: Block[];
}

export interface FuncDef {
  name: string;
  nparams: number;
  nlocals: number;
  pathConst: number; // operand of a constant array path, or -1
  cacheable: boolean;
  block: Block;
}

export interface Program {
  funcs: FuncDef[];
  entrypoints: number[]; // function index per entrypoint
  consts: unknown[];
}

function encodeBlock(b: Block, out: number[]) {
  const start = out.length;
  out.push(0, b.stmts.length);
  for (const s of b.stmts) {
    const sStart = out.length;
    out.push(s.op, 0, ...s.args);
    if (s.op === OP.BLOCKS) {
      for (const nb of s.blocks ?? []) encodeBlock(nb, out);
    } else if (s.blocks) {
      for (const nb of s.blocks) encodeBlock(nb, out);
    }
    out[sStart + 1] = out.length - sStart;
  }
  out[start] = out.length - start;
}

/** Serialises a program: header, function table, entrypoints, code, then the JSON constant pool. */
export function encodeProgram(p: Program): Uint8Array {
  const words: number[] = [
    1,
    p.funcs.length,
    0,
    p.entrypoints.length,
    0,
    0,
    0,
    0,
  ];
  words[2] = words.length;
  const tableAt = words.length;
  for (let i = 0; i < p.funcs.length; i++) words.push(0, 0, 0, 0, 0);
  words[4] = words.length;
  words.push(...p.entrypoints);
  p.funcs.forEach((f, i) => {
    const at = tableAt + i * 5;
    words[at] = f.nparams;
    words[at + 1] = f.nlocals;
    words[at + 2] = f.pathConst;
    words[at + 3] = f.cacheable ? 1 : 0;
    words[at + 4] = words.length;
    encodeBlock(f.block, words);
  });
  const json = new TextEncoder().encode(JSON.stringify(p.consts));
  words[5] = words.length * 4;
  words[6] = json.length;
  const buf = new Uint8Array(words.length * 4 + json.length);
  const dv = new DataView(buf.buffer);
  words.forEach((w, i) => dv.setInt32(i * 4, w, true));
  buf.set(json, words.length * 4);
  return buf;
}
