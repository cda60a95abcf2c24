import { gunzipSync } from 'node:zlib';
import { loadPolicy as sdkLoadPolicy } from '@open-policy-agent/opa-wasm';
import { HOST_PREFIX } from './builtins';
import { sdkBuiltins } from './host-builtins';
import { memoryMinPages } from './wasm-patch';

/** The evaluation surface of `@open-policy-agent/opa-wasm`'s LoadedPolicy. */
export interface RegoPolicy {
  evaluate(
    input?: unknown,
    entrypoint?: string | number,
  ): { result: unknown }[];
  setData(data: unknown): void;
  entrypoints: Record<string, number>;
}

export interface LoadOptions {
  /** Initial memory pages (64 KiB each); default 5 like the SDK. */
  memoryPages?: number;
  /** Extra custom builtins for real `opa build` modules (e.g. SDK-less host functions). */
  customBuiltins?: Record<string, (...args: any[]) => any>;
}

/** The customBuiltins object to pass to the SDK's loadPolicy for modules from compileRego. */
export function customBuiltins(): Record<string, (...args: any[]) => any> {
  return sdkBuiltins(HOST_PREFIX);
}

export interface Bundle {
  wasm: Uint8Array;
  data?: unknown;
}

/** Extracts /policy.wasm and /data.json from an OPA bundle (.tar.gz). */
export function readBundle(targz: Uint8Array): Bundle {
  const tar = gunzipSync(targz);
  let wasm: Uint8Array | undefined;
  let data: unknown;
  let pos = 0;
  let longName: string | undefined;
  while (pos + 512 <= tar.length) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every(b => b === 0)) break;
    const str = (a: number, b: number) =>
      Buffer.from(header.subarray(a, b)).toString('utf8').replace(/\0.*$/s, '');
    let name = str(0, 100);
    const prefix = str(345, 500);
    if (prefix) name = `${prefix}/${name}`;
    const size = parseInt(str(124, 136).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const body = tar.subarray(pos + 512, pos + 512 + size);
    pos += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = Buffer.from(body).toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (longName) {
      name = longName;
      longName = undefined;
    }
    if (type !== '0' && type !== '\0') continue;
    const clean = name.replace(/^\.?\//, '');
    if (clean === 'policy.wasm') wasm = new Uint8Array(body);
    else if (clean === 'data.json')
      data = JSON.parse(Buffer.from(body).toString('utf8'));
  }
  if (!wasm) throw new Error('bundle has no /policy.wasm');
  return { wasm, data };
}

/**
 * Loads a wasm module (from compileRego or `opa build -t wasm`) or an OPA
 * bundle (.tar.gz with /policy.wasm and optional /data.json) into the SDK.
 */
export async function loadPolicy(
  wasmOrBundle: Uint8Array | ArrayBuffer,
  options: LoadOptions = {},
): Promise<RegoPolicy> {
  const bytes =
    wasmOrBundle instanceof Uint8Array
      ? wasmOrBundle
      : new Uint8Array(wasmOrBundle);
  let wasm = bytes;
  let data: unknown;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b)
    ({ wasm, data } = readBundle(bytes));
  else if (
    !(
      bytes[0] === 0 &&
      bytes[1] === 0x61 &&
      bytes[2] === 0x73 &&
      bytes[3] === 0x6d
    )
  ) {
    throw new Error('not a wasm module or a .tar.gz bundle');
  }
  const policy = (await sdkLoadPolicy(
    wasm.buffer.slice(
      wasm.byteOffset,
      wasm.byteOffset + wasm.byteLength,
    ) as ArrayBuffer,
    { initial: Math.max(options.memoryPages ?? 5, memoryMinPages(wasm)) },
    { ...customBuiltins(), ...options.customBuiltins },
  )) as unknown as RegoPolicy;
  if (data !== undefined) policy.setData(data);
  // The SDK treats a falsy input (false, 0, "", null) as "no input": send those as JSON text.
  const evaluate = policy.evaluate.bind(policy);
  policy.evaluate = (input?: unknown, entrypoint?: string | number) =>
    evaluate(
      input !== undefined && !input
        ? (new TextEncoder().encode(JSON.stringify(input))
            .buffer as ArrayBuffer)
        : input,
      entrypoint,
    );
  return policy;
}
