import {
  FilterGroup,
  FilterNode,
  isFilterGroup,
  RelativeTime,
  TIME_UNIT_MS,
} from '@internal/plugin-filters-common';

const HOUR_MS = 3_600_000;

function log2Bucket(n: number): number {
  return n <= 1 ? 0 : Math.floor(Math.log2(n));
}

function timeClass(value: unknown, now: Date): string {
  if (typeof value === 'object' && value !== null && 'unit' in value) {
    const r = value as RelativeTime;
    return `r${log2Bucket((r.amount * TIME_UNIT_MS[r.unit]) / HOUR_MS)}`;
  }
  const t = Date.parse(String(value));
  if (Number.isNaN(t)) return 't?';
  const hours = (now.getTime() - t) / HOUR_MS;
  return `${hours < 0 ? 'f' : 'p'}${log2Bucket(Math.abs(hours))}`;
}

function scalarClass(value: unknown, now: Date, isTime: boolean): string {
  if (isTime) return timeClass(value, now);
  if (typeof value === 'number') {
    if (value === 0) return 'n0';
    return `n${value < 0 ? '-' : '+'}${Math.floor(
      Math.log10(Math.abs(value)),
    )}`;
  }
  return 'v';
}

function nodeClass(
  node: FilterNode,
  now: Date,
  isTimeField: (field: string) => boolean,
): string {
  if (isFilterGroup(node))
    return `(${node.rules.map(n => nodeClass(n, now, isTimeField)).join(',')})`;
  const isTime = isTimeField(node.field);
  const v = node.value;
  if (Array.isArray(v)) {
    if (node.operator === 'between')
      return `[${v.map(x => scalarClass(x, now, isTime)).join(':')}]`;
    // Short lists behave alike; long ones are bucketed by size.
    return v.length <= 8 ? 'l' : `L${log2Bucket(v.length)}`;
  }
  return v === undefined ? '-' : scalarClass(v, now, isTime);
}

/**
 * A coarse class of a filter's values: time spans by power-of-two hours, numbers by sign and
 * order of magnitude, lists by size. Two filters of one shape in one class cost about the same
 * on one tenant; a cost verdict is reused only within the same tenant and class.
 */
export function valueClassOf(
  filter: FilterGroup,
  now: Date,
  isTimeField: (field: string) => boolean,
): string {
  return nodeClass(filter, now, isTimeField);
}
