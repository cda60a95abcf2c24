import { resolve } from 'node:path';
import { Entity } from '@backstage/catalog-model';

// Test fixtures: the organisation's file location and a location someone registered.
export const ORG_FILE = resolve('catalog/org.yaml');
export const ORG_ORIGIN = `file:${ORG_FILE}`;
export const FOREIGN_ORIGIN =
  'url:https://git.example/attacker/catalog-info.yaml';

export function entity(
  kind: string,
  name: string,
  origin: string,
  extra: { annotations?: Record<string, string>; spec?: object } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'backstage.io/managed-by-origin-location': origin,
        ...extra.annotations,
      },
    },
    spec: extra.spec ?? {},
  };
}
