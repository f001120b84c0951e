#!/usr/bin/env bash
# WAMP through Ferry against ferry.v1 through Ferry, in one run on one server (docs/benchmarks.md, "WAMP against
# ferry.v1"). Fan-out: ROUNDS rounds, each a ferry.v1 run then a WAMP run of `ferry-bench peer-fanout` at one fixed
# rate (SUBSCRIBERS subscribers, DPS offered deliveries/s), the server's CPU (utime+stime of /proc/<pid>/stat)
# read from its first publication to its end (connecting and subscribing not counted) and divided by the
# deliveries offered. RPC: `ferry-bench peer-rpc` with ferry.v1 and WAMP
# callers taking turns in slices (--echo-mode wamp), 50 callers, one callee each.
# usage: bench/wamp.sh [ROUNDS [SUBSCRIBERS [DPS]]]   (defaults 3, 1000, 100000)
set -eu
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
rounds=${1:-3}; subs=${2:-1000}; dps=${3:-100000}
build_jars_when_stale
run="$(mktemp -d)"
cp "$bench_jar" "$run/ferry-bench.jar"
cp "$server_jar" "$run/ferry.jar"
port="$(free_port)"
FERRY_WEBSOCKET_OUTBOUND_QUEUE_BYTES=64MiB java -Xmx1g -jar "$run/ferry.jar" serve --host 127.0.0.1 --port "$port" \
    --set websocket.ping-interval=10s --set websocket.idle-timeout=30s > "$run/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$run"' EXIT
wait_port "$port"
url="ws://127.0.0.1:$port"
hz=$(getconf CLK_TCK)
warm=2; step_warm=1; dur=4
fanout() { # CODEC: one fixed-rate step; prints "codec dps p50 p99 server-ns-per-delivery"
    local t0="" t1 line log="$run/fanout-$1.log" out="$run/fanout-$1.out" bench_pid
    java -jar "$run/ferry-bench.jar" peer-fanout --peer "$1" --codec "$1" --url "$url" --subscribers "$subs" \
        --start-deliveries "$dps" --steps 1 --refine 0 --initial-warmup "$warm" --warmup "$step_warm" \
        --duration "$dur" --drain 5 > "$out" 2> "$log" &
    bench_pid=$!
    # the server's CPU from the first publication on: connecting and subscribing are not counted
    while kill -0 "$bench_pid" 2>/dev/null; do
        if [[ -z "$t0" ]] && grep -q 'warming up' "$log"; then t0=$(awk '{print $14+$15}' "/proc/$pid/stat"); fi
        sleep 0.1
    done
    wait "$bench_pid" || true
    t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
    line=$(grep '"bench":"peer-fanout",' "$out" | tail -1)
    python3 - "$1" "$line" "$((t1 - ${t0:-$t1}))" "$hz" "$warm" "$step_warm" "$dur" <<'PY'
import json, sys
codec, line, ticks, hz, warm, step_warm, dur = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), *map(float, sys.argv[5:])
offered = line["offered_dps"] * (warm + step_warm + dur)
print(f'{codec:6} dps {line["dps"]:>9.0f} p50 {line["p50_ms"]:6.2f} ms p99 {line["p99_ms"]:7.2f} ms '
      f'kept_up {line["kept_up"]} server CPU {ticks / hz * 1e9 / offered:7.0f} ns/delivery')
PY
}
echo "fan-out: $subs subscribers, $dps deliveries/s offered, $rounds rounds (ferry.v1 then WAMP)"
java -jar "$run/ferry-bench.jar" peer-fanout --peer warmup --codec ferry --url "$url" --subscribers "$subs" \
    --start-deliveries "$dps" --steps 1 --refine 0 --initial-warmup 2 --warmup 1 --duration 2 > /dev/null 2>&1 || true
for _ in $(seq 1 "$rounds"); do
    fanout ferry
    fanout wamp
done
echo "rpc: 50 callers, ferry.v1 and WAMP taking turns"
java -jar "$run/ferry-bench.jar" peer-rpc --peer ferry --mode ferry --url "$url" --echo-url "$url" --echo-mode wamp \
    --echo-peer wamp --callers 50 --warmup 3 --duration 10 --rounds 10 2>/dev/null
