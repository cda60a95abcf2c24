/*
 * Ground terms (no variables) as JSON constants.
 */
import { Term } from '../parser';

export function isGroundJSON(t: Term): boolean {
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

export function toJSON(t: Term): unknown {
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
