import { Config } from '@backstage/config';
import {
  DatasetDescription,
  DatasetField,
  FieldType,
  JsonPathField,
  Operator,
  OPERATORS_BY_TYPE,
  ScalarFieldType,
} from '@internal/plugin-filters-common';

/** TLS settings node-postgres passes to `tls.connect` (`true` = TLS with default checks). */
export type PgSslConfig =
  | boolean
  | {
      rejectUnauthorized?: boolean;
      ca?: string;
      cert?: string;
      key?: string;
      servername?: string;
    };

/** node-postgres connection settings. */
export interface PgConnectionConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl?: PgSslConfig;
}

/** A dataset field with its storage column (server side only). */
export interface DatasetFieldDefinition extends DatasetField {
  column: string;
}

/** A dataset as the engine needs it: the public description plus storage details. */
export interface DatasetDefinition {
  id: string;
  title: string;
  description?: string;
  /** Table or view, optionally schema-qualified (`schema.table`). */
  table: string;
  /** Table whose pg_stat_xact_user_tables counters measure rows scanned (default: table). */
  statsTable: string;
  tenantColumn: string;
  primaryKey: string;
  defaultOrder: { field: string; direction: 'asc' | 'desc' };
  costThreshold: number;
  statementTimeoutMs: number;
  shapeCacheTtlMs: number;
  connection: PgConnectionConfig;
  replica?: { connection: PgConnectionConfig; maxLagSeconds: number };
  fields: DatasetFieldDefinition[];
}

export const DEFAULT_COST_THRESHOLD = 100_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
export const DEFAULT_SHAPE_CACHE_TTL_SECONDS = 300;
export const DEFAULT_MAX_REPLICA_LAG_SECONDS = 30;

const IDENT_RE = /^[a-z_][a-z0-9_]{0,62}$/;
const FIELD_TYPES: FieldType[] = [
  'string',
  'number',
  'boolean',
  'timestamp',
  'uuid',
  'enum',
  'jsonb',
];

function identifier(value: string, key: string, allowSchema = false): string {
  const parts = allowSchema ? value.split('.') : [value];
  if (parts.length > 2 || !parts.every(p => IDENT_RE.test(p))) {
    throw new Error(
      `${key}: "${value}" is not a plain lower-case SQL identifier`,
    );
  }
  return value;
}

function readConnection(
  config: Config | undefined,
  key: string,
): PgConnectionConfig {
  if (!config) throw new Error(`${key} is missing`);
  const connection: PgConnectionConfig = {
    host: config.getString('host'),
    port: Number(config.get('port')),
    user: config.getString('user'),
    password: config.getString('password'),
    database: config.getString('database'),
  };
  const ssl = readSsl(config);
  if (ssl !== undefined) connection.ssl = ssl;
  return connection;
}

function readSsl(config: Config): PgSslConfig | undefined {
  const value = config.getOptional('ssl');
  if (value === undefined || typeof value === 'boolean') return value;
  const ssl = config.getConfig('ssl');
  const out: Exclude<PgSslConfig, boolean> = {};
  const rejectUnauthorized = ssl.getOptionalBoolean('rejectUnauthorized');
  if (rejectUnauthorized !== undefined)
    out.rejectUnauthorized = rejectUnauthorized;
  for (const k of ['ca', 'cert', 'key', 'servername'] as const) {
    const v = ssl.getOptionalString(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** `connection: product` (default) names platform.productDatabase.connection. */
function connectionAt(
  root: Config,
  dataset: Config,
  key: string,
  prefix: string,
): PgConnectionConfig {
  const value = dataset.getOptional(key);
  if (value === undefined || value === 'product') {
    return readConnection(
      root.getOptionalConfig('platform.productDatabase.connection'),
      'platform.productDatabase.connection',
    );
  }
  return readConnection(dataset.getConfig(key), `${prefix}.${key}`);
}

function readField(
  name: string,
  config: Config,
  prefix: string,
): DatasetFieldDefinition {
  identifier(name, prefix);
  const type = config.getString('type') as FieldType;
  if (!FIELD_TYPES.includes(type)) {
    throw new Error(
      `${prefix}.type: "${type}" is not one of ${FIELD_TYPES.join(', ')}`,
    );
  }
  const operators = (config.getOptionalStringArray('operators') ??
    []) as Operator[];
  if (type !== 'jsonb') {
    const allowed = OPERATORS_BY_TYPE[type];
    for (const op of operators) {
      if (!allowed.includes(op))
        throw new Error(
          `${prefix}.operators: "${op}" is not valid for ${type}`,
        );
    }
  }
  let paths: Record<string, JsonPathField> | undefined;
  if (type === 'jsonb') {
    const pathsConfig = config.getOptionalConfig('paths');
    paths = {};
    for (const key of pathsConfig?.keys() ?? []) {
      const p = pathsConfig!.getConfig(key);
      const pathType = p.getString('type') as ScalarFieldType;
      if (
        !FIELD_TYPES.includes(pathType) ||
        (pathType as FieldType) === 'jsonb'
      ) {
        throw new Error(
          `${prefix}.paths.${key}.type: "${pathType}" is not a scalar type`,
        );
      }
      paths[key] = {
        path: p.getOptionalStringArray('path') ?? key.split('.'),
        type: pathType,
        label: p.getOptionalString('label'),
        values: p.getOptionalStringArray('values'),
      };
    }
  }
  return {
    name,
    column: identifier(
      config.getOptionalString('column') ?? name,
      `${prefix}.column`,
    ),
    label: config.getOptionalString('label') ?? name,
    type,
    operators,
    indexed: config.getOptionalBoolean('indexed') ?? false,
    dataClass: config.getOptionalString('dataClass'),
    values: config.getOptionalStringArray('values'),
    nullable: config.getOptionalBoolean('nullable') ?? true,
    paths,
  };
}

/** Reads `platform.datasets` (see filters-backend config.d.ts). Throws on a bad definition. */
export function readDatasets(root: Config): DatasetDefinition[] {
  const datasets = root.getOptionalConfig('platform.datasets');
  if (!datasets) return [];
  return datasets.keys().map(id => {
    const prefix = `platform.datasets.${id}`;
    const c = datasets.getConfig(id);
    const fieldsConfig = c.getConfig('fields');
    const fields = fieldsConfig
      .keys()
      .map(name =>
        readField(
          name,
          fieldsConfig.getConfig(name),
          `${prefix}.fields.${name}`,
        ),
      );
    const order = c.getOptionalConfig('defaultOrder');
    const defaultOrder = {
      field: order?.getString('field') ?? fields[0].name,
      direction: (order?.getOptionalString('direction') ?? 'desc') as
        | 'asc'
        | 'desc',
    };
    const orderField = fields.find(f => f.name === defaultOrder.field);
    if (
      !orderField ||
      orderField.type === 'jsonb' ||
      orderField.type === 'boolean'
    ) {
      throw new Error(
        `${prefix}.defaultOrder.field: "${defaultOrder.field}" must be a declared, non-jsonb, non-boolean field`,
      );
    }
    const replica = c.getOptionalConfig('replica');
    const table = identifier(c.getString('table'), `${prefix}.table`, true);
    return {
      id,
      title: c.getOptionalString('title') ?? id,
      description: c.getOptionalString('description'),
      table,
      statsTable: identifier(
        c.getOptionalString('statsTable') ?? table,
        `${prefix}.statsTable`,
        true,
      ),
      tenantColumn: identifier(
        c.getString('tenantColumn'),
        `${prefix}.tenantColumn`,
      ),
      primaryKey: identifier(
        c.getOptionalString('primaryKey') ?? 'id',
        `${prefix}.primaryKey`,
      ),
      defaultOrder,
      costThreshold:
        c.getOptionalNumber('costThreshold') ?? DEFAULT_COST_THRESHOLD,
      statementTimeoutMs: Math.trunc(
        c.getOptionalNumber('statementTimeoutMs') ??
          DEFAULT_STATEMENT_TIMEOUT_MS,
      ),
      shapeCacheTtlMs:
        (c.getOptionalNumber('shapeCacheTtlSeconds') ??
          DEFAULT_SHAPE_CACHE_TTL_SECONDS) * 1000,
      connection: connectionAt(root, c, 'connection', prefix),
      replica: replica
        ? {
            connection: connectionAt(
              root,
              replica,
              'connection',
              `${prefix}.replica`,
            ),
            maxLagSeconds:
              replica.getOptionalNumber('maxLagSeconds') ??
              DEFAULT_MAX_REPLICA_LAG_SECONDS,
          }
        : undefined,
      fields,
    };
  });
}

/** The public description (no tables, columns or connections). */
export function describeDataset(
  dataset: DatasetDefinition,
): DatasetDescription {
  return {
    id: dataset.id,
    title: dataset.title,
    description: dataset.description,
    fields: dataset.fields.map(({ column: _column, ...field }) => field),
    defaultOrder: dataset.defaultOrder,
    costThreshold: dataset.costThreshold,
    statementTimeoutMs: dataset.statementTimeoutMs,
    hasReplica: Boolean(dataset.replica),
  };
}
