#!/usr/bin/env bash
# End-to-end latency across the clustered event bus: POST /api/scans on member A to the
# scans.recorded message at a consumer on member B, at a fixed scan rate. Two cluster members in
# one JVM (Hazelcast and event bus on 127.0.0.1), one fresh database on the test server
# (MATIC_TEST_DATABASE_URL, else 127.0.0.1:5432). See docs/benchmarks.md.
#
#   bench/cluster-latency.sh [--rate 200] [--seconds 10] [--warmup 3] [--rows 1000]
set -euo pipefail
# The JDK packages Hazelcast asks for (as in the jar manifest and the surefire argLine).
opens="--add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:-} $opens" exec "$(dirname "$0")/test-main.sh" com.maticsapp.scan.bench.ClusterLatency "$@"
