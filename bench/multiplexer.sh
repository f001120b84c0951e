#!/usr/bin/env bash
# The multiplexer load test (docs/benchmarks.md, "Multiplexer against plain sockets"): starts `ferry serve --demo`
# on 127.0.0.1, drives /demo/loadtest.html in headless Chromium (bench/multiplexer.mjs) for each N, both modes,
# REPEAT times (default 3), then stops the server. Prints a Markdown table of the medians; with OUT_DIR set, also
# writes OUT_DIR/multiplexer-results.jsonl (every measurement) and OUT_DIR/multiplexer.svg (the chart).
#
#   bench/multiplexer.sh                         # N = 6, 60, 600
#   OUT_DIR=docs/benchmarks bench/multiplexer.sh 6,60,600
#
# Needs node, `npm ci --prefix ferry-js` (playwright-core) and Debian's chromium (/usr/bin/chromium, or
# FERRY_CHROMIUM). Builds ferry-cli/target/ferry.jar (mvn package) when missing or stale.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
if stale "$server_jar"; then
  echo "building $server_jar" >&2
  (cd "$root" && mvn -q -B -ntp -pl ferry-cli -am package -DskipTests)
fi
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

port="$(free_port)"
log="${TMPDIR:-/tmp}/ferry-multiplexer-$port.log"
"$root/ferry" serve --demo --host 127.0.0.1 --port "$port" > "$log" 2>&1 &
launcher=$!
trap 'kill "$launcher" 2>/dev/null; wait "$launcher" 2>/dev/null || true' EXIT
wait_port "$port"
echo "server pid $launcher, port $port, log $log" >&2

args=(--url "http://127.0.0.1:$port" --n "${1:-6,60,600}" --repeat "${REPEAT:-3}")
if [[ -n "${OUT_DIR:-}" ]]; then
  mkdir -p "$OUT_DIR"
  rm -f "$OUT_DIR/multiplexer-results.jsonl"
  args+=(--out "$OUT_DIR/multiplexer-results.jsonl" --svg "$OUT_DIR/multiplexer.svg")
fi
node "$root/bench/multiplexer.mjs" "${args[@]}"
