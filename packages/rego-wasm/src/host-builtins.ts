/*
 * Builtins evaluated on the host (JavaScript), reached from wasm through
 * opa_builtinN. They receive JSON values (sets arrive as arrays) and return a
 * JSON value, or undefined for "undefined". Errors make the call undefined,
 * like OPA's non-strict builtin error mode.
 */
import {
  createHash,
  createHmac,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import { parse as yamlParse, stringify as yamlStringify } from 'yaml';
import { jwtBuiltins } from './jwt';
import { format as goSprintf } from './sprintf';

/** A JSON value as it crosses from wasm; builtins narrow it before use. */
type J = unknown;
type JObject = { [key: string]: J };

const isStr = (x: J): x is string => typeof x === 'string';
const isNum = (x: J): x is number => typeof x === 'number';
const isInt = (x: J): x is number => Number.isInteger(x);
const isArr = (x: J): x is J[] => Array.isArray(x);
const isObj = (x: J): x is JObject =>
  x !== null && typeof x === 'object' && !Array.isArray(x);

function need(cond: unknown, msg = 'operand type'): asserts cond {
  if (!cond) throw new Error(msg);
}

const cps = (s: string) => Array.from(s);

/** Elements of an array (sets arrive as arrays) or keys of an object; [] otherwise. */
function keyList(x: J): J[] {
  if (isArr(x)) return x;
  return isObj(x) ? Object.keys(x) : [];
}

function cmpBig(a: bigint, b: bigint): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function cidrParse(c: string): { bits: bigint; len: number; width: number } {
  const [ip, l] = c.split('/');
  const { bits, width } = ipParse(ip);
  const len = l === undefined ? width : Number(l);
  need(Number.isInteger(len) && len >= 0 && len <= width, 'invalid CIDR');
  return { bits, len, width };
}

function ipParse(ip: string): { bits: bigint; width: number } {
  if (ip.includes(':')) {
    const [head, tail] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const fill =
      tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
    const groups = [...h, ...fill, ...t];
    need(groups.length === 8, 'invalid IP');
    let bits = 0n;
    for (const g of groups) {
      need(/^[0-9a-fA-F]{1,4}$/.test(g), 'invalid IP');
      bits = (bits << 16n) | BigInt(parseInt(g, 16));
    }
    return { bits, width: 128 };
  }
  const p = ip.split('.');
  need(
    p.length === 4 && p.every(x => /^\d{1,3}$/.test(x) && Number(x) < 256),
    'invalid IP',
  );
  return {
    bits: p.reduce((a, x) => (a << 8n) | BigInt(Number(x)), 0n),
    width: 32,
  };
}

function cidrContains(outer: string, inner: string): boolean {
  const a = cidrParse(outer);
  const b = cidrParse(inner);
  if (a.width !== b.width || b.len < a.len) return false;
  const shift = BigInt(a.width - a.len);
  return a.bits >> shift === b.bits >> shift;
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  m: 1e-3,
  M: 1e6,
  g: 1e9,
  G: 1e9,
  t: 1e12,
  T: 1e12,
  p: 1e15,
  P: 1e15,
  e: 1e18,
  E: 1e18,
  ki: 2 ** 10,
  Ki: 2 ** 10,
  mi: 2 ** 20,
  Mi: 2 ** 20,
  gi: 2 ** 30,
  Gi: 2 ** 30,
  ti: 2 ** 40,
  Ti: 2 ** 40,
  pi: 2 ** 50,
  Pi: 2 ** 50,
  ei: 2 ** 60,
  Ei: 2 ** 60,
};

function unitsParse(s: J, bytes: boolean): number {
  need(isStr(s));
  const x = s.replace(/"/g, '');
  need(!/\s/.test(x), 'spaces not allowed');
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([A-Za-z]*)$/.exec(x);
  need(m, 'could not parse');
  let unit = m![2];
  if (bytes) {
    if (/^[bB]$/.test(unit)) unit = '';
    else unit = unit.replace(/[bB]$/, '');
    let u = unit;
    if (unit.length === 1) u = unit.toLowerCase();
    else if (unit.length === 2) u = `${unit[0].toLowerCase()}i`;
    const mult = UNITS[u === 'm' ? 'M' : u];
    need(mult !== undefined, 'unknown unit');
    return Math.round(Number(m![1]) * mult);
  }
  // case-insensitive, except that "m" is milli and "M" mega
  const mult =
    unit === 'm'
      ? 1e-3
      : UNITS[unit] ?? UNITS[unit.toLowerCase()] ?? UNITS[unit.toUpperCase()];
  need(mult !== undefined, 'unknown unit');
  return Number(m![1]) * mult;
}

function semverParse(v: string) {
  const m =
    /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/.exec(
      v,
    );
  need(m, 'invalid semver');
  return { nums: [Number(m![1]), Number(m![2]), Number(m![3])], pre: m![4] };
}

function semverCompare(a: string, b: string): number {
  const x = semverParse(a);
  const y = semverParse(b);
  for (let i = 0; i < 3; i++)
    if (x.nums[i] !== y.nums[i]) return x.nums[i] < y.nums[i] ? -1 : 1;
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  const pa = x.pre.split('.');
  const pb = y.pre.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    const na = /^\d+$/.test(pa[i]);
    const nb = /^\d+$/.test(pb[i]);
    if (na && nb) {
      const d = Number(pa[i]) - Number(pb[i]);
      if (d) return d < 0 ? -1 : 1;
    } else if (na !== nb) return na ? -1 : 1;
    else if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}

function globToRegex(pattern: string, delims: string[] | null): RegExp {
  // OPA: [] means the default delimiter "."; null means no delimiters
  let delimList = delims ?? [];
  if (delims && !delims.length) delimList = ['.'];
  const ds = delimList
    .map(d => d.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'))
    .join('');
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      out += `\\${pattern[++i]}`;
    } else if (c === '*') {
      if (pattern[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += ds ? `[^${ds}]*` : '.*';
    } else if (c === '?') out += ds ? `[^${ds}]` : '.';
    else if (c === '[') {
      const j = pattern.indexOf(']', i);
      let cls = pattern.slice(i + 1, j);
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      out += `[${cls}]`;
      i = j;
    } else if (c === '{') {
      const j = pattern.indexOf('}', i);
      out += `(?:${pattern
        .slice(i + 1, j)
        .split(',')
        .map(x => globToRegex(x, delims).source.slice(1, -1))
        .join('|')})`;
      i = j;
    } else out += c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

/** Go's RE2 syntax mostly matches JS with the `u` flag; named groups use (?P<n>). */
function re(p: string, g = ''): RegExp {
  return new RegExp(p.replace(/\(\?P</g, '(?<'), `u${g}`);
}

const NS = 1_000_000n;

function nsOf(x: J): bigint {
  need(isNum(x));
  return BigInt(Math.trunc(x));
}

/** The wall-clock date of a time in ns (or [ns, timezone]) as a UTC-based Date. */
function dateOf(x: J): { d: Date; tz: string } {
  const [ns, tzValue] = isArr(x) ? [x[0], x[1] || 'UTC'] : [x, 'UTC'];
  const tz = String(tzValue);
  const d = new Date(Number(nsOf(ns) / NS));
  need(
    !Number.isNaN(d.getTime()) && Math.abs(d.getUTCFullYear()) < 10000,
    'time outside of valid range',
  );
  if (tz === 'UTC') return { d, tz };
  const zone =
    tz === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : tz;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(d)
      .map(p => [p.type, p.value]),
  );
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return { d: new Date(local), tz };
}

function canonical(x: J): J {
  if (isArr(x)) return x.map(canonical);
  if (isObj(x)) {
    const out: JObject = {};
    for (const k of Object.keys(x).sort()) out[k] = canonical(x[k]);
    return out;
  }
  return x;
}

function b64(s: string) {
  return Buffer.from(s, 'utf8').toString('base64');
}

function jsonFilterRemove(obj: J, paths: J, keep: boolean): J {
  const list: string[][] = keyList(paths).map((p: J) =>
    isArr(p) ? p.map(String) : String(p).split('/').filter(Boolean),
  );
  const walk = (v: J, prefix: string[]): J => {
    if (!isObj(v) && !isArr(v)) return v;
    const entries: [string, J][] = isArr(v)
      ? v.map((x: J, i: number) => [String(i), x])
      : Object.entries(v);
    const out: [string, J][] = [];
    for (const [k, x] of entries) {
      const p = [...prefix, k];
      const exact = list.some(
        l => l.length === p.length && l.every((s, i) => s === p[i]),
      );
      const under = list.some(
        l => l.length > p.length && p.every((s, i) => s === l[i]),
      );
      const above = list.some(
        l => l.length < p.length && l.every((s, i) => s === p[i]),
      );
      if (keep) {
        if (exact || above) out.push([k, x]);
        else if (under) out.push([k, walk(x, p)]);
      } else if (!exact) out.push([k, under ? walk(x, p) : x]);
    }
    return isArr(v) ? out.map(([, x]) => x) : Object.fromEntries(out);
  };
  return walk(obj, []);
}

export const HOST_SET_KEY = '$rw_set';

/** Marks a host result array as a Rego set (decoded by the runtime). */
const asSet = (items: J[]) => ({ [HOST_SET_KEY]: items });

function deepEqual(a: J, b: J): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function isSubset(sup: J, sub: J): boolean {
  if (isObj(sup) && isObj(sub)) {
    return Object.keys(sub).every(
      k =>
        k in sup &&
        (isObj(sub[k]) && isObj(sup[k])
          ? isSubset(sup[k], sub[k])
          : deepEqual(sup[k], sub[k])),
    );
  }
  if (isArr(sup) && isArr(sub)) {
    if (sub.length === 0) return true;
    for (let i = 0; i + sub.length <= sup.length; i++) {
      if (sub.every((x: J, j: number) => deepEqual(sup[i + j], x))) return true;
    }
    return sub.every((x: J) => sup.some((y: J) => deepEqual(x, y)));
  }
  return deepEqual(sup, sub);
}

function ipString(bits: bigint, width: number): string {
  if (width === 32)
    return [24n, 16n, 8n, 0n].map(sh => String((bits >> sh) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--)
    groups.push(((bits >> BigInt(i * 16)) & 0xffffn).toString(16));
  // compress the longest run (>= 2) of zero groups
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups
    .slice(best + bestLen)
    .join(':')}`;
}

function cidrMerge(list: string[]): string[] {
  type C = { bits: bigint; len: number; width: number };
  let cs: C[] = list.map(c => {
    const p = cidrParse(
      c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`,
    );
    const mask =
      ((1n << BigInt(p.width)) - 1n) ^ ((1n << BigInt(p.width - p.len)) - 1n);
    return { bits: p.bits & mask, len: p.len, width: p.width };
  });
  let changed = true;
  while (changed) {
    changed = false;
    cs.sort(
      (a, b) => a.width - b.width || cmpBig(a.bits, b.bits) || a.len - b.len,
    );
    const out: C[] = [];
    for (const c of cs) {
      const last = out[out.length - 1];
      if (last && last.width === c.width) {
        const shift = BigInt(c.width - last.len);
        if (c.len >= last.len && c.bits >> shift === last.bits >> shift) {
          changed = true;
          continue; // contained
        }
        if (c.len === last.len && last.len > 0) {
          const up = BigInt(c.width - c.len + 1);
          if (c.bits >> up === last.bits >> up) {
            const mask = ((1n << BigInt(c.width)) - 1n) ^ ((1n << up) - 1n);
            out[out.length - 1] = {
              bits: last.bits & mask,
              len: c.len - 1,
              width: c.width,
            };
            changed = true;
            continue;
          }
        }
      }
      out.push(c);
    }
    cs = out;
  }
  return cs.map(c => `${ipString(c.bits, c.width)}/${c.len}`);
}

/** [key, CIDR or IP] pairs; the value may be any JSON (only strings can match). */
function cidrList(x: J): [string, J][] {
  const first = (v: J) => (isArr(v) ? v[0] : v);
  if (isStr(x)) return [[x, x]];
  if (isArr(x)) return x.map((v, i) => [String(i), first(v)]);
  if (isObj(x)) return Object.entries(x).map(([k, v]) => [k, first(v)]);
  throw new Error('operand type');
}

function jsonPointer(path: J): string[] {
  if (isArr(path)) return path.map(String);
  need(isStr(path));
  return path
    .split('/')
    .slice(1)
    .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPatch(doc: J, ops: J[]): J {
  let root = JSON.parse(JSON.stringify(doc));
  const parentOf = (parts: string[]) => {
    let cur = root;
    for (const p of parts.slice(0, -1)) {
      need(
        cur !== null && typeof cur === 'object' && p in cur,
        'path not found',
      );
      cur = cur[p];
    }
    return cur;
  };
  const get = (parts: string[]) => {
    let cur = root;
    for (const p of parts) {
      need(
        cur !== null && typeof cur === 'object' && p in cur,
        'path not found',
      );
      cur = cur[p];
    }
    return cur;
  };
  const add = (parts: string[], v: J) => {
    if (!parts.length) {
      root = v;
      return;
    }
    const parent = parentOf(parts);
    const k = parts[parts.length - 1];
    if (isArr(parent)) {
      const i = k === '-' ? parent.length : Number(k);
      need(Number.isInteger(i) && i >= 0 && i <= parent.length, 'bad index');
      parent.splice(i, 0, v);
    } else {
      need(isObj(parent), 'path not found');
      parent[k] = v;
    }
  };
  const remove = (parts: string[]) => {
    const parent = parentOf(parts);
    const k = parts[parts.length - 1];
    need(
      parent !== null && typeof parent === 'object' && k in parent,
      'path not found',
    );
    if (isArr(parent)) parent.splice(Number(k), 1);
    else delete parent[k];
  };
  for (const op of ops) {
    need(isObj(op) && isStr(op.op));
    const path = jsonPointer(op.path);
    switch (op.op) {
      case 'add':
        add(path, op.value);
        break;
      case 'remove':
        remove(path);
        break;
      case 'replace':
        get(path);
        remove(path);
        add(path, op.value);
        break;
      case 'move': {
        const from = jsonPointer(op.from);
        const v = get(from);
        remove(from);
        add(path, v);
        break;
      }
      case 'copy':
        add(path, JSON.parse(JSON.stringify(get(jsonPointer(op.from)))));
        break;
      case 'test':
        need(deepEqual(get(path), op.value), 'test failed');
        break;
      default:
        throw new Error('bad op');
    }
  }
  return root;
}

function hmac(alg: string) {
  return (m: J, k: J) => {
    need(isStr(m) && isStr(k));
    return createHmac(alg, k).update(m).digest('hex');
  };
}

function hash(alg: string) {
  return (m: J) => {
    need(isStr(m));
    return createHash(alg).update(m).digest('hex');
  };
}

export const hostBuiltins: Record<string, (...args: J[]) => J> = {
  ...jwtBuiltins,
  'crypto.md5': hash('md5'),
  'crypto.sha1': hash('sha1'),
  'crypto.sha256': hash('sha256'),
  'crypto.hmac.md5': hmac('md5'),
  'crypto.hmac.sha1': hmac('sha1'),
  'crypto.hmac.sha256': hmac('sha256'),
  'crypto.hmac.sha512': hmac('sha512'),
  'crypto.hmac.equal': (a, b) => {
    need(isStr(a) && isStr(b));
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  },
  'object.subset': (sup, sub) => {
    need(
      (isObj(sup) && isObj(sub)) || (isArr(sup) && isArr(sub)),
      'operand type',
    );
    return isSubset(sup, sub);
  },
  'net.cidr_merge': list => {
    need(isArr(list) && list.every(isStr));
    return asSet(cidrMerge(list));
  },
  'net.cidr_expand': c => {
    need(isStr(c));
    const p = cidrParse(c);
    const n = 1n << BigInt(p.width - p.len);
    need(n <= 65536n, 'too many addresses');
    const base = (p.bits >> BigInt(p.width - p.len)) << BigInt(p.width - p.len);
    const out: string[] = [];
    for (let i = 0n; i < n; i++) out.push(ipString(base + i, p.width));
    return asSet(out);
  },
  'net.cidr_contains_matches': (a, b) => {
    const out: [string, string][] = [];
    for (const [ka, ca] of cidrList(a)) {
      for (const [kb, cb] of cidrList(b)) {
        try {
          if (isStr(ca) && isStr(cb) && cidrContains(ca, cb))
            out.push([ka, kb]);
        } catch {
          // not a CIDR/IP: no match
        }
      }
    }
    const key = (coll: J, k: string) => (isArr(coll) ? Number(k) : k);
    return asSet(out.map(([x, y]) => [key(a, x), key(b, y)]));
  },
  'graph.reachable': (g, init) => {
    need(isObj(g));
    const seen = new Set<string>();
    const todo = keyList(init);
    while (todo.length) {
      const n = todo.pop();
      if (!isStr(n) || seen.has(n) || !(n in g)) continue;
      seen.add(n);
      const next = g[n];
      todo.push(...keyList(next));
    }
    return asSet([...seen]);
  },
  'graph.reachable_paths': (g, init) => {
    need(isObj(g));
    const paths: string[][] = [];
    const go = (n: string, path: string[]) => {
      if (path.includes(n)) {
        paths.push(path);
        return;
      }
      const p = [...path, n];
      const next = keyList(g[n]).filter((x): x is string => isStr(x) && x in g);
      if (!next.length) paths.push(p);
      for (const x of next) go(x, p);
    };
    for (const n of keyList(init)) if (isStr(n) && n in g) go(n, []);
    return asSet(paths);
  },
  'yaml.marshal': x => yamlStringify(canonical(x)),
  'yaml.unmarshal': s => {
    need(isStr(s));
    return yamlParse(s);
  },
  'yaml.is_valid': s => {
    if (!isStr(s)) return false;
    try {
      yamlParse(s);
      return true;
    } catch {
      return false;
    }
  },
  'json.patch': (doc, ops) => {
    need(isArr(ops));
    return jsonPatch(doc, ops);
  },
  'urlquery.encode_object': o => {
    need(isObj(o));
    const parts: string[] = [];
    const enc = (x: string) => encodeURIComponent(x).replace(/%20/g, '+');
    for (const k of Object.keys(o).sort()) {
      const v = o[k];
      for (const x of isArr(v) ? v : [v])
        parts.push(`${enc(k)}=${enc(String(x))}`);
    }
    return parts.join('&');
  },
  'urlquery.decode_object': s => {
    need(isStr(s));
    const out: Record<string, string[]> = {};
    for (const part of s.split('&').filter(Boolean)) {
      const [k, v = ''] = part.split('=');
      const dk = decodeURIComponent(k.replace(/\+/g, ' '));
      (out[dk] ??= []).push(decodeURIComponent(v.replace(/\+/g, ' ')));
    }
    return out;
  },
  'uuid.parse': s => {
    need(isStr(s));
    const m =
      /^(?:urn:uuid:)?\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$/.exec(
        s,
      );
    if (!m) return undefined;
    const hex = m.slice(1).join('');
    const version = parseInt(hex[12], 16);
    const v = parseInt(hex[16], 16);
    let variant = 'Reserved, future definition';
    if ((v & 0x8) === 0) variant = 'Reserved, NCS backward compatibility';
    else if ((v & 0xc) === 0x8) variant = 'RFC4122';
    else if ((v & 0xe) === 0xc)
      variant = 'Reserved, Microsoft Corporation backward compatibility';
    const out: JObject = { version, variant };
    if (variant === 'RFC4122' && (version === 1 || version === 2)) {
      const time =
        (BigInt(`0x${hex.slice(13, 16)}`) << 48n) |
        (BigInt(`0x${hex.slice(8, 12)}`) << 32n) |
        BigInt(`0x${hex.slice(0, 8)}`);
      out.time = Number((time - 0x01b21dd213814000n) * 100n);
      out.clocksequence = parseInt(hex.slice(16, 20), 16) & 0x3fff;
      out.nodeid = hex.slice(20).match(/../g)!.join('-');
      out.macvariables = `${
        parseInt(hex.slice(20, 22), 16) & 1 ? 'local' : 'global'
      }:${parseInt(hex.slice(20, 22), 16) & 1 ? 'multicast' : 'unicast'}`;
      if (version === 2) {
        out.id = parseInt(hex.slice(0, 8), 16);
        out.domain =
          ['Person', 'Group', 'Org'][parseInt(hex.slice(18, 20), 16)] ??
          `Domain${parseInt(hex.slice(18, 20), 16)}`;
      }
    }
    return out;
  },
  walk: x => {
    const out: J[] = [];
    const go = (v: J, path: J[]) => {
      out.push([path, v]);
      if (isArr(v)) v.forEach((e: J, i: number) => go(e, [...path, i]));
      else if (isObj(v))
        for (const k of Object.keys(v).sort()) go(v[k], [...path, k]);
    };
    go(x, []);
    return out;
  },
  sprintf: (f, args) => {
    need(isStr(f) && isArr(args));
    return goSprintf(f, args);
  },
  format_int: (n, base) => {
    need(isNum(n) && isNum(base) && [2, 8, 10, 16].includes(base));
    return Math.trunc(n).toString(base);
  },
  lower: s => {
    need(isStr(s));
    return s.toLowerCase();
  },
  upper: s => {
    need(isStr(s));
    return s.toUpperCase();
  },
  split: (s, d) => {
    need(isStr(s) && isStr(d));
    return s.split(d);
  },
  replace: (s, o, n) => {
    need(isStr(s) && isStr(o) && isStr(n));
    return s.split(o).join(n);
  },
  'strings.replace_n': (m, s) => {
    need(isObj(m) && isStr(s));
    let out = s;
    for (const k of Object.keys(m).sort()) {
      const v = m[k];
      need(isStr(v));
      out = out.split(k).join(v);
    }
    return out;
  },
  trim: (s, c) => {
    need(isStr(s) && isStr(c));
    const set = new Set(cps(c));
    const a = cps(s);
    let i = 0;
    let j = a.length;
    while (i < j && set.has(a[i])) i++;
    while (j > i && set.has(a[j - 1])) j--;
    return a.slice(i, j).join('');
  },
  trim_left: (s, c) => {
    need(isStr(s) && isStr(c));
    const set = new Set(cps(c));
    const a = cps(s);
    let i = 0;
    while (i < a.length && set.has(a[i])) i++;
    return a.slice(i).join('');
  },
  trim_right: (s, c) => {
    need(isStr(s) && isStr(c));
    const set = new Set(cps(c));
    const a = cps(s);
    let j = a.length;
    while (j > 0 && set.has(a[j - 1])) j--;
    return a.slice(0, j).join('');
  },
  trim_prefix: (s, p) => {
    need(isStr(s) && isStr(p));
    return s.startsWith(p) ? s.slice(p.length) : s;
  },
  trim_suffix: (s, p) => {
    need(isStr(s) && isStr(p));
    return p && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  },
  trim_space: s => {
    need(isStr(s));
    return s.trim();
  },
  substring: (s, start, l) => {
    need(isStr(s) && isNum(start) && isNum(l));
    need(
      Number.isInteger(start) && Number.isInteger(l),
      'operand must be integer',
    );
    need(start >= 0, 'negative offset');
    const a = cps(s);
    if (start >= a.length) return '';
    return (l < 0 ? a.slice(start) : a.slice(start, start + l)).join('');
  },
  indexof: (s, x) => {
    need(isStr(s) && isStr(x));
    const i = s.indexOf(x);
    return i < 0 ? -1 : cps(s.slice(0, i)).length;
  },
  indexof_n: (s, x) => {
    need(isStr(s) && isStr(x));
    const out: number[] = [];
    let i = s.indexOf(x);
    while (i >= 0) {
      out.push(cps(s.slice(0, i)).length);
      i = s.indexOf(x, i + 1);
    }
    return out;
  },
  'strings.reverse': s => {
    need(isStr(s));
    return cps(s).reverse().join('');
  },
  'strings.count': (s, x) => {
    need(isStr(s) && isStr(x));
    if (x === '') return cps(s).length + 1;
    return s.split(x).length - 1;
  },
  'strings.any_prefix_match': (s, p) => {
    const ss = isStr(s) ? [s] : s;
    const ps = isStr(p) ? [p] : p;
    need(isArr(ss) && isArr(ps));
    return ss.some(x => ps.some(y => isStr(x) && isStr(y) && x.startsWith(y)));
  },
  'strings.any_suffix_match': (s, p) => {
    const ss = isStr(s) ? [s] : s;
    const ps = isStr(p) ? [p] : p;
    need(isArr(ss) && isArr(ps));
    return ss.some(x => ps.some(y => isStr(x) && isStr(y) && x.endsWith(y)));
  },
  'json.marshal': x => JSON.stringify(canonical(x)),
  'json.marshal_with_options': (x, o) => {
    need(isObj(o));
    const indent =
      o.pretty || o.indent !== undefined || o.prefix !== undefined
        ? o.indent ?? '\t'
        : undefined;
    // JSON.stringify ignores an indent that is neither a string nor a number.
    return JSON.stringify(
      canonical(x),
      null,
      isStr(indent) || isNum(indent) ? indent : undefined,
    );
  },
  'json.unmarshal': s => {
    need(isStr(s));
    return JSON.parse(s);
  },
  'json.is_valid': s => {
    if (!isStr(s)) return false;
    try {
      JSON.parse(s);
      return true;
    } catch {
      return false;
    }
  },
  'json.filter': (o, p) => {
    need(isObj(o) || isArr(o));
    return jsonFilterRemove(o, p, true);
  },
  'json.remove': (o, p) => {
    need(isObj(o) || isArr(o));
    return jsonFilterRemove(o, p, false);
  },
  'base64.encode': s => {
    need(isStr(s));
    return b64(s);
  },
  'base64.decode': s => {
    need(isStr(s) && /^[A-Za-z0-9+/]*={0,2}$/.test(s), 'illegal base64 data');
    return Buffer.from(s, 'base64').toString('utf8');
  },
  'base64.is_valid': s =>
    isStr(s) &&
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s),
  'base64url.encode': s => {
    need(isStr(s));
    return b64(s).replace(/\+/g, '-').replace(/\//g, '_');
  },
  'base64url.encode_no_pad': s => {
    need(isStr(s));
    return b64(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
  'base64url.decode': s => {
    need(isStr(s) && /^[A-Za-z0-9_-]*={0,2}$/.test(s), 'illegal base64 data');
    return Buffer.from(s, 'base64url').toString('utf8');
  },
  'hex.encode': s => {
    need(isStr(s));
    return Buffer.from(s, 'utf8').toString('hex');
  },
  'hex.decode': s => {
    need(isStr(s) && /^([0-9a-fA-F]{2})*$/.test(s), 'invalid hex');
    return Buffer.from(s, 'hex').toString('utf8');
  },
  'urlquery.encode': s => {
    need(isStr(s));
    return encodeURIComponent(s)
      .replace(/%20/g, '+')
      .replace(
        /[!'()*]/g,
        c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
  },
  'urlquery.decode': s => {
    need(isStr(s));
    return decodeURIComponent(s.replace(/\+/g, ' '));
  },
  'regex.match': (p, s) => {
    need(isStr(p) && isStr(s));
    return re(p).test(s);
  },
  'regex.is_valid': p => {
    if (!isStr(p)) return false;
    try {
      re(p);
      return true;
    } catch {
      return false;
    }
  },
  'regex.split': (p, s) => {
    need(isStr(p) && isStr(s));
    return s.split(re(p));
  },
  'regex.find_n': (p, s, n) => {
    need(isStr(p) && isStr(s) && isNum(n));
    const all = Array.from(s.matchAll(re(p, 'g')), m => m[0]);
    return n < 0 ? all : all.slice(0, n);
  },
  'regex.find_all_string_submatch_n': (p, s, n) => {
    need(isStr(p) && isStr(s) && isNum(n));
    const all = Array.from(s.matchAll(re(p, 'g')), m =>
      Array.from(m, x => x ?? ''),
    );
    return n < 0 ? all : all.slice(0, n);
  },
  'regex.replace': (s, p, r) => {
    need(isStr(s) && isStr(p) && isStr(r));
    return s.replace(
      re(p, 'g'),
      r.replace(/\$\{?(\w+)\}?/g, '$<$1>').replace(/\$<(\d+)>/g, '$$$1'),
    );
  },
  'regex.template_match': (t, s, ds, de) => {
    need(isStr(t) && isStr(s) && isStr(ds) && isStr(de));
    let out = '';
    let i = 0;
    while (i < t.length) {
      const a = t.indexOf(ds, i);
      if (a < 0) {
        out += t.slice(i).replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
        break;
      }
      const b = t.indexOf(de, a + ds.length);
      need(b >= 0, 'unbalanced delimiters');
      out += `${t
        .slice(i, a)
        .replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')}(?:${t.slice(
        a + ds.length,
        b,
      )})`;
      i = b + de.length;
    }
    return re(`^${out}$`).test(s);
  },
  'glob.match': (p, d, s) => {
    need(isStr(p) && isStr(s) && (d === null || isArr(d)));
    const delimiters = d === null ? null : d.map(String);
    return globToRegex(p, delimiters).test(s);
  },
  'glob.quote_meta': p => {
    need(isStr(p));
    return p.replace(/[*?\\[\]{}]/g, '\\$&');
  },
  'time.now_ns': () => Number(BigInt(Date.now()) * NS),
  'time.parse_rfc3339_ns': s => {
    need(isStr(s));
    need(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s),
      'invalid RFC3339',
    );
    const frac = /\.(\d+)/.exec(s)?.[1] ?? '';
    const ms = Date.parse(s.replace(/\.\d+/, ''));
    need(!Number.isNaN(ms), 'invalid RFC3339');
    return Number(BigInt(ms) * NS + BigInt(`${frac}000000000`.slice(0, 9)));
  },
  'time.parse_ns': (layout, s) => {
    need(isStr(layout) && isStr(s));
    const ms = Date.parse(s);
    need(!Number.isNaN(ms), 'cannot parse');
    return Number(BigInt(ms) * NS);
  },
  'time.parse_duration_ns': s => {
    need(isStr(s));
    const unit: Record<string, number> = {
      ns: 1,
      us: 1e3,
      µs: 1e3,
      ms: 1e6,
      s: 1e9,
      m: 6e10,
      h: 3.6e12,
    };
    let total = 0;
    const re1 = /([0-9.]+)(ns|us|µs|ms|s|m|h)/g;
    let seen = '';
    for (const m of s.matchAll(re1)) {
      total += Number(m[1]) * unit[m[2]];
      seen += m[0];
    }
    need(seen.length && seen === s.replace(/^-/, ''), 'invalid duration');
    return s.startsWith('-') ? -total : total;
  },
  'time.date': x => {
    const { d } = dateOf(x);
    return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  },
  'time.clock': x => {
    const { d } = dateOf(x);
    return [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  },
  'time.weekday': x => {
    const { d } = dateOf(x);
    return [
      'Sunday',
      'Monday',
      'Tuesday',
      'Wednesday',
      'Thursday',
      'Friday',
      'Saturday',
    ][d.getUTCDay()];
  },
  'time.add_date': (ns, y, mo, dd) => {
    need(isNum(ns) && isNum(y) && isNum(mo) && isNum(dd));
    const b = nsOf(ns);
    const d = new Date(Number(b / NS));
    const rem = b % NS;
    d.setUTCFullYear(
      d.getUTCFullYear() + y,
      d.getUTCMonth() + mo,
      d.getUTCDate() + dd,
    );
    return Number(
      BigInt(d.getTime()) * NS +
        (rem < 0n ? rem + NS : rem) -
        (rem < 0n ? NS : 0n),
    );
  },
  'time.diff': (a, b) => {
    let d1 = dateOf(a).d;
    let d2 = dateOf(b).d;
    if (d1 > d2) [d1, d2] = [d2, d1];
    let y = d2.getUTCFullYear() - d1.getUTCFullYear();
    let mo = d2.getUTCMonth() - d1.getUTCMonth();
    let d = d2.getUTCDate() - d1.getUTCDate();
    let h = d2.getUTCHours() - d1.getUTCHours();
    let mi = d2.getUTCMinutes() - d1.getUTCMinutes();
    let s = d2.getUTCSeconds() - d1.getUTCSeconds();
    if (s < 0) {
      s += 60;
      mi--;
    }
    if (mi < 0) {
      mi += 60;
      h--;
    }
    if (h < 0) {
      h += 24;
      d--;
    }
    if (d < 0) {
      d += new Date(
        Date.UTC(d2.getUTCFullYear(), d2.getUTCMonth(), 0),
      ).getUTCDate();
      mo--;
    }
    if (mo < 0) {
      mo += 12;
      y--;
    }
    return [y, mo, d, h, mi, s];
  },
  'net.cidr_contains': (a, b) => {
    need(isStr(a) && isStr(b));
    return cidrContains(a, b);
  },
  'net.cidr_intersects': (a, b) => {
    need(isStr(a) && isStr(b));
    return (
      cidrContains(a, b) ||
      cidrContains(b, a) ||
      (cidrParse(a).width === cidrParse(b).width &&
        (cidrContains(a, b.split('/')[0]) || cidrContains(b, a.split('/')[0])))
    );
  },
  'net.cidr_is_valid': c => {
    try {
      return isStr(c) && c.includes('/') && !!cidrParse(c);
    } catch {
      return false;
    }
  },
  'units.parse': s => unitsParse(s, false),
  'units.parse_bytes': s => unitsParse(s, true),
  'semver.compare': (a, b) => {
    need(isStr(a) && isStr(b));
    return semverCompare(a, b);
  },
  'semver.is_valid': v => {
    try {
      return isStr(v) && !!semverParse(v);
    } catch {
      return false;
    }
  },
  'uuid.rfc4122': k => {
    need(isStr(k));
    return randomUUID();
  },
  'object.remove': (o, keys) => {
    need(isObj(o));
    need(isArr(keys) || isObj(keys));
    const out = { ...o };
    for (const k of keyList(keys)) delete out[String(k)];
    return out;
  },
  'object.filter': (o, keys) => {
    need(isObj(o));
    need(isArr(keys) || isObj(keys));
    const out: JObject = {};
    for (const k of keyList(keys)) {
      const key = String(k);
      if (key in o) out[key] = o[key];
    }
    return out;
  },
  'object.union_n': objs => {
    need(isArr(objs) && objs.every(isObj));
    const merge = (a: JObject, b: JObject): JObject => {
      const out = { ...a };
      for (const [k, v] of Object.entries(b)) {
        const prev = out[k];
        out[k] = isObj(prev) && isObj(v) ? merge(prev, v) : v;
      }
      return out;
    };
    return objs.filter(isObj).reduce(merge, {});
  },
  'array.reverse': a => {
    need(isArr(a));
    return [...a].reverse();
  },
  // Number() first: the same ToNumber coercion the bare operators apply.
  'bits.or': (a, b) => Number(a) | Number(b),
  'bits.and': (a, b) => Number(a) & Number(b),
  'bits.xor': (a, b) => Number(a) ^ Number(b),
  'bits.negate': a => ~Number(a),
  'bits.lsh': (a, b) => {
    need(isInt(a) && isInt(b));
    return Number(BigInt(a) << BigInt(b));
  },
  'bits.rsh': (a, b) => {
    need(isInt(a) && isInt(b));
    return Number(BigInt(a) >> BigInt(b));
  },
  'numbers.range_step': (a, b, s) => {
    need(isInt(a) && isInt(b) && isInt(s) && s > 0);
    const out: number[] = [];
    if (a <= b) for (let i = a; i <= b; i += s) out.push(i);
    else for (let i = a; i >= b; i -= s) out.push(i);
    return out;
  },
};

/**
 * The custom builtins object for `@open-policy-agent/opa-wasm`'s loadPolicy:
 * private names mapped to wrappers answering `{v: value}` / `{}`.
 */
export function sdkBuiltins(
  prefix: string,
): Record<string, (...args: J[]) => J> {
  const out: Record<string, (...args: J[]) => J> = {};
  for (const [name, impl] of Object.entries(hostBuiltins)) {
    out[prefix + name] = (...args: J[]) => {
      try {
        const v = impl(...args);
        return v === undefined ? {} : { v };
      } catch {
        return {};
      }
    };
  }
  return out;
}
