#!/usr/bin/env bash
# Runs the fan-out load generator; builds ferry-bench/target/ferry-bench.jar first when it is missing or older
# than the sources. Arguments go to `ferry-bench fanout` (try --help). JAVA_OPTS is passed to the JVM.
#
#   bench/fanout.sh --subscribers 1000 --rate 1000 --payload 100 --duration 10
#   bench/fanout.sh --url ws://127.0.0.1:8080/v1/ws --subscribers 5000 --rate 200
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/ferry-bench/target/ferry-bench.jar"

stale=1
if [[ -f "$jar" ]]; then
    stale=0
    for dir in ferry-bench/src ferry-server/src/main ferry-protocol/src/main; do
        if [[ -n "$(find "$root/$dir" -newer "$jar" -type f -print -quit)" ]]; then
            stale=1
            break
        fi
    done
    for pom in pom.xml ferry-bench/pom.xml ferry-server/pom.xml ferry-protocol/pom.xml; do
        [[ "$root/$pom" -nt "$jar" ]] && stale=1
    done
fi
if [[ "$stale" == 1 ]]; then
    echo "building $jar" >&2
    (cd "$root" && mvn -q -B -pl ferry-bench -am package -DskipTests)
fi

# Each subscriber needs a descriptor here, and one more in the server when it is embedded.
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
echo "open files limit: $(ulimit -n)" >&2

exec java ${JAVA_OPTS:-} -jar "$jar" fanout "$@"
