#!/usr/bin/env bash
# RPC through two servers' jars against the raw-Netty echo, in one run (docs/benchmarks.md, "RPC: the call path
# against the echo, A/B"). Starts jar A and jar B as `ferry serve` (the settings of bench/ab.sh) and
# `ferry-bench peer-server --kind echo`, all up for the whole run, then round after round (the order of A and B
# flipping each round) runs `ferry-bench peer-rpc --mode ferry --echo-url` against each side: Ferry and the echo
# taking turns in slices, so that each run gives a ratio to the echo measured under the same machine load. Per
# run it also reads the CPU time (utime + stime, /proc/PID/stat) the side's server and the echo server used, and
# divides it by their calls (the measured round trips scaled to warm-up + measurement). At the end it prints each
# side's median and range per figure and the B/A ratio of each round.
#
#   bench/rpc-ab.sh A.jar B.jar                    # jars of two commits, e.g. as bench/ab.sh keeps them
#   ROUNDS=6 SERVER_CPUS=1 CLIENT_CPUS=0 bench/rpc-ab.sh A.jar B.jar
#
# Settings (environment): ROUNDS (4), RPC_CALLERS (50), RPC_ARGS ("--warmup 2 --duration 6 --rounds 6": per
# side of each peer-rpc run), FERRY_JAVA_OPTS (default: the options ./ferry gives `serve`), SERVER_CPUS /
# CLIENT_CPUS (taskset CPU lists, as bench/rpc.sh), AB_DIR (where runs are written: ${TMPDIR:-/tmp}/ferry-ab).
# Needs java 17, jq, ss; uses this tree's ferry-bench.jar (built when stale).
set -euo pipefail

if [[ $# -ne 2 || "$1" == -h || "$1" == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

jar_a="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
jar_b="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
rounds="${ROUNDS:-4}"
rpc_callers="${RPC_CALLERS:-50}"
read -r -a rpc_args <<< "${RPC_ARGS:---warmup 2 --duration 6 --rounds 6}"
ab_dir="${AB_DIR:-${TMPDIR:-/tmp}/ferry-ab}"
if [[ -z "${FERRY_JAVA_OPTS+set}" ]]; then
    FERRY_JAVA_OPTS="$(sed -n 's/^serve_java_opts="\(.*\)"$/\1/p' "$root/ferry")"
fi
server_pin=(); client_pin=()
[[ -n "${SERVER_CPUS:-}" ]] && server_pin=(taskset -c "$SERVER_CPUS")
[[ -n "${CLIENT_CPUS:-}" ]] && client_pin=(taskset -c "$CLIENT_CPUS")
# the seconds of warm-up and measurement of one side, for the calls the CPU time is divided by
warmup=2; duration=6
for ((k = 0; k < ${#rpc_args[@]}; k++)); do
    case "${rpc_args[$k]}" in
        --warmup) warmup="${rpc_args[$((k + 1))]}" ;;
        --duration) duration="${rpc_args[$((k + 1))]}" ;;
    esac
done
if stale "$bench_jar"; then
    echo "rpc-ab.sh: building $bench_jar" >&2
    (cd "$root" && mvn -B -o -q -DskipTests package -pl ferry-bench -am) >&2
fi

run="$ab_dir/rpc-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run"
cp "$bench_jar" "$run/ferry-bench.jar"
results="$run/results.jsonl"
: > "$results"
{
    echo "A $jar_a"
    echo "B $jar_b"
    echo "rounds $rounds; RPC $rpc_callers callers: peer-rpc --mode ferry --echo-url ... ${rpc_args[*]}"
    echo "server JVM options: $FERRY_JAVA_OPTS; server CPUs: ${SERVER_CPUS:-any}; load generator CPUs: ${CLIENT_CPUS:-any}"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$run/run.txt" >&2

pids=()
stop_servers() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_servers EXIT
declare -A url pid
for side in A B; do
    jar="$jar_a"; [[ "$side" == B ]] && jar="$jar_b"
    port="$(free_port)"
    # shellcheck disable=SC2086 # FERRY_JAVA_OPTS is a list of options
    FERRY_WEBSOCKET_OUTBOUND_QUEUE_BYTES=64MiB "${server_pin[@]}" java $FERRY_JAVA_OPTS -jar "$jar" serve \
        --host 127.0.0.1 --port "$port" --set websocket.ping-interval=10s --set websocket.idle-timeout=30s \
        > "$run/server-$side.log" 2>&1 &
    pids+=($!); pid[$side]=$!
    wait_port "$port"
    url[$side]="ws://127.0.0.1:$port"
done
echo_port="$(free_port)"
"${server_pin[@]}" java -jar "$run/ferry-bench.jar" peer-server --kind echo --port "$echo_port" > "$run/echo.log" 2>&1 &
pids+=($!); pid[echo]=$!
wait_port "$echo_port"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"

for round in $(seq 1 "$rounds"); do
    order="A B"; (( round % 2 == 0 )) && order="B A"
    for side in $order; do
        echo "rpc-ab.sh: round $round, $side" >&2
        server0="$(ticks "${pid[$side]}")"; echo0="$(ticks "${pid[echo]}")"
        out="$(timeout --kill-after=10 300 "${client_pin[@]}" java -jar "$run/ferry-bench.jar" peer-rpc \
            --peer "ferry-$side" --mode ferry --callers "$rpc_callers" --url "${url[$side]}" \
            --echo-url "ws://127.0.0.1:$echo_port" "${rpc_args[@]}" 2>> "$run/progress.log" || true)"
        server1="$(ticks "${pid[$side]}")"; echo1="$(ticks "${pid[echo]}")"
        load="$(cut -d' ' -f1 /proc/loadavg)"
        jq -c -s --arg side "$side" --argjson round "$round" --argjson load "$load" \
            --argjson server "$(( server1 - server0 ))" --argjson echo "$(( echo1 - echo0 ))" \
            --argjson hz "$hz" --argjson scale "$(awk -v w="$warmup" -v d="$duration" 'BEGIN { print (w + d) / d }')" '
            (map(select(.mode == "ferry"))[0]) as $f | (map(select(.mode == "echo"))[0]) as $e
            | select($f != null and $e != null and ($f.round_trips // 0) > 0 and ($e.round_trips // 0) > 0)
            | {side: $side, round: $round, load: $load, rps: $f.rps, echo_rps: $e.rps, ratio: ($f.rps / $e.rps),
               p50_ms: $f.p50_ms, echo_p50_ms: $e.p50_ms, p50_ratio: ($f.p50_ms / $e.p50_ms), p99_ms: $f.p99_ms,
               echo_p99_ms: $e.p99_ms, errors: ($f.errors + $e.errors),
               server_us_per_call: ($server / $hz * 1e6 / ($f.round_trips * $scale)),
               echo_us_per_call: ($echo / $hz * 1e6 / ($e.round_trips * $scale))}' <<< "$out" \
            | tee -a "$results" >&2
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$run/run.txt" >&2

jq -r -s '
  def median: sort | if length == 0 then null
      elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def r2: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
  def range: if length == 0 then "" else " [" + (min | r2) + "-" + (max | r2) + "]" end;
  . as $all
  | ("| figure | A median [range] | B median [range] | B/A per round: median [range] | rounds |",
     "|---|---:|---:|---:|---:|",
     ([ ["round trips/s", "rps"], ["round trips/s ÷ the echo'"'"'s (same run)", "ratio"],
        ["p50 ms", "p50_ms"], ["p50 ÷ the echo'"'"'s", "p50_ratio"], ["p99 ms", "p99_ms"],
        ["server CPU µs per call", "server_us_per_call"], ["echo server CPU µs per echo", "echo_us_per_call"] ][]
      | .[1] as $k
      | ($all | map(select(.side == "A") | .[$k])) as $a
      | ($all | map(select(.side == "B") | .[$k])) as $b
      | [ $all | group_by(.round)[]
          | (map(select(.side == "A"))[0][$k]) as $x | (map(select(.side == "B"))[0][$k]) as $y
          | select($x != null and $y != null and $x != 0) | $y / $x ] as $ratios
      | "| \(.[0]) | \($a | median | r2)\($a | range) | \($b | median | r2)\($b | range) | **\($ratios | median | r2)**\($ratios | range) | \($ratios | length) |"))
' "$results" | tee "$run/report.md"
echo "rpc-ab.sh: results in $run (run.txt, results.jsonl, report.md, progress.log)" >&2
