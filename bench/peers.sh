#!/usr/bin/env bash
# Ferry against its peers, on this machine, in one run (docs/benchmarks.md, "Ferry against its peers").
#
# Starts each peer on loopback in its own process, one at a time, drives it with `ferry-bench` through the peer's
# own protocol, stops it, and goes on to the next; then writes the tables and charts with `ferry-bench
# peer-report`. Every server started here is stopped on exit, whatever happens.
#
#   bench/peers.sh --quick            # smoke run (about 2-3 minutes): results in a temporary directory
#   bench/peers.sh                    # full run (about 15 minutes): results and charts in docs/benchmarks/
#   bench/peers.sh --only ferry,nats  # some peers only (labels below; netty-echo: the RPC reference only)
#   bench/peers.sh --out DIR          # results and charts in DIR
#   bench/peers.sh --scenarios topics # some scenarios only: fanout, topics, idle, rpc (default: all)
#   bench/peers.sh --fanout-sizes 10000 --scenarios fanout --only ferry,raw-netty,nats --out DIR
#                                     # fan-out at these subscriber counts (default 100 1000 5000; 10,000 fits
#                                     # the 20,000 descriptors of one client process)
#
# Peers (label: how it is started; codec):
#   ferry      java <./ferry's serve options> -jar ferry-cli/target/ferry.jar serve         ferry.v1
#   raw-netty  ferry-bench peer-server --kind broadcast (the JVM's fan-out ceiling)       plain ws broadcast
#   node-ws    node bench/peers/ws-broadcast.js (Node ws)                                plain ws broadcast
#   socketio   node bench/peers/socketio.js (Socket.IO 4, websocket transport)           socketio
#   nats       nats-server with a websocket listener                                     nats
#   mosquitto  mosquitto with a websockets listener (MQTT 3.1.1, QoS 0)                  mqtt
#   rabbitmq   the local RabbitMQ's Web-STOMP plugin on 15674 (/ws)                      stomp
#   vertx      ferry-bench peer-server --kind vertx (Vert.x 5 SockJS event-bus bridge)   sockjs
# RPC: ferry (call -> callee) against ferry-bench peer-server --kind echo (label netty-echo), both up at once and
# taking turns in slices (peer-rpc --echo-url), so that the machine's changes of speed weigh on both alike.
#
# Needs: java 17, maven (to build the jars when stale), node + npm, nats-server, mosquitto, rabbitmq-server with
# the rabbitmq_web_stomp plugin enabled (the script enables it when it is not), ss, jcmd.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick=0
only=""
out=""
scenarios="fanout,topics,idle,rpc"
sizes=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) quick=1 ;;
        --only) only="$2"; shift ;;
        --out) out="$2"; shift ;;
        --scenarios) scenarios="$2"; shift ;;
        --fanout-sizes) sizes="$2"; shift ;;
        -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
        *) echo "peers.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

has() { [[ ",$scenarios," == *",$1,"* ]]; }
all_peers="ferry raw-netty node-ws socketio nats mosquitto rabbitmq vertx"
peers="${only//,/ }"
peers="${peers:-$all_peers}"

if [[ "$quick" == 1 ]]; then
    fanout_sizes="100"
    topics_size=100
    fanout_args=(--start-deliveries 10000 --factor 2 --steps 3 --refine 1 --initial-warmup 1 --warmup 0.5 --duration 1 --drain 2)
    idle_counts="1000"
    idle_big=""
    idle_args=(--settle 1 --window 3)
    rpc_callers="1 20"
    rpc_args=(--warmup 2 --duration 2)
else
    fanout_sizes="100 1000 5000"
    topics_size=1000
    # 5,000 to 5,120,000 deliveries/s offered, then 3 steps narrowing the gap above the highest sustained one
    fanout_args=(--start-deliveries 5000 --factor 2 --steps 11 --refine 3 --initial-warmup 2 --warmup 0.5 --duration 1.5 --drain 3)
    idle_counts="10000"
    # the descriptor limit here is 20000 per process (hard), so ~19,000 is as high as one client process goes
    idle_big="19000"
    idle_args=(--settle 3 --window 10)
    rpc_callers="1 50"   # unloaded, then a closed loop that saturates the machine
    rpc_args=(--warmup 5 --duration 10)   # Ferry is started afresh for RPC: its JIT needs the warm-up
fi

fanout_sizes="${sizes:-$fanout_sizes}"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
run="${TMPDIR:-/tmp}/ferry-peers-$stamp"
mkdir -p "$run"
if [[ -z "$out" ]]; then
    if [[ "$quick" == 1 ]]; then out="$run/report"; else out="$root/docs/benchmarks"; fi
fi
results="$run/results.jsonl"
commands="$run/commands.txt"
: > "$results"
: > "$commands"
echo "peers.sh: run directory $run, report into $out" >&2

# ---- build (when stale) and copy the jars, so that a rebuild during the run cannot pull classes from under a JVM
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
build_jars_when_stale
ferry_jar="$server_jar"
cp "$bench_jar" "$run/ferry-bench.jar"
cp "$ferry_jar" "$run/ferry.jar"
bench=(java -jar "$run/ferry-bench.jar")
# Ferry runs with the JVM options ./ferry gives `serve` (one source: the launcher), unless FERRY_JAVA_OPTS is set.
if [[ -z "${FERRY_JAVA_OPTS+set}" ]]; then
    FERRY_JAVA_OPTS="$(sed -n 's/^serve_java_opts="\(.*\)"$/\1/p' "$root/ferry")"
fi

# ---- Node peers: their own package.json and package-lock.json, installed with npm ci
if [[ ! -d "$root/bench/peers/node_modules" || "$root/bench/peers/package-lock.json" -nt "$root/bench/peers/node_modules" ]]; then
    (cd "$root/bench/peers" && npm ci --no-audit --no-fund --silent)
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---- servers: started one at a time, all stopped on exit
server_pid=""
echo_server_pid=""   # the echo reference, up beside Ferry during the RPC scenario
stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap 'stop_server; server_pid="$echo_server_pid"; stop_server' EXIT
trap 'exit 130' INT TERM

port_pid() {
    ss -ltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2
}

# start_peer LABEL: starts the peer; sets url, codec, pid (of the server process), jvm (--jvm or empty)
start_peer() {
    local label=$1 port
    port="$(free_port)"
    url="ws://127.0.0.1:$port"
    jvm=""
    local log="$run/$label-server.log"
    case "$label" in
        ferry)
            codec=ferry; jvm=--jvm
            # shellcheck disable=SC2086 # FERRY_JAVA_OPTS is a list of options
            FERRY_WEBSOCKET_OUTBOUND_QUEUE_BYTES=64MiB java $FERRY_JAVA_OPTS -jar "$run/ferry.jar" serve --host 127.0.0.1 --port "$port" \
                --set websocket.ping-interval=10s --set websocket.idle-timeout=30s > "$log" 2>&1 &
            echo "FERRY_WEBSOCKET_OUTBOUND_QUEUE_BYTES=64MiB java $FERRY_JAVA_OPTS -jar ferry-cli/target/ferry.jar serve --host 127.0.0.1 --port $port --set websocket.ping-interval=10s --set websocket.idle-timeout=30s" >> "$commands" ;;
        raw-netty)
            codec=ws; jvm=--jvm
            "${bench[@]}" peer-server --kind broadcast --port "$port" > "$log" 2>&1 &
            echo "java -jar ferry-bench.jar peer-server --kind broadcast --port $port" >> "$commands" ;;
        netty-echo)
            codec=ws; jvm=--jvm
            "${bench[@]}" peer-server --kind echo --port "$port" > "$log" 2>&1 &
            echo "java -jar ferry-bench.jar peer-server --kind echo --port $port" >> "$commands" ;;
        vertx)
            codec=sockjs; jvm=--jvm
            "${bench[@]}" peer-server --kind vertx --port "$port" > "$log" 2>&1 &
            echo "java -jar ferry-bench.jar peer-server --kind vertx --port $port" >> "$commands" ;;
        node-ws)
            codec=ws
            node "$root/bench/peers/ws-broadcast.js" "$port" > "$log" 2>&1 &
            echo "node bench/peers/ws-broadcast.js $port" >> "$commands" ;;
        socketio)
            codec=socketio
            node "$root/bench/peers/socketio.js" "$port" > "$log" 2>&1 &
            echo "node bench/peers/socketio.js $port" >> "$commands" ;;
        nats)
            codec=nats
            cat > "$run/nats.conf" <<EOF
listen: 127.0.0.1:$(free_port)
ping_interval: "10s"
websocket {
  host: 127.0.0.1
  port: $port
  no_tls: true
}
EOF
            nats-server -c "$run/nats.conf" > "$log" 2>&1 &
            echo "nats-server -c nats.conf # $(tr '\n' ' ' < "$run/nats.conf")" >> "$commands" ;;
        mosquitto)
            codec=mqtt
            # mosquitto 2.0.11 refuses to start with a websockets listener alone: a loopback MQTT listener goes first
            cat > "$run/mosquitto.conf" <<EOF
listener $(free_port) 127.0.0.1
listener $port
protocol websockets
allow_anonymous true
persistence false
EOF
            mosquitto -c "$run/mosquitto.conf" > "$log" 2>&1 &
            echo "mosquitto -c mosquitto.conf # $(tr '\n' ' ' < "$run/mosquitto.conf")" >> "$commands" ;;
        rabbitmq)
            codec=stomp
            port=15674
            url="ws://127.0.0.1:15674"
            if ! ss -ltn "sport = :15674" | grep -q LISTEN; then
                rabbitmq-plugins enable rabbitmq_web_stomp >&2
            fi
            wait_port 15674
            pid="$(port_pid 15674)"
            # a RabbitMQ started with a soft limit of 1,024 descriptors accepts about that many connections and
            # then stalls handshakes: raise its soft limit to its hard one (root only; said in the commands)
            local soft hard
            read -r soft hard < <(awk '/Max open files/ {print $4, $5}' "/proc/$pid/limits")
            rabbit_max=$((hard - 300))
            if [[ "$soft" != "$hard" && "$(id -u)" == 0 ]]; then
                if prlimit --pid "$pid" --nofile="$hard:$hard" 2>/dev/null; then
                    echo "prlimit --pid <rabbitmq beam pid> --nofile=$hard:$hard # was $soft:$hard" >> "$commands"
                else
                    # past its descriptor limit RabbitMQ fails with emfile and its queue processes do not recover
                    # (other users of the broker then fail too): scenarios needing more connections are skipped
                    rabbit_max=$((soft - 300))
                    echo "peers.sh: could not raise RabbitMQ's descriptor limit ($soft): runs needing more than $rabbit_max connections are skipped" >&2
                    echo "# RabbitMQ's descriptor limit is $soft (soft) / $hard (hard) and could not be raised: runs needing more than $rabbit_max connections skipped" >> "$commands"
                fi
            fi
            echo "rabbitmq-plugins enable rabbitmq_web_stomp # the local RabbitMQ ($(rabbitmqctl version 2>/dev/null || echo '?')), Web-STOMP on 15674 /ws, not restarted between scenarios" >> "$commands"
            return 0 ;;
        *) echo "peers.sh: unknown peer $label" >&2; return 1 ;;
    esac
    server_pid=$!
    wait_port "$port"
    # the listening process (for node and java, the one started)
    pid="$(port_pid "$port")"
    pid="${pid:-$server_pid}"
}

rabbit_max=1000000

# fits LABEL CONNECTIONS BENCH: whether the peer can take that many connections; if not, a result line says so
fits() {
    if [[ "$1" == rabbitmq && "$2" -gt "$rabbit_max" ]]; then
        echo "{\"bench\":\"$3\",\"peer\":\"rabbitmq\",\"codec\":\"stomp\",\"subscribers\":$2,\"connections\":$2,\"failed\":\"skipped: more connections than its descriptor limit allows ($rabbit_max)\"}" | tee -a "$results" >&2
        return 1
    fi
}

# run_bench LIMIT-SECONDS ARGS...: one ferry-bench command, recorded, bounded, its JSON lines kept
run_bench() {
    local limit=$1; shift
    echo "java -jar ferry-bench.jar $*" >> "$commands"
    timeout --kill-after=10 "$limit" "${bench[@]}" "$@" 2>> "$run/progress.log" | tee -a "$results" | grep -v '"bench":"peer-fanout",' >&2 || true
}

machine() {
    {
        echo '```'
        echo "\$ nproc"; nproc
        echo "\$ lscpu | grep 'Model name'"; lscpu | grep 'Model name' | sed 's/  */ /g'
        echo "\$ free -h"; free -h
        echo "\$ java -version"; java -version 2>&1
        echo "\$ node --version"; node --version
        echo "\$ nats-server --version"; nats-server --version 2>&1 || true
        echo "\$ mosquitto -h | head -1"; (mosquitto -h 2>&1 || true) | head -1
        echo "\$ rabbitmqctl version"; rabbitmqctl version 2>/dev/null || echo '?'
        echo "\$ ulimit -n"; ulimit -n
        echo '```'
    } > "$run/machine.md"
}

machine
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" > "$run/load.txt"
started=$(date +%s)

for label in $peers; do
    [[ "$label" == netty-echo ]] && continue   # the RPC reference, run at the end
    echo "peers.sh: ---- $label: fan-out, many topics" >&2
    start_peer "$label"
    if has fanout; then
        for n in $fanout_sizes; do
            fits "$label" "$n" peer-fanout-best || continue
            args=("${fanout_args[@]}")
            if (( n >= 10000 )); then
                # 10,000 connections take minutes to set up on a loaded machine, and a publication 10,000 writes:
                # a longer first warm-up and drain, so that a server still compiling is not taken for one that lost
                for i in "${!args[@]}"; do
                    case "${args[$i]}" in
                        --initial-warmup) args[i + 1]=10 ;;
                        --drain) args[i + 1]=15 ;;
                    esac
                done
            fi
            run_bench $(( n >= 10000 ? 900 : 240 )) peer-fanout --peer "$label" --codec "$codec" --url "$url" --subscribers "$n" "${args[@]}"
        done
    fi
    # many topics: each subscriber alone on its topic, 4 publishers spread over the topics (not for the plain
    # broadcast servers, which have no topics)
    if has topics && [[ "$codec" != ws ]] && fits "$label" "$topics_size" peer-topics-best; then
        run_bench 240 peer-fanout --many-topics --publishers 4 --peer "$label" --codec "$codec" --url "$url" \
            --subscribers "$topics_size" "${fanout_args[@]}"
    fi
    stop_server
    has idle || continue
    echo "peers.sh: ---- $label: idle (a fresh server process)" >&2
    counts="$idle_counts"
    if [[ -n "$idle_big" && ( "$label" == ferry || "$label" == raw-netty ) ]]; then
        counts="$counts $idle_big"
    fi
    for k in $counts; do
        fits "$label" "$k" peer-idle || continue
        start_peer "$label"
        run_bench 300 peer-idle --peer "$label" --codec "$codec" --url "$url" --pid "$pid" $jvm --connections "$k" "${idle_args[@]}"
        stop_server
    done
done

if has rpc && [[ " $peers " == *" ferry "* || " $peers " == *" netty-echo "* ]]; then
    echo "peers.sh: ---- rpc: ferry and the netty-echo reference, taking turns" >&2
    start_peer netty-echo
    echo_url="$url"
    echo_server_pid="$server_pid"
    server_pid=""
    start_peer ferry
    for c in $rpc_callers; do
        run_bench 240 peer-rpc --peer ferry --mode ferry --url "$url" --echo-url "$echo_url" --callers "$c" "${rpc_args[@]}"
    done
    stop_server
    server_pid="$echo_server_pid"
    echo_server_pid=""
    stop_server
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$run/load.txt"
elapsed=$(( $(date +%s) - started ))
{
    echo "Run $stamp ($( [[ "$quick" == 1 ]] && echo quick || echo full ), $elapsed s). $(tr '\n' ';' < "$run/load.txt" | sed 's/;$//; s/;/; /')."
    echo
    cat "$run/machine.md"
    echo
    echo "Commands, in order (ports were picked free at run time):"
    echo
    echo '```'
    cat "$commands"
    echo '```'
} > "$run/preamble.md"
mkdir -p "$out"
cp "$results" "$out/peers-results.jsonl"
"${bench[@]}" peer-report --results "$results" --out "$out" --preamble "$run/preamble.md"
echo "peers.sh: done in $elapsed s; $out/peers.md" >&2
