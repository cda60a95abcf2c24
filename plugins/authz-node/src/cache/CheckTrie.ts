import { CheckRequest } from '@internal/plugin-authz-common';

/** Tokens that mark structure; symbols never equal a value taken from a check. */
const ABSENT = Symbol('absent');
const ARRAY = Symbol('array');
const OBJECT = Symbol('object');

type Token = unknown;

/**
 * One node of the trie. Most nodes have a single child (a chain down to one check), so the
 * first child is held inline and a Map is made only for a second one.
 */
export class CheckNode {
  private oneToken: Token = undefined;
  private one: CheckNode | undefined = undefined;
  private many: Map<Token, CheckNode> | undefined = undefined;

  constructor(readonly parent: CheckNode | undefined, readonly token: Token) {}

  child(token: Token): CheckNode | undefined {
    if (this.one !== undefined && this.oneToken === token) return this.one;
    return this.many?.get(token);
  }

  add(token: Token): CheckNode {
    const node = new CheckNode(this, token);
    if (this.one === undefined && this.many === undefined) {
      this.oneToken = token;
      this.one = node;
    } else {
      this.many ??= new Map();
      this.many.set(token, node);
    }
    return node;
  }

  remove(token: Token): void {
    if (this.one !== undefined && this.oneToken === token) {
      this.one = undefined;
      this.oneToken = undefined;
    } else this.many?.delete(token);
  }

  get empty(): boolean {
    return this.one === undefined && (this.many?.size ?? 0) === 0;
  }

  /** Nodes below this one (for tests of pruning). */
  get descendants(): number {
    let n = 0;
    const children = [
      ...(this.one ? [this.one] : []),
      ...(this.many?.values() ?? []),
    ];
    for (const c of children) n += 1 + c.descendants;
    return n;
  }
}

/**
 * Maps a check to one node per distinct check, walking the check's own strings (subject
 * type and id, action, resource type and id, every attribute and context name and value) as
 * Map keys:
 * no key string is built, and strings that V8 already hashed (literals, strings JSON.parse
 * internalized) cost one lookup each. The token sequence is self-delimiting (counts before
 * attributes, lengths before array items, symbols for structure; only nested objects become
 * JSON), so distinct checks never reach the same node (property-tested); attributes in
 * another key order only cost a miss.
 */
export class CheckTrie {
  private root = new CheckNode(undefined, undefined);
  private node: CheckNode | undefined;
  private create = false;

  /** The node of `check`, made when `create`; undefined when absent. */
  find(check: CheckRequest, create: boolean): CheckNode | undefined {
    this.node = this.root;
    this.create = create;
    const { subject, resource } = check;
    this.step(subject.type);
    this.step(subject.id);
    this.attributes(subject.attributes);
    this.step(check.action);
    this.step(resource.type);
    this.step(resource.id);
    this.attributes(resource.attributes);
    // the policy sees `context` too, so two checks differing only there are different checks
    this.attributes(check.context as Record<string, unknown> | undefined);
    const found = this.node;
    this.node = undefined;
    return found;
  }

  /** Removes a check's node and every ancestor left without children. */
  prune(node: CheckNode): void {
    let n = node;
    while (n.parent !== undefined && n.empty) {
      n.parent.remove(n.token);
      n = n.parent;
    }
  }

  clear(): void {
    this.root = new CheckNode(undefined, undefined);
  }

  get nodes(): number {
    return this.root.descendants;
  }

  private step(token: Token): void {
    const node = this.node;
    if (node === undefined) return;
    let next = node.child(token);
    if (next === undefined && this.create) next = node.add(token);
    this.node = next;
  }

  private attributes(attrs: Record<string, unknown> | undefined): void {
    if (attrs === undefined) {
      this.step(ABSENT);
      return;
    }
    const names = Object.keys(attrs);
    this.step(names.length);
    for (let i = 0; i < names.length; i++) {
      this.step(names[i]);
      this.value(attrs[names[i]]);
    }
  }

  private value(value: unknown): void {
    if (value === null || typeof value !== 'object') {
      this.step(value);
    } else if (Array.isArray(value)) {
      // string arrays (e.g. data_classes) are common: walked, not serialised
      this.step(ARRAY);
      this.step(value.length);
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (item !== null && typeof item === 'object') this.nested(item);
        else this.step(item);
      }
    } else this.nested(value);
  }

  private nested(value: object): void {
    this.step(OBJECT);
    this.step(JSON.stringify(value));
  }
}
