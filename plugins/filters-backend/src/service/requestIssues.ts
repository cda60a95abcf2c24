import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { RequestValidationIssue } from '@internal/plugin-platform-node';
import { spec } from '../schema/openapi';

/**
 * Field paths for a request the OpenAPI validator refused. `createValidatedOpenApiRouter`
 * reports a refusal as one InputError whose text drops the offending key names
 * ("must NOT have additional properties"), while this API promises `details.issues[].path`.
 * So the refused part is checked again here with the same document (the spec stays the only
 * description of the request) to name each path, e.g. `filter.rules[0].operator`.
 */
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
addFormats(ajv);
ajv.addSchema(JSON.parse(JSON.stringify(spec)), 'openapi');

type Operation = { method: string; path: string };
const validators = new Map<string, ValidateFunction | undefined>();

function bodyValidator(op: Operation): ValidateFunction | undefined {
  const key = `body ${op.method} ${op.path}`;
  if (!validators.has(key)) {
    const ref = (
      spec.paths as Record<
        string,
        Record<string, { requestBody?: { $ref?: string } }>
      >
    )[op.path]?.[op.method]?.requestBody?.$ref;
    // `#/components/requestBodies/X` → its application/json schema.
    const pointer = ref
      ? `openapi${ref}/content/application~1json/schema`
      : undefined;
    validators.set(key, pointer ? ajv.getSchema(pointer) : undefined);
  }
  return validators.get(key);
}

function queryValidator(op: Operation): ValidateFunction | undefined {
  const key = `query ${op.method} ${op.path}`;
  if (!validators.has(key)) {
    const parameters =
      (
        spec.paths as Record<
          string,
          Record<
            string,
            {
              parameters?: readonly {
                name: string;
                in: string;
                required?: boolean;
                schema: object;
              }[];
            }
          >
        >
      )[op.path]?.[op.method]?.parameters ?? [];
    const query = parameters.filter(p => p.in === 'query');
    validators.set(
      key,
      query.length
        ? ajv.compile({
            type: 'object',
            additionalProperties: false,
            required: query.filter(p => p.required).map(p => p.name),
            properties: Object.fromEntries(
              query.map(p => [p.name, JSON.parse(JSON.stringify(p.schema))]),
            ),
          })
        : undefined,
    );
  }
  return validators.get(key);
}

const GROUP_KEYS = new Set(['combinator', 'not', 'rules']);

/**
 * For an error inside a `rules` item (oneOf group | rule): the item's pointer and which
 * branch the error comes from, told by the property it is about or the schema it broke.
 */
function ruleItemBranch(
  e: ErrorObject,
): { item: string; kind: 'group' | 'rule' } | undefined {
  const m = /^(.*\/rules\/\d+)(?:\/([^/]+))?$/.exec(e.instancePath);
  if (!m) return undefined;
  const [, item, property] = m;
  if (property !== undefined)
    return { item, kind: GROUP_KEYS.has(property) ? 'group' : 'rule' };
  const properties = (e.parentSchema as { properties?: object } | undefined)
    ?.properties;
  if (!properties) return undefined;
  return { item, kind: 'combinator' in properties ? 'group' : 'rule' };
}

/** JSON pointer `/filter/rules/0/value` → `filter.rules[0].value`. */
function dotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => {
      if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
      return path ? `${path}.${segment}` : segment;
    }, '');
}

/** The rule broken, in the words the rest of this API uses. */
function messageOf(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return 'is not a known property';
    case 'required':
      return 'is required';
    case 'format': {
      const format = (e.params as { format: string }).format;
      return `must be a ${format === 'uuid' ? 'UUID' : format}`;
    }
    case 'enum':
      return `must be one of ${(
        e.params as { allowedValues: unknown[] }
      ).allowedValues.join(', ')}`;
    default:
      return e.message ?? 'is invalid';
  }
}

function toIssues(
  errors: ErrorObject[],
  data: unknown,
  root: string,
): RequestValidationIssue[] {
  const params = (e: ErrorObject) =>
    e.params as { missingProperty?: string; additionalProperty?: string };
  // A rule item is either a group or a rule (oneOf): report the errors of the branch the
  // item looks like (it has `combinator` or `rules` → group), not both.
  const looksLikeGroup = (pointer: string) => {
    let node: unknown = data;
    for (const s of pointer.split('/').slice(1)) {
      node =
        node && typeof node === 'object'
          ? (node as Record<string, unknown>)[s]
          : undefined;
    }
    return (
      !!node &&
      typeof node === 'object' &&
      ('combinator' in node || 'rules' in node)
    );
  };
  const issues: RequestValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'oneOf') continue;
    const branch = ruleItemBranch(e);
    if (branch && (branch.kind === 'group') !== looksLikeGroup(branch.item))
      continue;
    const p = params(e);
    const extra = p.additionalProperty ?? p.missingProperty;
    const path =
      dotted(extra ? `${e.instancePath}/${extra}` : e.instancePath) || root;
    const message = messageOf(e);
    const key = `${path}\n${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path, message });
  }
  return issues;
}

/**
 * The issues of a refused request: the body and the query string checked against the
 * operation's schemas. Empty when the refusal was about something else (e.g. content type).
 */
export function requestIssues(
  op: Operation,
  request: { body: unknown; query: unknown },
): RequestValidationIssue[] {
  const issues: RequestValidationIssue[] = [];
  const body = bodyValidator(op);
  if (body && !body(request.body))
    issues.push(...toIssues(body.errors ?? [], request.body, 'body'));
  const query = queryValidator(op);
  if (query && !query(request.query ?? {}))
    issues.push(...toIssues(query.errors ?? [], request.query, 'query'));
  return issues;
}
