import { ResolvedField } from '@internal/plugin-filters-common';

/** Turns the text of an input into a value of the field type (kept as text when it does not parse). */
export function parseScalar(field: ResolvedField, text: string): unknown {
  if (field.type === 'number')
    return text.trim() !== '' && !Number.isNaN(Number(text))
      ? Number(text)
      : text;
  if (field.type === 'boolean') return text === 'true';
  if (field.type === 'timestamp') {
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : text;
  }
  return text;
}

/** ISO timestamp → the value of a datetime-local input, in local time. */
export function toLocalInput(iso: unknown): string {
  const ms = Date.parse(String(iso));
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
