#!/usr/bin/env bash
# A/B of two commits' servers in one run (docs/benchmarks.md, "A/B: two commits in one run"). Builds the runnable
# jar (ferry-cli/target/ferry.jar) of each commit in a detached worktree of its own, starts both as `ferry serve`
# at once (the settings of bench/peers.sh), and measures them with one load generator (this tree's
# ferry-bench.jar) taking turns, round after round, the order flipping each round (A B, B A, A B, ...):
# fan-out with `ferry-bench peer-fanout` at each subscriber count, then RPC with `ferry-bench peer-rpc`. At the
# end it prints each side's median and range per figure and the B/A ratio of each round (median and range).
#
#   bench/ab.sh f8bdfab main                  # A = f8bdfab, B = main; 3 rounds
#   ROUNDS=5 bench/ab.sh HEAD~3 HEAD
#   SERVER_CPUS=1 CLIENT_CPUS=0 bench/ab.sh A B   # both servers on core 1, the load generator on core 0
#
# Settings (environment): ROUNDS (3), FANOUT_SIZES ("100 1000"), FANOUT_ARGS (peer-fanout's step schedule, below),
# RPC_CALLERS (50), RPC_ARGS ("--warmup 2 --duration 6"), FERRY_JAVA_OPTS (default: the options ./ferry gives
# `serve`), SERVER_CPUS / CLIENT_CPUS (taskset CPU lists, as bench/rpc.sh), AB_DIR (where jars are kept and runs
# written: ${TMPDIR:-/tmp}/ferry-ab). A commit's jar is built once and kept as AB_DIR/jars/<sha>.jar.
# Builds are offline (`mvn -o`); needs git, maven, java 17, jq, ss.
set -euo pipefail

if [[ $# -ne 2 || "$1" == -h || "$1" == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

rounds="${ROUNDS:-3}"
fanout_sizes="${FANOUT_SIZES:-100 1000}"
# 20,000 to 5,120,000 deliveries/s offered, doubling while kept up, then 3 steps narrowing the gap above the highest
# sustained one; a start low enough that a cold server on a busy machine keeps up with its warm-up
read -r -a fanout_args <<< "${FANOUT_ARGS:---start-deliveries 20000 --factor 2 --steps 9 --refine 3 --initial-warmup 2 --warmup 0.5 --duration 1.5 --drain 3}"
rpc_callers="${RPC_CALLERS:-50}"
read -r -a rpc_args <<< "${RPC_ARGS:---warmup 2 --duration 6}"
ab_dir="${AB_DIR:-${TMPDIR:-/tmp}/ferry-ab}"
if [[ -z "${FERRY_JAVA_OPTS+set}" ]]; then
    FERRY_JAVA_OPTS="$(sed -n 's/^serve_java_opts="\(.*\)"$/\1/p' "$root/ferry")"
fi
server_pin=(); client_pin=()
[[ -n "${SERVER_CPUS:-}" ]] && server_pin=(taskset -c "$SERVER_CPUS")
[[ -n "${CLIENT_CPUS:-}" ]] && client_pin=(taskset -c "$CLIENT_CPUS")

sha_a="$(git -C "$root" rev-parse --verify "$1^{commit}")"
sha_b="$(git -C "$root" rev-parse --verify "$2^{commit}")"
mkdir -p "$ab_dir/jars"

# jar_of SHA: builds ferry-cli's runnable jar of that commit in a detached worktree (removed after) unless kept
jar_of() {
    local sha=$1 jar="$ab_dir/jars/$1.jar" tree="$ab_dir/tree-$1"
    if [[ ! -f "$jar" ]]; then
        echo "ab.sh: building ferry.jar of $(git -C "$root" log -1 --format='%h %s' "$sha")" >&2
        git -C "$root" worktree remove --force "$tree" 2>/dev/null || true
        git -C "$root" worktree add --quiet --detach "$tree" "$sha"
        (cd "$tree" && mvn -B -o -q -DskipTests package -pl ferry-cli -am) >&2
        cp "$tree/ferry-cli/target/ferry.jar" "$jar.part" && mv "$jar.part" "$jar"
        git -C "$root" worktree remove --force "$tree"
    fi
    echo "$jar"
}
jar_a="$(jar_of "$sha_a")"
jar_b="$(jar_of "$sha_b")"
if stale "$bench_jar"; then
    echo "ab.sh: building $bench_jar" >&2
    (cd "$root" && mvn -B -o -q -DskipTests package -pl ferry-bench -am) >&2
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
run="$ab_dir/run-$stamp"
mkdir -p "$run"
cp "$bench_jar" "$run/ferry-bench.jar"
results="$run/results.jsonl"
: > "$results"
{
    echo "A $sha_a $(git -C "$root" log -1 --format=%s "$sha_a")"
    echo "B $sha_b $(git -C "$root" log -1 --format=%s "$sha_b")"
    echo "rounds $rounds; fan-out ${fanout_sizes// /, } subscribers: peer-fanout ${fanout_args[*]}"
    echo "RPC $rpc_callers callers: peer-rpc --mode ferry ${rpc_args[*]}"
    echo "server JVM options: $FERRY_JAVA_OPTS; server CPUs: ${SERVER_CPUS:-any}; load generator CPUs: ${CLIENT_CPUS:-any}"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$run/run.txt" >&2

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---- both servers up for the whole run (each idles while the other is measured), stopped on exit
pids=()
stop_servers() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_servers EXIT
declare -A url
for side in A B; do
    jar="$jar_a"; [[ "$side" == B ]] && jar="$jar_b"
    port="$(free_port)"
    # shellcheck disable=SC2086 # FERRY_JAVA_OPTS is a list of options
    FERRY_WEBSOCKET_OUTBOUND_QUEUE_BYTES=64MiB "${server_pin[@]}" java $FERRY_JAVA_OPTS -jar "$jar" serve \
        --host 127.0.0.1 --port "$port" --set websocket.ping-interval=10s --set websocket.idle-timeout=30s \
        > "$run/server-$side.log" 2>&1 &
    pids+=($!)
    wait_port "$port"
    url[$side]="ws://127.0.0.1:$port"
done

# measure SIDE ROUND LIMIT-SECONDS ARGS...: one ferry-bench command against SIDE's server; its summary lines kept
measure() {
    local side=$1 round=$2 limit=$3; shift 3
    echo "ab.sh: round $round, $side: $*" >&2
    timeout --kill-after=10 "$limit" "${client_pin[@]}" java -jar "$run/ferry-bench.jar" "$@" --url "${url[$side]}" \
        2>> "$run/progress.log" \
        | jq -c --arg side "$side" --argjson round "$round" \
            'select(.bench | IN("peer-fanout", "peer-fanout-best", "peer-rpc")) | . + {side: $side, round: $round}' \
        | tee -a "$results" | grep -v '"bench":"peer-fanout",' >&2 || true
}

for round in $(seq 1 "$rounds"); do
    order="A B"; (( round % 2 == 0 )) && order="B A"
    for n in $fanout_sizes; do
        for side in $order; do
            measure "$side" "$round" 300 peer-fanout --peer "ferry-$side" --codec ferry --subscribers "$n" "${fanout_args[@]}"
        done
    done
    for side in $order; do
        measure "$side" "$round" 120 peer-rpc --peer "ferry-$side" --mode ferry --callers "$rpc_callers" "${rpc_args[@]}"
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$run/run.txt" >&2

# ---- report: per figure, each side's median [min-max] over the rounds, and B/A per round (median [min-max])
jq -r -s '
  def median: sort | if length == 0 then null
      elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def commas: (round | tostring | explode | reverse) as $d | [$d | _nwise(3) | reverse | implode] | reverse | join(",");
  def fmt: if . == null then "-" elif . >= 100 then commas else (. * 1000 | round / 1000 | tostring) end;
  def r2: if . == null then "-"
      else (. * 100 | round) as $c | "\($c / 100 | floor).\($c % 100 | tostring | if length == 1 then "0" + . else . end)" end;
  def range: if length == 0 then "" else " [" + (min | fmt) + "-" + (max | fmt) + "]" end;
  def rrange: if length == 0 then "" else " [" + (min | r2) + "-" + (max | r2) + "]" end;
  # peak: the most deliveries/s measured at any step (warm-up excluded), kept up or not: not bound to the
  # doubling grid of the kept-up figure, so one step more or less does not read as 2x
  (map(select(.bench == "peer-fanout" and .step >= 0)) | group_by([.subscribers, .side, .round])
      | map(.[0] + {bench: "peak", peak_dps: (map(.dps) | max)})) as $peaks
  | [ (map(select(.bench == "peer-fanout-best")) + $peaks | group_by(.subscribers)[]
      | (map(select(.bench == "peer-fanout-best"))) as $best | (map(select(.bench == "peak"))) as $peak
      | [ {name: "fan-out \(.[0].subscribers): deliveries/s sustained (p99 <= 50 ms)", key: "dps", rows: $best},
          {name: "fan-out \(.[0].subscribers): deliveries/s kept up", key: "max_dps", rows: $best},
          {name: "fan-out \(.[0].subscribers): peak deliveries/s measured", key: "peak_dps", rows: $peak} ][]),
    (map(select(.bench == "peer-rpc")) | group_by(.callers)[]
      | [ {name: "RPC \(.[0].callers) callers: round trips/s", key: "rps", rows: .},
          {name: "RPC \(.[0].callers) callers: p50 ms", key: "p50_ms", rows: .},
          {name: "RPC \(.[0].callers) callers: p99 ms", key: "p99_ms", rows: .} ][]) ]
  | ("| figure | A median [range] | B median [range] | B/A per round: median [range] | rounds |",
     "|---|---:|---:|---:|---:|",
     (.[] | .key as $k
      | (.rows | map(select(.side == "A") | .[$k]) | map(select(. != null))) as $a
      | (.rows | map(select(.side == "B") | .[$k]) | map(select(. != null))) as $b
      | [ .rows | group_by(.round)[]
          | (map(select(.side == "A"))[0][$k]) as $x | (map(select(.side == "B"))[0][$k]) as $y
          | select($x != null and $y != null and $x != 0) | $y / $x ] as $ratios
      | "| \(.name) | \($a | median | fmt)\($a | range) | \($b | median | fmt)\($b | range) | **\($ratios | median | r2)**\($ratios | rrange) | \($ratios | length) |"))
' "$results" | tee "$run/report.md"
echo "ab.sh: results in $run (run.txt, results.jsonl, report.md, progress.log)" >&2
