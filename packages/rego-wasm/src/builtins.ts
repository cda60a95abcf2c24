/*
 * Builtin registry shared by the planner: natives run inside the wasm runtime
 * (ids in the order of runtime/index.ts `native()`), the rest are host builtins
 * reached through opa_builtinN under private names (see host-builtins.ts).
 */
import { hostBuiltins } from './host-builtins';

/** [name, arity] in runtime id order. */
const NATIVE: [string, number][] = [
  ['equal', 2],
  ['neq', 2],
  ['lt', 2],
  ['lte', 2],
  ['gt', 2],
  ['gte', 2],
  ['plus', 2],
  ['minus', 2],
  ['mul', 2],
  ['div', 2],
  ['rem', 2],
  ['count', 1],
  ['sum', 1],
  ['product', 1],
  ['max', 1],
  ['min', 1],
  ['sort', 1],
  ['abs', 1],
  ['round', 1],
  ['ceil', 1],
  ['floor', 1],
  ['and', 2],
  ['or', 2],
  ['internal.member_2', 2],
  ['internal.member_3', 3],
  ['concat', 2],
  ['startswith', 2],
  ['endswith', 2],
  ['contains', 2],
  ['__ascii_lower', 1], // ASCII fast path of lower/upper; other text goes to the host
  ['__ascii_upper', 1],
  ['is_number', 1],
  ['is_string', 1],
  ['is_boolean', 1],
  ['is_array', 1],
  ['is_set', 1],
  ['is_object', 1],
  ['is_null', 1],
  ['type_name', 1],
  ['object.get', 3],
  ['array.concat', 2],
  ['intersection', 1],
  ['union', 1],
  ['object.keys', 1],
  ['array.slice', 3],
  ['numbers.range', 2],
  ['neg', 1],
  ['to_number', 1],
  ['object.union', 2],
];

export interface BuiltinInfo {
  name: string;
  arity: number;
  native: boolean;
  id: number; // native id (host builtins get ids per program)
}

const registry = new Map<string, BuiltinInfo>();
NATIVE.forEach(([name, arity], id) =>
  registry.set(name, { name, arity, native: true, id }),
);
for (const [name, impl] of Object.entries(hostBuiltins)) {
  if (!registry.has(name))
    registry.set(name, { name, arity: impl.length, native: false, id: -1 });
}

export function lookupBuiltin(name: string): BuiltinInfo | undefined {
  return registry.get(name);
}

/** Prefix of the private names host builtins are registered under. */
export const HOST_PREFIX = 'rego_wasm.';
