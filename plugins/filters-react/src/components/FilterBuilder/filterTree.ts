import {
  FilterGroup,
  FilterNode,
  FilterRule,
  Operator,
  ResolvedField,
  valueKindOf,
} from '@internal/plugin-filters-common';

/** Indexes from the root group down to a node. */
export type Path = number[];

/** The validator's path prefix of a node, e.g. `rules[1].rules[0]`. */
export function pathKey(path: Path): string {
  return path.map(i => `rules[${i}]`).join('.');
}

/** A copy of the group with the node at `path` replaced (or removed when `fn` returns undefined). */
export function updateAt(
  group: FilterGroup,
  path: Path,
  fn: (node: FilterNode) => FilterNode | undefined,
): FilterGroup {
  if (path.length === 0) return fn(group) as FilterGroup;
  const [head, ...rest] = path;
  const rules = [...group.rules];
  const child = rules[head];
  const next =
    rest.length === 0 ? fn(child) : updateAt(child as FilterGroup, rest, fn);
  if (next === undefined) rules.splice(head, 1);
  else rules[head] = next;
  return { ...group, rules };
}

/** A value of the right kind for a new rule or a changed operator. */
export function defaultValue(
  field: ResolvedField,
  operator: Operator,
): FilterRule['value'] {
  switch (valueKindOf(operator)) {
    case 'none':
      return undefined;
    case 'relative':
    case 'timeBound':
      return { amount: 7, unit: 'days' };
    case 'list':
      return field.values?.length ? [field.values[0]] : [];
    case 'pair':
      return field.type === 'number' ? [0, 100] : ['', ''];
    default:
      if (field.type === 'boolean') return true;
      if (field.values?.length) return field.values[0];
      return field.type === 'number' ? 0 : '';
  }
}
