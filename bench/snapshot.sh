#!/usr/bin/env bash
# The offline copy's sizes and speeds in one run (pool max size 1, loopback): a barcode column's
# snapshot plain and gzip (time, bytes per row, heap), a delta after 100 changed rows, and scans
# per second with and without snapshots streaming. One fresh database on the test server
# (MATIC_TEST_DATABASE_URL, else 127.0.0.1:5432). See docs/benchmarks.md.
#
#   bench/snapshot.sh [--rows 100000] [--runs 5] [--seconds 10] [--scanners 32] [--page-rows N, default sync.snapshotPageRows]
set -euo pipefail
exec "$(dirname "$0")/test-main.sh" com.maticsapp.scan.bench.SnapshotThroughput "$@"
