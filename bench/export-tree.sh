#!/usr/bin/env bash
# A runnable copy of a revision for same-run comparisons (bench/authz/ab-http.sh and the like):
# `git archive REV` into DIR, node_modules entries linked to this checkout's (the @internal
# workspace links stay relative, so they point at DIR's own plugins), and the ignored build
# outputs the backend needs (the Rego runtime, the generated OpenAPI routers) copied.
# Run: bash bench/export-tree.sh REV DIR   (then edit DIR freely for an experiment)
set -euo pipefail
rev=${1:?revision}
dir=${2:?target directory}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
git -C "$here" archive "$rev" | tar -x -C "$dir"
mkdir -p "$dir/node_modules"
for entry in "$here"/node_modules/* "$here"/node_modules/.bin; do
  name=$(basename "$entry")
  if [ "$name" = "@internal" ]; then
    cp -P -r "$entry" "$dir/node_modules/@internal"
  else
    ln -sfn "$entry" "$dir/node_modules/$name"
  fi
done
for modules in "$here"/plugins/*/node_modules "$here"/packages/*/node_modules; do
  rel=${modules#"$here"/}
  [ -d "$dir/$(dirname "$rel")" ] && ln -sfn "$modules" "$dir/$rel"
done
cp -r "$here/packages/rego-wasm/build" "$here/packages/rego-wasm/dist" "$dir/packages/rego-wasm/"
for generated in "$here"/plugins/*/src/schema/openapi/generated; do
  rel=${generated#"$here"/}
  [ -d "$dir/$(dirname "$rel")" ] && cp -r "$generated" "$dir/$(dirname "$rel")/"
done
echo "$dir: $(git -C "$here" rev-parse --short "$rev")"
