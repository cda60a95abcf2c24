/*
 * Minimal wasm binary rewriter: appends the policy IR as an active data
 * segment after the runtime's static data and writes its address/length into
 * the runtime's IR header (magic "RWIR").
 */

function readU32(buf: Uint8Array, at: number): [number, number] {
  let pos = at;
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

function u32(value: number): number[] {
  let n = value;
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function s32(value: number): number[] {
  let n = value;
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const MAGIC = [0x52, 0x57, 0x49, 0x52];

interface Section {
  id: number;
  start: number; // payload start
  end: number;
  headerStart: number;
}

function sections(wasm: Uint8Array): Section[] {
  const out: Section[] = [];
  let pos = 8;
  while (pos < wasm.length) {
    const headerStart = pos;
    const id = wasm[pos++];
    const [size, p] = readU32(wasm, pos);
    out.push({ id, start: p, end: p + size, headerStart });
    pos = p + size;
  }
  return out;
}

/** Returns a copy of the runtime module with `ir` patched in. */
export function patchRuntime(runtime: Uint8Array, ir: Uint8Array): Uint8Array {
  const wasm = new Uint8Array(runtime);
  const secs = sections(wasm);
  const data = secs.find(s => s.id === 11);
  if (!data) throw new Error('runtime module has no data section');
  let [count, pos] = readU32(wasm, data.start);
  let maxEnd = 0;
  let hdrAt = -1;
  for (let i = 0; i < count; i++) {
    const [flags, p1] = readU32(wasm, pos);
    if (flags !== 0) throw new Error('unsupported data segment kind');
    if (wasm[p1] !== 0x41) throw new Error('unsupported data segment offset');
    // signed LEB offset
    let off = 0;
    let shift = 0;
    let q = p1 + 1;
    for (;;) {
      const b = wasm[q++];
      off |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    q++; // end opcode
    const [size, p2] = readU32(wasm, q);
    for (let j = p2; j + 16 <= p2 + size; j += 4) {
      if (
        MAGIC.every((m, k) => wasm[j + k] === m) &&
        wasm[j + 4] === 0 &&
        wasm[j + 8] === 0
      ) {
        hdrAt = j;
        break;
      }
    }
    maxEnd = Math.max(maxEnd, off + size);
    pos = p2 + size;
  }
  if (hdrAt < 0) throw new Error('runtime module has no IR header');
  const irAddr = (maxEnd + 64 + 15) & ~15;
  const dv = new DataView(wasm.buffer, wasm.byteOffset, wasm.byteLength);
  dv.setUint32(hdrAt + 4, irAddr, true);
  dv.setUint32(hdrAt + 8, ir.length, true);

  // new data section: count+1, old segments, new segment
  const oldSegs = wasm.subarray(readU32(wasm, data.start)[1], data.end);
  const seg = [0, 0x41, ...s32(irAddr), 0x0b, ...u32(ir.length)];
  const payloadHead = u32(count + 1);
  const payloadLen =
    payloadHead.length + oldSegs.length + seg.length + ir.length;
  const parts: Uint8Array[] = [
    wasm.subarray(0, data.headerStart),
    Uint8Array.from([11, ...u32(payloadLen), ...payloadHead]),
    oldSegs,
    Uint8Array.from(seg),
    ir,
    wasm.subarray(data.end),
  ];
  let out = concat(parts);
  // data count section (id 12), if present
  const dc = sections(out).find(s => s.id === 12);
  if (dc) {
    const body = u32(count + 1);
    out = concat([
      out.subarray(0, dc.headerStart),
      Uint8Array.from([12, ...u32(body.length), ...body]),
      out.subarray(dc.end),
    ]);
  }
  count += 1;
  return bumpMemoryMin(out, Math.ceil((irAddr + ir.length) / 65536));
}

/** Locates the imported memory's limits: offset of the flags byte, minimum pages, end of the minimum. */
function findMemoryImport(
  wasm: Uint8Array,
):
  | { section: Section; flagsAt: number; min: number; minEnd: number }
  | undefined {
  const imp = sections(wasm).find(s => s.id === 2);
  if (!imp) return undefined;
  const [n, start] = readU32(wasm, imp.start);
  let pos = start;
  for (let i = 0; i < n; i++) {
    const [ml, p1] = readU32(wasm, pos);
    const [fl, p2] = readU32(wasm, p1 + ml);
    const kind = wasm[p2 + fl];
    let p = p2 + fl + 1;
    if (kind === 2) {
      const [min, minEnd] = readU32(wasm, p + 1);
      return { section: imp, flagsAt: p, min, minEnd };
    }
    // skip the import description
    if (kind === 0) p = readU32(wasm, p)[1];
    else if (kind === 1) {
      p++;
      const lf = wasm[p++];
      p = readU32(wasm, p)[1];
      if (lf & 1) p = readU32(wasm, p)[1];
    } else if (kind === 3) p += 2;
    pos = p;
  }
  return undefined;
}

/** Minimum number of memory pages a module imports (what the SDK's memory must provide). */
export function memoryMinPages(wasm: Uint8Array): number {
  return findMemoryImport(wasm)?.min ?? 0;
}

/** Raises the minimum page count of the imported memory if the data needs more. */
function bumpMemoryMin(wasm: Uint8Array, pages: number): Uint8Array {
  const m = findMemoryImport(wasm);
  if (!m || m.min >= pages) return wasm;
  const imp = m.section;
  const payload = concat([
    wasm.subarray(imp.start, m.flagsAt + 1),
    Uint8Array.from(u32(pages)),
    wasm.subarray(m.minEnd, imp.end),
  ]);
  return concat([
    wasm.subarray(0, imp.headerStart),
    Uint8Array.from([2, ...u32(payload.length)]),
    payload,
    wasm.subarray(imp.end),
  ]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
