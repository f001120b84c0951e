#!/usr/bin/env bash
# RPC latency through Ferry against a raw Netty WebSocket echo (docs/benchmarks/log.md, "Optimisation: RPC path"):
# starts `ferry serve` (FERRY_JAVA_OPTS, as bench/idle.sh) and `ferry-bench echo-server` in processes of their
# own, runs `ferry-bench rpc` against both from a third, then stops them. Arguments go to `ferry-bench rpc`
# (try `bench/rpc.sh --help`); --url and --echo-url are filled in here.
#
#   bench/rpc.sh --callers 1 --duration 10
#   bench/rpc.sh --callers 16 --duration 10
#   RECORD_JFR=1 bench/rpc.sh --callers 16    # the server writes a JFR recording, path printed at the end
#   SERVER_CPUS=1 CLIENT_CPUS=0 bench/rpc.sh --callers 50
#                                             # both servers on core 1, the load generator on core 0
#
# At the end it prints the CPU time each server used over the whole run (warm-up included; each is idle while the
# other is measured), from /proc/PID/stat.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
build_jars_when_stale

port="$(free_port)"
echo_port="$(free_port)"
while [[ "$echo_port" == "$port" ]]; do echo_port="$(free_port)"; done
tmp="${TMPDIR:-/tmp}"
if [[ -n "${RECORD_JFR:-}" ]]; then
    jfr="$tmp/ferry-rpc-$port.jfr"
    export FERRY_JAVA_OPTS="${FERRY_JAVA_OPTS-} -XX:StartFlightRecording=filename=$jfr,settings=profile"
fi
# Optional CPU pinning (taskset CPU lists): both servers on SERVER_CPUS, the load generator on CLIENT_CPUS, so
# that on a small machine the three processes do not trade cores from run to run. A JVM sizes its defaults to the
# CPUs it may use: pinned to one core, each server runs one event loop.
server_pin=(); client_pin=()
[[ -n "${SERVER_CPUS:-}" ]] && server_pin=(taskset -c "$SERVER_CPUS")
[[ -n "${CLIENT_CPUS:-}" ]] && client_pin=(taskset -c "$CLIENT_CPUS")
"${server_pin[@]}" "$root/ferry" serve --host 127.0.0.1 --port "$port" > "$tmp/ferry-rpc-$port.log" 2>&1 &
server=$!
"${server_pin[@]}" java ${ECHO_JAVA_OPTS:-} -jar "$bench_jar" echo-server --port "$echo_port" > "$tmp/ferry-echo-$echo_port.log" 2>&1 &
echo_server=$!
trap 'kill "$server" "$echo_server" 2>/dev/null; wait "$server" "$echo_server" 2>/dev/null || true' EXIT
wait_port "$port"
wait_port "$echo_port"
"${client_pin[@]}" java ${CLIENT_JAVA_OPTS:-} -jar "$bench_jar" rpc --url "ws://127.0.0.1:$port/v1/ws" --echo-url "ws://127.0.0.1:$echo_port/echo" "$@"
cpu_seconds() {
    local ticks
    ticks=$(awk '{print $14 + $15}' "/proc/$1/stat")
    awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}
echo "server CPU over the run: ferry $(cpu_seconds "$server") s, echo $(cpu_seconds "$echo_server") s"
if [[ -n "${RECORD_JFR:-}" ]]; then
    kill "$server"; wait "$server" 2>/dev/null || true
    echo "JFR recording: $jfr" >&2
fi
