#!/usr/bin/env bash
# A reconnect storm with recovery from history (docs/capacity.md, "Reconnect storm"): a Redis of the run's own
# (`redis-server` on a free port, nothing saved) and three `ferry serve` nodes a, b, c on it, each in its own JVM;
# bench/storm.mjs puts CLIENTS connections on a, each on one of TOPICS topics, publishes with acks on b at RATE per
# second, kills a with SIGKILL after PRE seconds, and measures how long every client takes to come back on b or c
# (within JITTER ms of the kill, at random) and recover from history with `since`, the CPU of b and c and the
# Redis commands over that time, and that every acknowledged publication reached every client.
#
#   bench/storm.sh                         # 2000 clients, 100 topics, 200 publications/s, 3 s of reconnects
#   bench/storm.sh 10000 1000 500 5000     # CLIENTS TOPICS RATE JITTER_MS
#
# Bounded (the driver gives up after 180 s); every process started here is stopped on exit. Only 127.0.0.1.
# Needs java 17, node, npm (installs bench/peers' packages once), redis-server, redis-cli, ss.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
case "${1:-}" in -h|--help) sed -n '2,13p' "$0"; exit 0 ;; esac
clients="${1:-2000}"; topics="${2:-100}"; rate="${3:-200}"; jitter="${4:-3000}"
pre="${PRE:-5}"
# the JVM options `./ferry serve` gives the server (one source: the launcher), unless SERVER_JAVA_OPTS is set
server_opts="${SERVER_JAVA_OPTS-$(sed -n 's/^serve_java_opts="\(.*\)"$/\1/p' "$root/ferry")}"
build_jars_when_stale
if [[ ! -d "$root/bench/peers/node_modules" ]]; then
    (cd "$root/bench/peers" && npm ci --no-audit --no-fund --silent)
fi
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

work="$(mktemp -d "${TMPDIR:-/tmp}/ferry-storm.XXXXXX")"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

rport="$(free_port)"
redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no > "$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$rport"
prefix="ferrybench-storm-$$"
settings=(engine=redis "redis.uri=redis://127.0.0.1:$rport" "redis.prefix=$prefix" "session.secret=bench-$prefix"
    history.size=100000 history.ttl=10m)
declare -A port pid
for n in a b c; do
    port[$n]="$(free_port)"
    args=(); for s in "${settings[@]}"; do args+=(--set "$s"); done
    # shellcheck disable=SC2086
    java $server_opts -jar "$server_jar" serve --host 127.0.0.1 --port "${port[$n]}" "${args[@]}" > "$work/$n.log" 2>&1 &
    pid[$n]=$!
    pids+=("${pid[$n]}")
done
for n in a b c; do wait_port "${port[$n]}"; done
url() { echo "ws://127.0.0.1:$1/v1/ws"; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $clients clients on node a, $topics topics, $rate publications/s, reconnects within $jitter ms" >&2
node "$root/bench/storm.mjs" --victim "$(url "${port[a]}")" --survivors "$(url "${port[b]}"),$(url "${port[c]}")" \
    --publish "$(url "${port[b]}")" --clients "$clients" --topics "$topics" --rate "$rate" --pre "$pre" \
    --jitter "$jitter" --timeout 180 --kill-pid "${pid[a]}" --watch-pids "${pid[b]},${pid[c]}" --redis-port "$rport"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
