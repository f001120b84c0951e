#!/usr/bin/env bash
# Memory per idle ferry.v1 connection (docs/benchmarks/log.md, "Optimisation: idle connections"): starts `ferry serve`
# in its own process with FERRY_JAVA_OPTS (JVM options of the server; the launcher's defaults for serve when unset,
# none when set but empty), runs
# `ferry-bench idle` against it from another process (CLIENT_JAVA_OPTS), then stops the server. Arguments go to
# `ferry-bench idle` (try `bench/idle.sh --help`); --url and --pid are filled in here.
#
#   bench/idle.sh --connections 10000 --gc --histogram 25
#   FERRY_JAVA_OPTS= bench/idle.sh --connections 19000 --gc --hold 30     # the JVM's own defaults
#   PING_INTERVAL=5s bench/idle.sh --connections 10000 --gc     # heartbeats every 5 s during the hold
#
# Builds ferry-cli/target/ferry.jar and ferry-bench/target/ferry-bench.jar (mvn package) when missing or stale.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
build_jars_when_stale

# One descriptor per connection in each process; the hard limit may be below what is asked.
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

port="$(free_port)"
log="${TMPDIR:-/tmp}/ferry-idle-$port.log"
FERRY_WEBSOCKET_PING_INTERVAL="${PING_INTERVAL:-25s}" "$root/ferry" serve --host 127.0.0.1 --port "$port" > "$log" 2>&1 &
launcher=$!
trap 'kill "$launcher" 2>/dev/null; wait "$launcher" 2>/dev/null || true' EXIT
wait_port "$port"
# The launcher execs java, so its pid is the server's.
if [[ -z "${FERRY_JAVA_OPTS+set}" ]]; then opts="the launcher's defaults for serve"; else opts="'${FERRY_JAVA_OPTS}'"; fi
echo "server pid $launcher, port $port, JVM options: $opts, log $log" >&2
java ${CLIENT_JAVA_OPTS:--Xmx2g} -jar "$bench_jar" idle --url "ws://127.0.0.1:$port/v1/ws" --pid "$launcher" "$@"
