// Host imports. AssemblyScript imports a declared function from the module named after its
// file, so declaring them in env.ts yields exactly env.opa_abort and env.opa_builtin0..4.
export declare function opa_abort(addr: usize): void;
export declare function opa_builtin0(id: i32, ctx: usize): usize;
export declare function opa_builtin1(id: i32, ctx: usize, a: usize): usize;
export declare function opa_builtin2(
  id: i32,
  ctx: usize,
  a: usize,
  b: usize,
): usize;
export declare function opa_builtin3(
  id: i32,
  ctx: usize,
  a: usize,
  b: usize,
  c: usize,
): usize;
export declare function opa_builtin4(
  id: i32,
  ctx: usize,
  a: usize,
  b: usize,
  c: usize,
  d: usize,
): usize;
