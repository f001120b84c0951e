#!/usr/bin/env bash
# Three `ferry serve` processes on Redis against one node (docs/benchmarks.md, "Cluster: three processes on
# Redis"). Starts, on loopback, a Redis of the run's own (`redis-server` on a free port, nothing saved; REDIS_PORT
# names a running one instead), one node with the memory engine ("single") and three nodes a, b, c with
# `engine: redis`, each in its own JVM. Then, ROUNDS times, taking turns with the same subscribers and
# publications (`ferry-bench fanout`, one paced publisher, run in another process):
#   single   every subscriber and the publisher on the single node;
#   spread   subscribers round-robin over a, b and c, the publisher on a;
#   cross    subscribers on b and c only, the publisher on a (every delivery crosses Redis).
# For each run: server CPU (utime+stime of the processes from /proc, summed over a, b and c) per delivery, p50 and
# p99 latency from the intended send time, deliveries against publications x subscribers, and, from Redis's own
# `INFO commandstats` and `INFO stats` (reset with CONFIG RESETSTAT at the first publication), the Redis commands,
# bytes in and bytes out per publication, less the nodes' background traffic (heartbeats) measured idle first.
#
#   bench/cluster.sh                          # 900 subscribers, 100 publications/s, 10 s, 3 rounds
#   bench/cluster.sh 3000 30 10 3             # SUBSCRIBERS RATE DURATION ROUNDS
#   PAYLOAD=500 SERVER_JAVA_OPTS=-Xmx1g bench/cluster.sh   # JVM options of the servers (default: ./ferry serve's)
#
# Bounded: every run sends RATE x (DURATION + 2) publications and waits at most 10 s for the rest; every process
# started here is stopped on exit. Only 127.0.0.1. Needs java 17, redis-server and redis-cli (or REDIS_PORT),
# ss; builds the jars (mvn package) when missing or stale.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
case "${1:-}" in -h|--help) sed -n '2,22p' "$0"; exit 0 ;; esac
subs="${1:-900}"; rate="${2:-100}"; dur="${3:-10}"; rounds="${4:-3}"
payload="${PAYLOAD:-100}"
warmup=2
# the JVM options `./ferry serve` gives the server (one source: the launcher), unless SERVER_JAVA_OPTS is set
server_opts="${SERVER_JAVA_OPTS-$(sed -n 's/^serve_java_opts="\(.*\)"$/\1/p' "$root/ferry")}"
build_jars_when_stale
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

work="$(mktemp -d "${TMPDIR:-/tmp}/ferry-cluster.XXXXXX")"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

if [[ -n "${REDIS_PORT:-}" ]]; then
    rport="$REDIS_PORT"
else
    rport="$(free_port)"
    redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no > "$work/redis.log" 2>&1 &
    pids+=($!)
    wait_port "$rport"
fi
rcli() { redis-cli -h 127.0.0.1 -p "$rport" "$@"; }
prefix="ferrybench-cluster-$$"

# start_node NAME SETTINGS...: a `ferry serve` on a free port; sets node_port and node_pid.
start_node() {
    local name=$1; shift
    local port args=() s
    port="$(free_port)"
    for s in "$@"; do args+=(--set "$s"); done
    # shellcheck disable=SC2086
    java $server_opts -jar "$server_jar" serve --host 127.0.0.1 --port "$port" \
        --set websocket.outbound-queue-bytes=268435456 "${args[@]}" > "$work/$name.log" 2>&1 &
    node_pid=$!
    pids+=("$node_pid")
    node_port=$port
}
redis_settings=(engine=redis "redis.uri=redis://127.0.0.1:$rport" "redis.prefix=$prefix" "session.secret=bench-$prefix")
start_node single; single_pid=$node_pid; single_port=$node_port
start_node a "${redis_settings[@]}"; a_pid=$node_pid; a_port=$node_port
start_node b "${redis_settings[@]}"; b_pid=$node_pid; b_port=$node_port
start_node c "${redis_settings[@]}"; c_pid=$node_pid; c_port=$node_port
for p in "$single_port" "$a_port" "$b_port" "$c_port"; do wait_port "$p"; done
url() { echo "ws://127.0.0.1:$1/v1/ws"; }

ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
hz="$(getconf CLK_TCK)"
field() { jq -r ".$2" <<< "$1"; }

# fanout NAME PIDS -- FANOUT-ARGS: one run; prints a line of figures and appends its JSON to the results. The
# servers' CPU is read from the first publication (the tool's "publishing" line) to the end of the drain, so that
# connection set-up is not counted.
fanout() {
    local name=$1 pidlist=$2; shift 3
    local t0 t1 w0 w1 out json bp idle_per_s
    rm -f "$work/fanout-$name.out" "$work/fanout-$name.err"   # a previous round's "publishing" line must not count
    java -Xmx1g -jar "$bench_jar" fanout "$@" --subscribers "$subs" --rate "$rate" --payload "$payload" \
        --duration "$dur" --warmup "$warmup" > "$work/fanout-$name.out" 2> "$work/fanout-$name.err" &
    bp=$!
    while ! grep -qs '^publishing' "$work/fanout-$name.err" && kill -0 "$bp" 2>/dev/null; do sleep 0.05; done
    # shellcheck disable=SC2086
    t0="$(ticks $pidlist)"; w0="$(date +%s%N)"
    # Redis's counters from here: publications only, not the subscribes (each reads its topic's position)
    if [[ "$pidlist" == *" "* ]]; then rcli CONFIG RESETSTAT > /dev/null; s0=$SECONDS; fi
    wait "$bp" || true
    # shellcheck disable=SC2086
    t1="$(ticks $pidlist)"; w1="$(date +%s%N)"
    json="$(grep '^{' "$work/fanout-$name.out" | tail -1)"
    if [[ -z "$json" ]]; then
        echo "$name: the run failed: $(tail -3 "$work/fanout-$name.err")" >&2
        return 1
    fi
    local received sent cpu_ns
    received="$(field "$json" received)"; sent="$(field "$json" sent)"
    cpu_ns=$(( (t1 - t0) * (1000000000 / hz) / (received > 0 ? received : 1) ))
    # the same less what these servers burn idle (heartbeats, timers) over the same time
    if [[ "$pidlist" == *" "* ]]; then idle_per_s=$idle3_ms_per_s; else idle_per_s=$idle1_ms_per_s; fi
    busy_ns=$(( ((t1 - t0) * (1000000000 / hz) - idle_per_s * (w1 - w0) / 1000) / (received > 0 ? received : 1) ))
    last_sent=$sent
    printf '%-7s cpu/delivery %6d ns (%6d ns less idle)  p50 %8s ms  p99 %8s ms  delivered %d of %d (%d publications)  %s deliveries/s\n' \
        "$name" "$cpu_ns" "$busy_ns" "$(field "$json" p50_ms)" "$(field "$json" p99_ms)" "$received" "$((sent * subs))" "$sent" \
        "$(field "$json" deliveries_per_s)"
    jq -c --arg run "$name" --argjson cpu "$cpu_ns" --argjson busy "$busy_ns" \
        '. + {run: $run, server_cpu_ns_per_delivery: $cpu, less_idle_ns_per_delivery: $busy}' <<< "$json" \
        >> "$work/results.jsonl"
}

# redis_stats SECONDS PUBLICATIONS: commands and bytes since the last CONFIG RESETSTAT, per publication, less
# the background measured idle over SECONDS.
declare -A idle_calls
idle_in=0; idle_out=0; idle_s=1; idle1_ms_per_s=0; idle3_ms_per_s=0
redis_stats() {
    local secs=$1 pubs=$2 line cmd calls usec per in out total_usec=0 evals=0
    in="$(rcli INFO stats | awk -F: '/^total_net_input_bytes/{print $2+0}')"
    out="$(rcli INFO stats | awk -F: '/^total_net_output_bytes/{print $2+0}')"
    printf '        Redis per publication: bytes in %.0f, bytes out %.0f; commands:' \
        "$(bc -l <<< "($in - $idle_in * $secs / $idle_s) / $pubs")" "$(bc -l <<< "($out - $idle_out * $secs / $idle_s) / $pubs")"
    while IFS= read -r line; do
        cmd="${line#cmdstat_}"; cmd="${cmd%%:*}"
        calls="$(sed -E 's/^[^:]*:calls=([0-9]+),.*/\1/' <<< "$line")"
        usec="$(sed -E 's/^[^:]*:calls=[0-9]+,usec=([0-9]+),.*/\1/' <<< "$line")"
        if [[ "$cmd" == config* || "$cmd" == info ]]; then continue; fi
        # a script's time includes the commands it runs: the scripts' own figure is Redis's time
        if [[ "$cmd" == evalsha ]]; then total_usec=$usec; evals=$calls; fi
        per="$(bc -l <<< "($calls - ${idle_calls[$cmd]:-0} * $secs / $idle_s) / $pubs")"
        # only what publications cost: the background's own share rounds to nothing
        if [[ "$(bc -l <<< "$per >= 0.0005 || $per <= -0.0005")" == 1 ]]; then printf ' %s %.3f' "$cmd" "$per"; fi
    done < <(rcli INFO commandstats | tr -d '\r' | grep '^cmdstat_')
    # the counters are reset a moment after the first publication, so a few are not counted: per EVALSHA too
    printf '; Redis time per script %.1f us; %d scripts counted\n' "$(bc -l <<< "$total_usec / $(( evals > 0 ? evals : 1 ))")" "$evals"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $subs subscribers, $rate publications/s, payload $payload B, ${dur} s + ${warmup} s warmup, $rounds rounds"
echo "warming every node (not measured)"
measured_dur=$dur; dur=$((dur > 8 ? dur : 8))
fanout warm-1 "$single_pid" -- --url "$(url "$single_port")" > /dev/null || true
fanout warm-3 "$a_pid $b_pid $c_pid" -- --url "$(url "$a_port")" --url "$(url "$b_port")" --url "$(url "$c_port")" > /dev/null || true
fanout warm-x "$a_pid $b_pid $c_pid" -- --url "$(url "$b_port")" --url "$(url "$c_port")" --publish-url "$(url "$a_port")" > /dev/null || true
dur=$measured_dur
: > "$work/results.jsonl"

# The nodes' background traffic to Redis (heartbeats, shared state), idle.
rcli CONFIG RESETSTAT > /dev/null
idle_s=10
i0="$(ticks "$single_pid")"; i3="$(ticks "$a_pid" "$b_pid" "$c_pid")"
sleep "$idle_s"
i0=$(( ($(ticks "$single_pid") - i0) * 1000 / hz )); i3=$(( ($(ticks "$a_pid" "$b_pid" "$c_pid") - i3) * 1000 / hz ))
echo "server CPU idle over ${idle_s} s: single node ${i0} ms, three nodes ${i3} ms"
idle1_ms_per_s=$((i0 / idle_s)); idle3_ms_per_s=$((i3 / idle_s))
idle_in="$(rcli INFO stats | awk -F: '/^total_net_input_bytes/{print $2+0}')"
idle_out="$(rcli INFO stats | awk -F: '/^total_net_output_bytes/{print $2+0}')"
while IFS= read -r line; do
    cmd="${line#cmdstat_}"; cmd="${cmd%%:*}"
    idle_calls[$cmd]="$(sed -E 's/^[^:]*:calls=([0-9]+),.*/\1/' <<< "$line")"
done < <(rcli INFO commandstats | tr -d '\r' | grep '^cmdstat_')
echo "Redis background, idle, three nodes: $(( (idle_in + idle_out) / idle_s )) bytes/s"

for r in $(seq 1 "$rounds"); do
    echo "round $r (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    fanout single "$single_pid" -- --url "$(url "$single_port")" || true
    if fanout spread "$a_pid $b_pid $c_pid" -- --url "$(url "$a_port")" --url "$(url "$b_port")" --url "$(url "$c_port")"; then
        redis_stats $((SECONDS - s0)) "$last_sent"
    fi
    if fanout cross "$a_pid $b_pid $c_pid" -- --url "$(url "$b_port")" --url "$(url "$c_port")" --publish-url "$(url "$a_port")"; then
        redis_stats $((SECONDS - s0)) "$last_sent"
    fi
done

echo "summary over $rounds rounds (load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
jq -s -r '
  def range(f): (map(f) | min | tostring) + "-" + (map(f) | max | tostring);
  group_by(.run)[] | "  \(.[0].run): cpu/delivery \(range(.server_cpu_ns_per_delivery)) ns (less idle \(range(.less_idle_ns_per_delivery)) ns), p50 \(range(.p50_ms)) ms, p99 \(range(.p99_ms)) ms, lost \(map(.lost) | add)"
' "$work/results.jsonl"
jq -s -r '
  [range(0; length) as $i | .[$i]] as $all
  | ($all | map(select(.run == "single"))) as $s | ($all | map(select(.run == "spread"))) as $c
  | ([range(0; [$s, $c] | map(length) | min) | $c[.].server_cpu_ns_per_delivery / $s[.].server_cpu_ns_per_delivery] | sort) as $r
  | ([range(0; [$s, $c] | map(length) | min) | $c[.].less_idle_ns_per_delivery / $s[.].less_idle_ns_per_delivery] | sort) as $b
  | "  spread / single CPU per delivery, per round: \($r | map(. * 100 | round / 100)) (median \($r[$r | length / 2 | floor] * 100 | round / 100)); less idle: \($b | map(. * 100 | round / 100)) (median \($b[$b | length / 2 | floor] * 100 | round / 100))"
' "$work/results.jsonl"
echo "results: $work/results.jsonl"
