const NUL = String.fromCharCode(0);

/**
 * A copy of a JSON value without U+0000 in any string or key: Postgres text and jsonb
 * refuse it ("unsupported Unicode escape sequence"), which would block the row forever.
 */
export function stripNul<T>(value: T): T {
  if (typeof value === 'string') return value.split(NUL).join('') as T;
  if (Array.isArray(value)) return value.map(v => stripNul(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k.split(NUL).join('')] = stripNul(v);
    }
    return out as T;
  }
  return value;
}
