#!/usr/bin/env node
/*
 * Usage: rego-conformance [DIR] [--json] [--verbose] [--filter REGEX] [--skips FILE]
 * Runs OPA's YAML conformance cases in DIR (default: $REGO_CONFORMANCE_DIR or
 * ../shared/conformance next to the repository) through compileRego and
 * @open-policy-agent/opa-wasm. Builds the runtime and compiler bundle first if needed.
 */
const path = require('node:path');
const fs = require('node:fs');

require('../scripts/build-runtime.js');
const {
  runConformance,
  formatReport,
  readSkips,
  resolveConformanceDir,
} = require('../dist/bundle/index.js');

async function main() {
  const args = process.argv.slice(2);
  const flag = name => args.includes(name);
  const opt = name => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const valued = new Set(['--filter', '--skips']);
  const positional = args.filter(
    (a, i) => !a.startsWith('--') && !valued.has(args[i - 1]),
  );
  const dir = positional[0] ?? resolveConformanceDir();
  if (!fs.existsSync(dir)) {
    console.error(`rego-conformance: no such directory: ${dir}`);
    process.exit(2);
  }
  const skipsFile =
    opt('--skips') ?? path.resolve(__dirname, '../conformance-skips.yaml');
  const filter = opt('--filter') ? new RegExp(opt('--filter')) : undefined;
  const verbose = flag('--verbose');
  const report = await runConformance(dir, {
    skips: readSkips(skipsFile),
    filter,
    onCase: r => {
      if (verbose && r.status === 'fail')
        console.error(`FAIL ${r.note}: ${r.reason}`);
    },
  });
  if (flag('--json')) {
    const { cases, ...summary } = report;
    console.log(JSON.stringify(verbose ? report : summary, null, 2));
  } else {
    console.log(formatReport(report));
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
