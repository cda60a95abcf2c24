#!/usr/bin/env node
/*
 * Builds the AssemblyScript runtime (build/runtime.wasm) and a CommonJS bundle
 * of the compiler (dist/bundle/index.js) for the CLI and benchmarks.
 * Idempotent: skips outputs that are newer than their sources (--force rebuilds).
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const force = process.argv.includes('--force');

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name))
      t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

function stale(out, srcTime) {
  return (
    force ||
    !fs.existsSync(out) ||
    fs.statSync(out).mtimeMs <
      Math.max(srcTime, fs.statSync(__filename).mtimeMs)
  );
}

fs.mkdirSync(path.join(root, 'dist/bundle'), { recursive: true });

const wasmOut = path.join(root, 'build/runtime.wasm');
if (stale(wasmOut, newest(path.join(root, 'runtime')))) {
  const asc = path.join(
    path.dirname(require.resolve('assemblyscript/package.json')),
    'bin/asc.js',
  );
  const tmp = `${wasmOut}.tmp`;
  execFileSync(
    process.execPath,
    [
      asc,
      'runtime/index.ts',
      '-o',
      tmp,
      '--runtime',
      'stub',
      '--importMemory',
      '--noAssert',
      '-O3',
      '--use',
      'abort=',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  fs.renameSync(tmp, wasmOut);
  console.error(`rego-wasm: built ${path.relative(process.cwd(), wasmOut)}`);
}

const jsOut = path.join(root, 'dist/bundle/index.js');
if (stale(jsOut, newest(path.join(root, 'src')))) {
  require('esbuild').buildSync({
    entryPoints: [path.join(root, 'src/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: jsOut,
    external: ['@open-policy-agent/opa-wasm', 'yaml'],
    logLevel: 'warning',
  });
  console.error(`rego-wasm: built ${path.relative(process.cwd(), jsOut)}`);
}
