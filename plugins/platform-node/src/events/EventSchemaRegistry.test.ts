import { CANONICAL_EVENT_NAMES } from '@internal/plugin-platform-common';
import { v7 as uuidv7 } from 'uuid';
import { EventSchemaRegistry } from './EventSchemaRegistry';

const identity = {
  user_id: '0b6d9f4e-8c1a-4e7b-9f2d-3a5c7e9b1d20',
  account_id: '5e8a1c3f-2d4b-4f6a-8b0c-1d3e5f7a9b2c',
  anonymous_id: '7d0e2f4a-1b3c-4d5e-8f90-a1b2c3d4e5f6',
};

function envelope(
  name: string,
  properties: Record<string, unknown>,
  extra: object = identity,
) {
  return {
    event_id: uuidv7(),
    name,
    occurred_at: new Date().toISOString(),
    producer: 'test',
    ...extra,
    properties,
  };
}

describe('EventSchemaRegistry (schemas/ of this package)', () => {
  const registry = EventSchemaRegistry.fromPackage();

  it('holds the 10 canonical events of the spec (version 1), v2 of the permission events (no tenant required) and the platform-level slo.policy_changed', () => {
    expect(registry.names()).toEqual(
      [
        ...CANONICAL_EVENT_NAMES,
        'permission.checked.v2',
        'permission.denied.v2',
        'slo.policy_changed',
      ].sort(),
    );
  });

  it('accepts slo.policy_changed without tenant or user (it concerns neither)', () => {
    expect(
      registry.validate(
        envelope(
          'slo.policy_changed',
          registry.exampleProperties('slo.policy_changed')!,
          {},
        ),
      ),
    ).toEqual([]);
  });

  it.each([...CANONICAL_EVENT_NAMES])(
    'accepts the documented example of %s',
    name => {
      const example = registry.exampleProperties(name);
      expect(example).toBeDefined();
      expect(registry.validate(envelope(name, example!))).toEqual([]);
    },
  );

  it('accepts who acted as a product user, a Backstage user or a Backstage service principal', () => {
    const example = registry.exampleProperties('filter.applied')!;
    for (const user_id of [
      identity.user_id,
      'user:default/maya.cohen',
      'service:portal-api-token',
    ]) {
      expect(
        registry.validate(
          envelope('filter.applied', example, { ...identity, user_id }),
        ),
      ).toEqual([]);
    }
    for (const user_id of ['maya.cohen', 'service:', '']) {
      expect(
        registry.validate(
          envelope('filter.applied', example, { ...identity, user_id }),
        ),
      ).not.toEqual([]);
    }
  });

  it('names the instance path, schema path and rule of a missing required property', () => {
    const { row_count, ...props } =
      registry.exampleProperties('export.completed')!;
    expect(row_count).toBeDefined();
    expect(registry.validate(envelope('export.completed', props))).toEqual([
      {
        instancePath: '/properties',
        schemaPath: '#/properties/properties/required',
        message: "must have required property 'row_count'",
      },
    ]);
  });

  it('refuses undeclared properties, so PII cannot ride along in an event', () => {
    for (const name of registry.names()) {
      const props = {
        ...registry.exampleProperties(name)!,
        email: 'ana@example.com',
      };
      expect(registry.validate(envelope(name, props))).toEqual([
        expect.objectContaining({
          instancePath: '/properties',
          schemaPath: '#/properties/properties/additionalProperties',
          message: 'must NOT have additional properties',
        }),
      ]);
    }
  });

  it('reports wrong types and enum values with their paths', () => {
    const props = {
      ...registry.exampleProperties('export.requested')!,
      format: 'docx',
      estimated_rows: -1,
    };
    const violations = registry.validate(envelope('export.requested', props));
    expect(violations.map(v => v.instancePath).sort()).toEqual([
      '/properties/estimated_rows',
      '/properties/format',
    ]);
    expect(
      violations.find(v => v.instancePath === '/properties/format')!.message,
    ).toContain('csv, xlsx, pdf');
  });

  it('requires the identity fields each event declares', () => {
    const props = registry.exampleProperties('identity.merged')!;
    const violations = registry.validate(
      envelope('identity.merged', props, {
        user_id: identity.user_id,
        account_id: identity.account_id,
      }),
    );
    expect(violations).toEqual([
      expect.objectContaining({
        instancePath: '',
        message: "must have required property 'anonymous_id'",
      }),
    ]);
    // account.limit_approached only needs account_id
    expect(
      registry.validate(
        envelope(
          'account.limit_approached',
          registry.exampleProperties('account.limit_approached')!,
          {
            account_id: identity.account_id,
          },
        ),
      ),
    ).toEqual([]);
  });

  it('requires a UUIDv7 event_id and a uuid account_id', () => {
    const event = {
      ...envelope(
        'filter.applied',
        registry.exampleProperties('filter.applied')!,
      ),
      event_id: '0b6d9f4e-8c1a-4e7b-9f2d-3a5c7e9b1d20',
      account_id: 'acme',
    };
    expect(
      registry
        .validate(event)
        .map(v => v.instancePath)
        .sort(),
    ).toEqual(['/account_id', '/event_id']);
  });

  it('rejects unknown names and malformed names with a registry violation', () => {
    expect(registry.validate(envelope('export.exploded', {}))[0]).toMatchObject(
      {
        instancePath: '/name',
        schemaPath: '#/registry',
      },
    );
    expect(
      registry.validate(envelope('ExportCompleted', {}))[0].message,
    ).toContain('noun.verb');
  });

  it('takes a new version as its own schema (noun.verb.v2) next to v1', () => {
    const v1 = registry.schema('export.failed')! as any;
    const v2 = {
      ...v1,
      $id: 'https://platform-portal.internal/schemas/events/export.failed.v2.json',
      'x-event': { name: 'export.failed.v2', version: 2 },
      properties: {
        ...v1.properties,
        name: { const: 'export.failed.v2' },
        properties: {
          ...v1.properties.properties,
          required: [...v1.properties.properties.required, 'stage'],
          properties: {
            ...v1.properties.properties.properties,
            stage: { type: 'string' },
          },
        },
      },
    };
    const both = registry.with([v2]);
    const props = registry.exampleProperties('export.failed')!;
    expect(both.validate(envelope('export.failed', props))).toEqual([]);
    expect(
      both.validate(envelope('export.failed.v2', props))[0].message,
    ).toContain("'stage'");
    expect(
      both.validate(
        envelope('export.failed.v2', { ...props, stage: 'render' }),
      ),
    ).toEqual([]);
    expect(both.requiredFields('export.failed.v2')).toContain(
      'properties.stage',
    );
  });
});
