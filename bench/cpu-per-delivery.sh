#!/usr/bin/env bash
# Server CPU per delivery of a fan-out run (docs/benchmarks/log.md): starts `ferry serve` from DIR/ferry.jar in its
# own process, warms it with one `ferry-bench fanout` run (DIR/ferry-bench.jar), then reads the server's
# utime+stime from /proc around a second run and divides by the deliveries.
# usage: bench/cpu-per-delivery.sh DIR SUBSCRIBERS RATE DURATION
set -eu
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
dir=$1; subs=$2; rate=$3; dur=$4
port="$(free_port)"
FERRY_WEBSOCKET_OUTBOUND_QUEUE_BYTES=268435456 java -Xmx1g -jar $dir/ferry.jar serve --host 127.0.0.1 --port $port > "${TMPDIR:-/tmp}/ferry-serve-$port.log" 2>&1 &
pid=$!
trap "kill $pid 2>/dev/null" EXIT
wait_port "$port"
# warm the server's JIT with a first run, then measure a second
java -jar $dir/ferry-bench.jar fanout --url ws://127.0.0.1:$port/v1/ws --subscribers $subs --rate $rate --duration 5 --warmup 2 > /dev/null 2>&1 || true
t0=$(awk '{print $14+$15}' /proc/$pid/stat)
out=$(java -jar $dir/ferry-bench.jar fanout --url ws://127.0.0.1:$port/v1/ws --subscribers $subs --rate $rate --duration $dur --warmup 1 2>&1 || true)
t1=$(awk '{print $14+$15}' /proc/$pid/stat)
echo "$out" | grep -iE 'deliver|p50|p99' | head -5
del=$(echo "$out" | grep -oE 'deliveries[^0-9]*[0-9,]+' | head -1 | grep -oE '[0-9,]+$' | tr -d ,)
echo "server cpu ticks: $((t1-t0)) deliveries: ${del:-?}"
if [ -n "${del:-}" ] && [ "$del" -gt 0 ]; then echo "server CPU ns/delivery: $(( (t1-t0) * 10000000 / del ))"; fi
