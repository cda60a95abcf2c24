import { CheckRequest } from '@internal/plugin-authz-common';

/**
 * The cache key of a check. Built by concatenation (no hashing, no canonical JSON of the
 * common fields): the key is most of a cached lookup's cost. Attributes, when present, are
 * appended as JSON in the caller's key order — a different order only costs a cache miss.
 */
export function decisionKey(check: CheckRequest): string {
  const { subject, resource } = check;
  let key = `${subject.type}\u0000${subject.id}\u0000${check.action}\u0000${resource.type}\u0000${resource.id}`;
  if (subject.attributes) key += `\u0000s${JSON.stringify(subject.attributes)}`;
  if (resource.attributes) {
    key += `\u0000r${JSON.stringify(resource.attributes)}`;
  }
  return key;
}
