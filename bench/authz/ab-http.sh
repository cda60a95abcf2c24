#!/usr/bin/env bash
# Same-run comparison of the HTTP benchmark across source trees: runs run-http.mjs of each tree
# in SIDES ("name=/path name=/path ...", e.g. `git archive` exports of commits whose
# node_modules entries link to this repo's and whose @internal links point to their own
# plugins), ROUNDS times, rotating which side goes first; each run under `flock $BENCH_LOCK`
# when BENCH_LOCK is set. Prints each run's result lines with its side and the load average
# before it. Default SIDES: "before=$BASE_ROOT after=<this repo>".
# Env: SIDES or BASE_ROOT, ROUNDS (default 2), PORTAL_TEST_POSTGRES_URL, and what
# http.bench.mjs reads (RATE, REQUESTS, BATCHES, CONCURRENCY, DENY_EVERY, SERIES, ...).
# Run: SIDES="A=/tmp/a C=/tmp/c" scripts/with-node.sh bash bench/authz/ab-http.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
read -r -a sides <<<"${SIDES:-before=${BASE_ROOT:?set SIDES or BASE_ROOT} after=$here}"
rounds=${ROUNDS:-2}
run() {
  local side=${1%%=*} root=${1#*=}
  echo "== $side ($root) load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M:%S)"
  ${BENCH_LOCK:+flock "$BENCH_LOCK"} timeout 360 node "$root/bench/authz/run-http.mjs" 2>&1 |
    grep -E 'machine|GET|POST|Error|error' | sed "s/^/[$side] /" || true
}
n=${#sides[@]}
for ((r = 0; r < rounds; r++)); do
  for ((k = 0; k < n; k++)); do
    run "${sides[$(((r + k) % n))]}"
  done
done
