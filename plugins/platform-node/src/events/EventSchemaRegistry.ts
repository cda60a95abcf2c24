import fs from 'node:fs';
import path from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  parseEventName,
  SchemaViolation,
} from '@internal/plugin-platform-common';

/** A JSON Schema for one event name and version, as stored in `schemas/events/<name>.json`. */
export interface EventSchemaDocument {
  $id: string;
  'x-event': { name: string; version: number };
  [key: string]: unknown;
}

/**
 * The registry of event schemas: one JSON Schema file per event and version under
 * `schemas/events/`, all sharing `schemas/envelope.json`. Validation (ajv, compiled once per
 * schema) happens at production time, in the producer's process.
 */
export class EventSchemaRegistry {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly documents = new Map<string, EventSchemaDocument>();

  /** The registry shipped with this package (`schemas/`). */
  static fromPackage(): EventSchemaRegistry {
    return EventSchemaRegistry.fromDirectory(
      resolvePackagePath('@internal/plugin-platform-node', 'schemas'),
    );
  }

  static fromDirectory(dir: string): EventSchemaRegistry {
    const envelope = JSON.parse(
      fs.readFileSync(path.join(dir, 'envelope.json'), 'utf8'),
    );
    const eventsDir = path.join(dir, 'events');
    const documents = fs
      .readdirSync(eventsDir)
      .filter(file => file.endsWith('.json'))
      .sort()
      .map(file =>
        JSON.parse(fs.readFileSync(path.join(eventsDir, file), 'utf8')),
      );
    return new EventSchemaRegistry(envelope, documents);
  }

  constructor(
    private readonly envelope: object,
    documents: EventSchemaDocument[],
  ) {
    this.ajv = new Ajv({
      allErrors: true,
      strict: true,
      allowUnionTypes: true,
    });
    addFormats(this.ajv);
    this.ajv.addKeyword('x-event');
    this.ajv.addSchema(envelope);
    for (const doc of documents) this.add(doc);
  }

  /** A registry with these schemas added or replacing those of the same name (e.g. a fix). */
  with(documents: EventSchemaDocument[]): EventSchemaRegistry {
    const merged = new Map(this.documents);
    for (const doc of documents) merged.set(doc['x-event'].name, doc);
    return new EventSchemaRegistry(this.envelope, [...merged.values()]);
  }

  private add(doc: EventSchemaDocument) {
    const declared = doc['x-event']?.name;
    const parsed = declared ? parseEventName(declared) : undefined;
    if (!parsed) {
      throw new Error(
        `Event schema ${doc.$id} must declare x-event.name as noun.verb[.vN]`,
      );
    }
    if (parsed.version !== doc['x-event'].version) {
      throw new Error(
        `Event schema ${doc.$id}: x-event.version ${doc['x-event'].version} does not match name ${declared}`,
      );
    }
    this.documents.set(declared, doc);
    this.validators.set(declared, this.ajv.compile(doc));
  }

  /** Registered event names (`noun.verb` for v1, `noun.verb.vN` after that), sorted. */
  names(): string[] {
    return [...this.documents.keys()].sort();
  }

  has(name: string): boolean {
    return this.validators.has(name);
  }

  schema(name: string): EventSchemaDocument | undefined {
    return this.documents.get(name);
  }

  /**
   * Required fields of an event for null-rate checks: identity fields at the top level and
   * `properties.<field>` for the event's own properties.
   */
  requiredFields(name: string): string[] {
    const doc = this.documents.get(name) as any;
    if (!doc) return [];
    const top: string[] = (doc.required ?? []).filter(
      (f: string) => f !== 'properties',
    );
    const props: string[] = doc.properties?.properties?.required ?? [];
    return [...top, ...props.map(p => `properties.${p}`)];
  }

  /** The example properties a schema documents (JSON Schema `examples`), if any. */
  exampleProperties(name: string): Record<string, unknown> | undefined {
    const doc = this.documents.get(name) as any;
    return doc?.properties?.properties?.examples?.[0];
  }

  /** Validates a full event envelope; returns its violations (empty when valid). */
  validate(event: Record<string, unknown>): SchemaViolation[] {
    const name = event.name;
    if (typeof name !== 'string' || !parseEventName(name)) {
      return [
        {
          instancePath: '/name',
          schemaPath: '#/registry/name',
          message: `event name must match noun.verb or noun.verb.vN (N >= 2), got ${JSON.stringify(
            name,
          )}`,
        },
      ];
    }
    const validate = this.validators.get(name);
    if (!validate) {
      return [
        {
          instancePath: '/name',
          schemaPath: '#/registry',
          message: `no schema registered for event "${name}" (known: ${this.names().join(
            ', ',
          )})`,
        },
      ];
    }
    if (validate(event)) return [];
    return (validate.errors ?? []).map(toViolation);
  }
}

function toViolation(error: ErrorObject): SchemaViolation {
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    message = `must have required property '${
      (error.params as any).missingProperty
    }'`;
  } else if (error.keyword === 'enum') {
    message = `${message}: ${(error.params as any).allowedValues.join(', ')}`;
  }
  return {
    instancePath: error.instancePath,
    schemaPath: error.schemaPath,
    message,
  };
}
