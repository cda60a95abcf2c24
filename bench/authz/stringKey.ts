import { CheckRequest } from '@internal/plugin-authz-common';

const SEP = '\u0000';
const JSON_MARK = '\u0001';

const plain = (value: unknown): value is string =>
  typeof value === 'string' &&
  value.indexOf(SEP) === -1 &&
  value.indexOf(JSON_MARK) === -1;

/** A string without the two control characters as itself, anything else as marked JSON. */
function segment(value: unknown): string {
  return plain(value) ? value : JSON_MARK + JSON.stringify(value);
}

/** Typed and self-delimiting: `s<text>`, `[<n>` + n items, or marked JSON. */
function attributeValue(value: unknown): string {
  if (plain(value)) return `s${value}`;
  // string arrays (e.g. data_classes) are common: joined, not serialised
  if (Array.isArray(value)) {
    let out = `[${value.length}`;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (!plain(item)) return JSON_MARK + JSON.stringify(value);
      out += SEP + item;
    }
    return out;
  }
  return JSON_MARK + JSON.stringify(value);
}

/** `-` when absent, else `a<count>` followed by name/value pairs. */
function attributes(attrs: Record<string, unknown> | undefined): string {
  if (!attrs) return '-';
  const names = Object.keys(attrs);
  let out = `a${names.length}`;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    out += SEP + segment(name) + SEP + attributeValue(attrs[name]);
  }
  return out;
}

/*
 * The decision cache's previous key (until 2026-12-02): one string per check, looked up in an
 * LRU keyed by strings. Kept here only as the benchmark's same-run baseline for the trie
 * (plugins/authz-node/src/cache/CheckTrie.ts) that replaced it.
 */

/**
 * The cache key of a check, built by concatenation (no hashing, no canonical JSON): the key
 * is most of a cached lookup's cost. Every part is self-delimiting, so distinct checks never
 * share a key (property-tested); attributes in another key order only cost a cache miss.
 */
export function decisionKey(check: CheckRequest): string {
  const { subject, resource } = check;
  return (
    segment(subject.type) +
    SEP +
    segment(subject.id) +
    SEP +
    segment(check.action) +
    SEP +
    segment(resource.type) +
    SEP +
    segment(resource.id) +
    SEP +
    attributes(subject.attributes) +
    SEP +
    attributes(resource.attributes)
  );
}
