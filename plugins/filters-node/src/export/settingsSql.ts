/** Prefix of the transaction-local settings that carry an export's values. */
export const EXPORT_SETTING_PREFIX = 'filters_export.p';

function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A binding as the text `current_setting` returns; the statement casts it back. */
export function settingText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return `{${value.map(arrayElement).join(',')}}`;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * Rewrites `$n` placeholders into `current_setting('filters_export.p<n>')`: COPY takes no
 * bind parameters, so values travel as transaction-local settings set by a bound
 * `set_config` call and never enter the statement text. Every placeholder the compiler emits
 * is followed by a cast (`$1::uuid`), which now applies to the setting's text.
 */
export function withSettingPlaceholders(sql: string): string {
  return sql.replace(
    /\$(\d+)/g,
    (_, n) => `current_setting('${EXPORT_SETTING_PREFIX}${n}')`,
  );
}

/** `SELECT set_config('filters_export.p1', $1, true), …` with the values as bindings. */
export function setConfigStatement(bindings: unknown[]): {
  text: string;
  values: (string | null)[];
} {
  return {
    text: `SELECT ${bindings
      .map(
        (_, i) =>
          `set_config('${EXPORT_SETTING_PREFIX}${i + 1}', $${i + 1}, true)`,
      )
      .join(', ')}`,
    values: bindings.map(settingText),
  };
}
