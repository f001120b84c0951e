#!/usr/bin/env bash
# Server CPU per delivery with many topics (docs/benchmarks.md, "Many topics: server CPU per delivery against
# NATS"): each subscriber alone on its topic, 4 publishers, 128-byte payloads, a fixed offered rate that both
# servers keep up with. Starts `ferry serve` (the settings of bench/peers.sh) and, when installed, nats-server with
# a WebSocket listener, both up at once, and measures them with `ferry-bench peer-fanout --many-topics` taking
# turns, round after round, the order flipping each round. For each run it reads the server's utime+stime from
# /proc/<pid>/stat as the measured step starts and again once its deliveries are in (the subscribers' connecting
# and the warm-up are left out), divides by the deliveries of the step, and prints one line per run; with
# SYSCALLS=1 and perf installed, the server's system calls per delivery too.
#
#   bench/topics-cpu.sh                     # 1,000 topics, 10,000 deliveries/s for 8 s, 3 rounds
#   TOPICS=10000 ROUNDS=2 bench/topics-cpu.sh
#   SERVERS="ferry" FERRY_JAR=/path/to/other/ferry.jar bench/topics-cpu.sh   # one build against another: run twice
#
# Settings (environment): TOPICS (1000), RATE (deliveries/s offered, 10000), DURATION (measured seconds, 8),
# ROUNDS (3), SERVERS ("ferry nats"), FERRY_JAR (ferry-cli/target/ferry.jar), FERRY_JAVA_OPTS (the options
# ./ferry gives `serve`), SYSCALLS (unset). Needs java 17, ss, awk; nats-server for the NATS side.
set -euo pipefail

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
build_jars_when_stale

topics="${TOPICS:-1000}"
rate="${RATE:-10000}"
duration="${DURATION:-8}"
rounds="${ROUNDS:-3}"
read -r -a servers <<< "${SERVERS:-ferry nats}"
ferry_jar="${FERRY_JAR:-$server_jar}"
if [[ -z "${FERRY_JAVA_OPTS+set}" ]]; then
    FERRY_JAVA_OPTS="$(sed -n 's/^serve_java_opts="\(.*\)"$/\1/p' "$root/ferry")"
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

declare -A port_of pid_of codec_of
for s in "${servers[@]}"; do
    port="$(free_port)"
    case "$s" in
        ferry)
            # shellcheck disable=SC2086 # FERRY_JAVA_OPTS is a list of options
            FERRY_WEBSOCKET_OUTBOUND_QUEUE_BYTES=64MiB java $FERRY_JAVA_OPTS -jar "$ferry_jar" serve --host 127.0.0.1 \
                --port "$port" --set websocket.ping-interval=10s --set websocket.idle-timeout=30s \
                > "$work/ferry.log" 2>&1 &
            codec_of[$s]=ferry ;;
        nats)
            if ! command -v nats-server > /dev/null; then
                echo "topics-cpu.sh: nats-server is not installed: measuring without it" >&2
                continue
            fi
            printf 'listen: 127.0.0.1:%s\nping_interval: "10s"\nwebsocket {\n  host: 127.0.0.1\n  port: %s\n  no_tls: true\n}\n' \
                "$(free_port)" "$port" > "$work/nats.conf"
            nats-server -c "$work/nats.conf" > "$work/nats.log" 2>&1 &
            codec_of[$s]=nats ;;
        *) echo "topics-cpu.sh: unknown server $s (ferry, nats)" >&2; exit 2 ;;
    esac
    pids+=($!)
    pid_of[$s]=$!
    port_of[$s]=$port
    wait_port "$port"
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
syscalls="syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom,syscalls:sys_enter_writev,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_pwait2,syscalls:sys_enter_futex"

# measure SERVER [quiet]: one peer-fanout run at the fixed rate; prints the server's CPU per delivery of its step
measure() {
    local s=$1 pid=${pid_of[$1]} err="$work/err" out="$work/out" t0="" t1="" perf_pid=""
    java -jar "$bench_jar" peer-fanout --many-topics --publishers 4 --subscribers "$topics" --peer "$s" \
        --codec "${codec_of[$s]}" --url "ws://127.0.0.1:${port_of[$s]}" --start-deliveries "$rate" --steps 1 \
        --refine 0 --initial-warmup 3 --warmup 0.5 --duration "$duration" --drain 30 --p99-cap 100000 \
        > "$out" 2> "$err" &
    local bench_pid=$!
    # the step's line "step 0: N publications/s" is printed as it starts, "step 0: N deliveries/s" once drained
    while kill -0 "$bench_pid" 2> /dev/null; do
        if [[ -z "$t0" ]] && grep -qs 'step 0: [0-9]* publications' "$err"; then
            t0=$(ticks "$pid")
            if [[ -n "${SYSCALLS:-}" ]] && command -v perf > /dev/null; then
                perf stat -e "$syscalls" -p "$pid" -o "$work/perf" 2> /dev/null &
                perf_pid=$!
            fi
        fi
        if [[ -n "$t0" ]] && grep -qs 'step 0: [0-9]* deliveries' "$err"; then
            t1=$(ticks "$pid")
            [[ -n "$perf_pid" ]] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
            break
        fi
        sleep 0.1
    done
    wait "$bench_pid" || true
    [[ -n "${2:-}" ]] && return 0
    local line received expected p99
    line="$(grep '"step":0' "$out" | tail -1)"
    received="$(grep -o '"received":[0-9]*' <<< "$line" | cut -d: -f2)"
    expected="$(grep -o '"expected":[0-9]*' <<< "$line" | cut -d: -f2)"
    p99="$(grep -o '"p99_ms":[0-9.]*' <<< "$line" | cut -d: -f2)"
    if [[ -z "$t1" || -z "$received" || "$received" -eq 0 ]]; then
        echo "$s: no measured step"; tail -3 "$err"; return 0
    fi
    awk -v s="$s" -v d=$((t1 - t0)) -v r="$received" -v e="$expected" -v p="$p99" -v n="$topics" \
        -v hz="$(getconf CLK_TCK)" -v la="$(cut -d' ' -f1 /proc/loadavg)" \
        'BEGIN { printf "%s: %d topics: %.1f us of server CPU per delivery (%d deliveries of %d, p99 %s ms, load average %s)\n", s, n, d * 1e6 / hz / r, r, e, p, la }'
    if [[ -n "$perf_pid" ]]; then
        tr -d , < "$work/perf" | awk -v r="$received" '/syscalls:/ { sub("syscalls:sys_enter_", "", $2); if ($1 + 0 > 0) printf "  %s %.2f", $2, $1 / r } END { print "  (system calls per delivery)" }'
    fi
}

echo "topics-cpu.sh: $topics topics, $rate deliveries/s offered for $duration s, $rounds rounds; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
for s in "${servers[@]}"; do
    [[ -n "${pid_of[$s]:-}" ]] && measure "$s" quiet # warms the server (JIT) and the descriptors up
done
for r in $(seq 1 "$rounds"); do
    order=("${servers[@]}")
    if (( r % 2 == 0 )); then
        order=(); for ((i = ${#servers[@]} - 1; i >= 0; i--)); do order+=("${servers[$i]}"); done
    fi
    for s in "${order[@]}"; do
        [[ -n "${pid_of[$s]:-}" ]] && echo "round $r $(measure "$s")"
    done
done
