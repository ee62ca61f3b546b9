#!/usr/bin/env bash
# Scans with and without webhooks in the same run: alternating phases on one service, a table in
# a workspace without endpoints and one in a workspace with two (a fast receiver and a failing
# one), each at a fixed open-loop scan rate; the delay from scan to delivery at the fast
# receiver. One fresh database on the test server (MATIC_TEST_DATABASE_URL, else
# 127.0.0.1:5432). See docs/benchmarks.md.
#
#   bench/webhooks.sh [--rate 1000] [--seconds 10] [--rounds 2] [--rows 1000]
set -euo pipefail
exec "$(dirname "$0")/test-main.sh" com.maticsapp.scan.bench.WebhookThroughput "$@"
