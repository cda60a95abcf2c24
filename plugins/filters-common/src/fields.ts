import { OPERATORS_BY_TYPE } from './operators';
import {
  DatasetDescription,
  DatasetField,
  Operator,
  ScalarFieldType,
} from './types';

/** A rule's field resolved against a dataset: a column, or a declared path of a jsonb column. */
export interface ResolvedField {
  /** The name used in rules, e.g. `country` or `properties.browser`. */
  name: string;
  field: DatasetField;
  /** Path segments inside a jsonb column; undefined for a plain column. */
  jsonPath?: string[];
  type: ScalarFieldType;
  operators: readonly Operator[];
  values?: string[];
  dataClass?: string;
  nullable: boolean;
  label: string;
}

export type FieldResolution =
  | { ok: true; resolved: ResolvedField }
  | { ok: false; message: string };

export function resolveField(
  dataset: DatasetDescription,
  name: string,
): FieldResolution {
  const direct = dataset.fields.find(f => f.name === name);
  if (direct && direct.type !== 'jsonb') {
    return {
      ok: true,
      resolved: {
        name,
        field: direct,
        type: direct.type,
        operators: direct.operators.length
          ? direct.operators
          : OPERATORS_BY_TYPE[direct.type],
        values: direct.values,
        dataClass: direct.dataClass,
        nullable: direct.nullable,
        label: direct.label,
      },
    };
  }
  if (direct && direct.type === 'jsonb') {
    const paths = Object.keys(direct.paths ?? {});
    return {
      ok: false,
      message: `"${name}" is a jsonb field: address one of its declared paths (${paths
        .map(p => `${name}.${p}`)
        .join(', ')})`,
    };
  }
  const dot = name.indexOf('.');
  if (dot > 0) {
    const column = dataset.fields.find(f => f.name === name.slice(0, dot));
    if (column && column.type === 'jsonb') {
      const pathKey = name.slice(dot + 1);
      const declared = Object.prototype.hasOwnProperty.call(
        column.paths ?? {},
        pathKey,
      )
        ? column.paths![pathKey]
        : undefined;
      if (!declared) {
        return {
          ok: false,
          message: `path "${pathKey}" is not declared for jsonb field "${
            column.name
          }" (allowed: ${Object.keys(column.paths ?? {}).join(', ')})`,
        };
      }
      return {
        ok: true,
        resolved: {
          name,
          field: column,
          jsonPath: declared.path,
          type: declared.type,
          operators: OPERATORS_BY_TYPE[declared.type],
          values: declared.values,
          dataClass: column.dataClass,
          nullable: true,
          label: declared.label ?? `${column.label} › ${pathKey}`,
        },
      };
    }
  }
  return {
    ok: false,
    message: `unknown field "${truncate(
      name,
    )}" (allowed: ${filterableFieldNames(dataset).join(', ')})`,
  };
}

/** Every name a rule may use: plain columns and the declared jsonb paths. */
export function filterableFieldNames(dataset: DatasetDescription): string[] {
  return dataset.fields.flatMap(f =>
    f.type === 'jsonb'
      ? Object.keys(f.paths ?? {}).map(p => `${f.name}.${p}`)
      : [f.name],
  );
}

export function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
