#!/usr/bin/env node
/*
 * Runs the conformance suite and records the figures: conformance-baseline.json
 * (checked by src/conformance.test.ts) and the table in docs/rego-conformance.md.
 * Usage: node scripts/record-conformance.js [DIR]
 */
const fs = require('node:fs');
const path = require('node:path');

require('./build-runtime.js');
const {
  runConformance,
  readSkips,
  resolveConformanceDir,
} = require('../dist/bundle/index.js');

const pkg = path.resolve(__dirname, '..');
const repo = path.resolve(pkg, '../..');
const dir = process.argv[2] ?? resolveConformanceDir();

const CORE =
  `completedoc partialsetdoc partialobjectdoc virtualdocs baseandvirtualdocs comprehensions every
containskeyword defaultkeyword elsekeyword functions functionerrors withkeyword negation disjunction eqexpr
comparisonexpr varreferences nestedreferences compositereferences indirectreferences dataderef inputvalues
partialiter aggregates sets arithmetic array`.split(/\s+/);

(async () => {
  const t0 = Date.now();
  const r = await runConformance(dir, {
    skips: readSkips(path.join(pkg, 'conformance-skips.yaml')),
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const dirs = {};
  for (const [d, s] of Object.entries(r.dirs)) dirs[d] = s.passed;
  fs.writeFileSync(
    path.join(pkg, 'conformance-baseline.json'),
    `${JSON.stringify(
      { passed: r.passed, failed: r.failed, skipped: r.skipped, dirs },
      null,
      2,
    )}\n`,
  );
  const pct = (p, f) => (p + f ? `${((100 * p) / (p + f)).toFixed(1)}%` : '–');
  const row = (d, s) =>
    `| ${d} | ${s.passed} | ${s.failed} | ${s.skipped} | ${pct(
      s.passed,
      s.failed,
    )} |`;
  const core = { passed: 0, failed: 0, skipped: 0 };
  const coreRows = CORE.map(c => {
    const key = Object.keys(r.dirs).find(d => d.split('/').pop() === c);
    if (!key) return `| ${c} | – | – | – | not in the shared suite |`;
    const s = r.dirs[key];
    core.passed += s.passed;
    core.failed += s.failed;
    core.skipped += s.skipped;
    return row(c, s);
  });
  const all = Object.entries(r.dirs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([d, s]) => row(d, s));
  const doc = `# Rego conformance of \`@internal/rego-wasm\`

Measured ${new Date()
    .toISOString()
    .slice(
      0,
      10,
    )} with \`node packages/rego-wasm/scripts/record-conformance.js\`
(the same harness as \`npm run -s rego:conformance -- ${
    path.relative(repo, dir) || dir
  }\`), on the shared OPA cases in
\`../shared/conformance\` (OPA commit 2f9eae55; \`opa-v1/\` language cases and \`opa-wasm-assets/\` wasm end-to-end cases).
Every case is compiled by \`compileRego\` (its query becomes an entrypoint), evaluated through
\`@open-policy-agent/opa-wasm\` 1.10 and compared with the expectation (result rows compared as a multiset,
since the wasm result set is a set). Run time of the whole suite: ${secs} s on the 2 vCPU shared machine.
Skipped cases and reasons: \`packages/rego-wasm/conformance-skips.yaml\`.
\`packages/rego-wasm/conformance-baseline.json\` holds these figures; the jest test
\`src/conformance.test.ts\` fails if any directory's pass count (or the total) drops below them.

## Summary

- Whole shared suite: **${r.passed} passed, ${r.failed} failed, ${
    r.skipped
  } skipped — ${pct(r.passed, r.failed)}** (target ≥ 60%).
- Core-language directories listed in issue 5: **${core.passed} passed, ${
    core.failed
  } failed, ${core.skipped} skipped — ${pct(
    core.passed,
    core.failed,
  )}** (target ≥ 90%).

## Core-language directories (issue 5)

| directory | passed | failed | skipped | pass rate |
|---|---|---|---|---|
${coreRows.join('\n')}

## All directories

| directory | passed | failed | skipped | pass rate |
|---|---|---|---|---|
${all.join('\n')}
`;
  const docPath = path.join(repo, 'docs/rego-conformance.md');
  const old = fs.existsSync(docPath) ? fs.readFileSync(docPath, 'utf8') : '';
  const notes = old.includes('\n## Notes')
    ? old.slice(old.indexOf('\n## Notes'))
    : '';
  fs.writeFileSync(docPath, doc + notes);
  console.log(
    `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped; core ${
      core.passed
    }/${core.passed + core.failed}`,
  );
})().catch(e => {
  console.error(e);
  process.exit(1);
});
