#!/usr/bin/env bash
# Bytes a server's event loops allocate per call (docs/benchmarks.md, "RPC: two servers against the echo in one
# run"): a figure the machine's load does not move, unlike round trips/s. For each jar given, in turns, ROUNDS
# times: starts it as `ferry serve` with a JFR recording of the threads' allocation every second, drives it with
# `ferry-bench peer-rpc --mode ferry` (50 callers, one callee), and between two points of the run (from 3 s after
# the first 2,000 calls, 16 s apart) divides what the `ferry-io` threads allocated by the calls the server counted
# (`ferry_rpc_calls_total` of /metrics). One line per run.
#
#   bench/rpc-alloc.sh A.jar B.jar
#   ROUNDS=3 bench/rpc-alloc.sh A.jar B.jar
#
# Settings (environment): ROUNDS (2), RPC_CALLERS (50), AB_DIR (where runs are written: ${TMPDIR:-/tmp}/ferry-ab).
# Needs java 17 (jfr, jcmd), curl, ss; uses this tree's ferry-bench.jar (built when stale).
set -euo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

rounds="${ROUNDS:-2}"
callers="${RPC_CALLERS:-50}"
ab_dir="${AB_DIR:-${TMPDIR:-/tmp}/ferry-ab}"
if stale "$bench_jar"; then
    echo "rpc-alloc.sh: building $bench_jar" >&2
    (cd "$root" && mvn -B -o -q -DskipTests package -pl ferry-bench -am) >&2
fi
run="$ab_dir/rpc-alloc-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run"
cp "$bench_jar" "$run/ferry-bench.jar"
java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
# the JDK's default recording settings, with each thread's allocation recorded every second
sed '/<event name="jdk.ThreadAllocationStatistics">/,/<\/event>/ s|<setting name="period">[^<]*<|<setting name="period">1 s<|' \
    "$java_home/lib/jfr/default.jfc" > "$run/allocation.jfc"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$run/run.txt" >&2

server=""
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; wait 2>/dev/null || true' EXIT
calls() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^ferry_rpc_calls_total/ { printf "%d", $2 }'; }
# bytes allocated so far by the ferry-io threads, as the last events of a recording have them
io_bytes() {
    jfr print --events jdk.ThreadAllocationStatistics "$1" | awk '
        /allocated =/ { a = $3; u = $4 }
        /^  thread = "ferry-io/ { split($0, x, "\""); m = u == "kB" ? 1e3 : u == "MB" ? 1e6 : u == "GB" ? 1e9 : 1
                                  if (a * m > last[x[2]]) last[x[2]] = a * m }
        END { s = 0; for (t in last) s += last[t]; printf "%d", s }'
}

for round in $(seq 1 "$rounds"); do
    for jar in "$@"; do
        name="$(basename "$jar" .jar)-$round"
        port="$(free_port)"
        java -XX:+UseG1GC -XX:StartFlightRecording=filename="$run/$name.jfr",settings="$run/allocation.jfc" \
            -jar "$jar" serve --host 127.0.0.1 --port "$port" --set websocket.ping-interval=10s \
            --set websocket.idle-timeout=30s > "$run/$name.log" 2>&1 &
        server=$!
        wait_port "$port"
        java -jar "$run/ferry-bench.jar" peer-rpc --peer "$name" --mode ferry --callers "$callers" --warmup 4 \
            --duration 40 --url "ws://127.0.0.1:$port" > "$run/$name.json" 2>> "$run/progress.log" &
        load=$!
        for _ in $(seq 1 240); do
            c="$(calls "$port")"
            [[ -n "$c" && "$c" -gt 2000 ]] && break
            sleep 0.5
        done
        sleep 3
        c1="$(calls "$port")"; jcmd "$server" JFR.dump filename="$run/$name-1.jfr" > /dev/null
        sleep 16
        c2="$(calls "$port")"; jcmd "$server" JFR.dump filename="$run/$name-2.jfr" > /dev/null
        wait "$load" || true
        kill "$server"; wait "$server" 2>/dev/null || true; server=""
        a1="$(io_bytes "$run/$name-1.jfr")"; a2="$(io_bytes "$run/$name-2.jfr")"
        echo "$name: $((c2 - c1)) calls, $(( (a2 - a1) / (c2 - c1) )) bytes allocated per call by the event loops;" \
            "load average $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$run/results.txt"
    done
done
echo "rpc-alloc.sh: results in $run" >&2
