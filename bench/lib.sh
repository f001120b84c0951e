# Shared by the bench scripts (sourced, not run): `root` must be set to the repository's root first.

server_jar="$root/ferry-cli/target/ferry.jar"
bench_jar="$root/ferry-bench/target/ferry-bench.jar"

# Whether a jar is missing or older than any POM or main source of the project.
stale() {
    local jar=$1
    [[ -f "$jar" ]] || return 0
    [[ -n "$(find "$root/pom.xml" "$root"/ferry-*/pom.xml "$root"/ferry-*/src/main -type f -newer "$jar" -print -quit)" ]]
}

# Builds ferry-cli/target/ferry.jar and ferry-bench/target/ferry-bench.jar (mvn package) when missing or stale.
build_jars_when_stale() {
    if stale "$server_jar" || stale "$bench_jar"; then
        echo "building $server_jar and $bench_jar" >&2
        (cd "$root" && mvn -q -B -ntp -pl ferry-cli,ferry-bench -am package -DskipTests)
    fi
}

# A TCP port of 127.0.0.1 on which nothing listens now, in 20000-29999.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 10000))
        if ! ss -ltn "sport = :$p" | grep -q LISTEN; then echo "$p"; return; fi
    done
}

# Waits up to 30 s for something to listen on PORT; says so on stderr and fails when nothing does.
wait_port() {
    local _
    for _ in $(seq 1 150); do
        if ss -ltn "sport = :$1" | grep -q LISTEN; then return 0; fi
        sleep 0.2
    done
    echo "$(basename "$0"): nothing listens on port $1" >&2
    return 1
}
