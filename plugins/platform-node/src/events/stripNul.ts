const NUL = String.fromCharCode(0);

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const k of Object.keys(value)) {
      if (k.includes(NUL) || hasNul((value as Record<string, unknown>)[k]))
        return true;
    }
  }
  return false;
}

function strip<T>(value: T): T {
  if (typeof value === 'string') return value.split(NUL).join('') as T;
  if (Array.isArray(value)) return value.map(v => strip(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k.split(NUL).join('')] = strip(v);
    }
    return out as T;
  }
  return value;
}

/**
 * A JSON value without U+0000 in any string or key: Postgres text and jsonb refuse it
 * ("unsupported Unicode escape sequence"), which would block the row forever. A copy when
 * there was one to strip; otherwise the value itself (the common case: a read-only walk
 * instead of a deep copy on every event).
 */
export function stripNul<T>(value: T): T {
  return hasNul(value) ? strip(value) : value;
}
