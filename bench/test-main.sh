#!/usr/bin/env bash
# Runs a benchmark class of the test sources (src/test/java/com/maticsapp/scan/bench) on the
# test class path, after compiling it: the runner behind bench/webhooks.sh, bench/snapshot.sh
# and bench/cluster-latency.sh.
#
#   bench/test-main.sh <class> [args...]     BENCH_JAVA_OPTS: extra JVM options
set -euo pipefail
cd "$(dirname "$0")/.."
main=$1
shift

mvn -q -B test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" "$main" "$@"
