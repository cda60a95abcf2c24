/*
 * Plans parsed Rego modules into the block/statement IR (ir.ts).
 *
 * Every rule tree node (complete rule, multi-value/partial rule, function, or
 * a package/prefix containing rules) becomes one IR function. Bodies are
 * planned in order after a safety reordering; iteration (`x[_]`, `some .. in`)
 * opens a SCAN whose block receives the rest of the body, like OPA's planner.
 */
import { RegoCompileError } from '../errors';
import { Module } from '../parser';
import { HOST_PREFIX } from '../builtins';
import { entryFunc, queryFunc, checkRecursion } from './rules';
import { Planner, PlanOptions, PlanResult } from './Planner';

export type { PlanOptions, PlanResult } from './Planner';

export function plan(modules: Module[], opts: PlanOptions): PlanResult {
  const planner = new Planner(modules);
  const names: string[] = [];
  const entry: number[] = [];
  for (const ep of opts.entrypoints) {
    const path = ep.split('/').filter(Boolean);
    names.push(ep);
    entry.push(entryFunc(planner, ep, path));
  }
  for (const q of opts.queries ?? []) {
    names.push(q.name);
    entry.push(queryFunc(planner, q.name, q.body));
  }
  while (planner.queue.length) planner.queue.shift()!();
  checkRecursion(planner);
  if (planner.errors.length) throw new RegoCompileError(planner.errors);
  const epMap: Record<string, number> = {};
  names.forEach((n, i) => (epMap[n] = i));
  const bMap: Record<string, number> = {};
  planner.hostList.forEach((n, i) => (bMap[HOST_PREFIX + n] = i));
  planner.consts[0] = bMap;
  planner.consts[1] = epMap;
  return {
    program: {
      funcs: planner.funcs,
      entrypoints: entry,
      consts: planner.consts,
    },
    entrypointNames: names,
    hostBuiltins: planner.hostList,
  };
}
