#!/usr/bin/env bash
# The offline copy's sizes and speeds in one run (pool max size 1, loopback): a barcode column's
# snapshot plain and gzip (time, bytes per row, heap), a delta after 100 changed rows, and scans
# per second with and without snapshots streaming. One fresh database on the test server
# (MATIC_TEST_DATABASE_URL, else 127.0.0.1:5432). See docs/benchmarks.md.
#
#   bench/snapshot.sh [--rows 100000] [--runs 5] [--seconds 10] [--scanners 32] [--page-rows 1000]
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -q -B test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  com.maticsapp.scan.bench.SnapshotThroughput "$@"
