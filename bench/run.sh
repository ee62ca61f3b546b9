#!/usr/bin/env bash
# matic-scan benchmark: the service against pgbench running the same SQL, in one run.
#
#   bench/run.sh [--rows N] [--pools "1 4"] [--connections "16 64 256"] [--duration 10]
#   BENCH_ONCE_DUPLICATES=0.10   share of the once workload's scans that repeat a code (refused)
#
# Creates a fresh database (default 100,000 rows; --rows 1000000 for the large option), starts
# the service from target/matic-scan.jar in the production profile once per pool size, drives
# it with wrk over loopback (lookups, scans, 500-scan batches), measures pgbench on the same
# database with the service's own statements (one connection plain, one connection pipelined,
# eight connections), and writes a markdown report and a PNG chart to bench/results/.
# Everything it starts it stops by PID; it targets 127.0.0.1 only.
set -euo pipefail
ulimit -n 65536 2>/dev/null || true   # 1024 wrk connections and as many server sockets

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rows=100000
pools="1 4"
connections="16 64 256"
duration=10
pghost=${PGHOST:-127.0.0.1}
pgport=${PGPORT:-5432}
pguser=${PGUSER:-postgres}
database=matic_bench
port=18080
management_port=18090   # health/detailed (pool statistics) and /metrics while a run is going
depth=32
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --pools) pools=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

for tool in wrk pgbench psql curl python3 java; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk postgresql-contrib gnuplot-nox curl)" >&2; exit 2; }
done

stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
out="$here/results/$stamp"
mkdir -p "$out"
service_pid=""
cleanup() {
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid"; wait "$service_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

psql_db() { psql -h "$pghost" -p "$pgport" -U "$pguser" -v ON_ERROR_STOP=1 -qAt "$@"; }

jar=${BENCH_JAR:-$root/target/matic-scan.jar} # BENCH_JAR: another build, e.g. an older commit's, to compare
if [ -z "${BENCH_JAR:-}" ] && { [ ! -f "$jar" ] || [ -n "$(find "$root/src/main" "$root/conf" -newer "$jar" -print -quit)" ]; }; then
  echo "building target/matic-scan.jar"
  (cd "$root" && mvn -q -B -DskipTests package)
fi

url="postgres://$pguser@$pghost:$pgport/$database?sslmode=disable"

# Production refuses to start without its auth secrets. Every request of the benchmark acts as
# one user, with an HS256 access token made here the way the identity provider makes them
# (valid for 12 hours), so token checks and role checks are part of what is measured.
jwt_secret="bench-only-user-token-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
guest_secret="bench-only-guest-token-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export BENCH_TOKEN=$(JWT_SECRET="$jwt_secret" python3 -c '
import base64, hashlib, hmac, json, os, time
def part(obj): return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()
now = int(time.time())
signing = part({"alg": "HS256", "typ": "JWT"}) + "." + part({"sub": "bench-user", "aud": "authenticated",
    "role": "authenticated", "email": "bench@example.com", "iat": now, "exp": now + 43200})
signature = hmac.new(os.environ["JWT_SECRET"].encode(), signing.encode(), hashlib.sha256).digest()
print(signing + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode())')
auth_header="Authorization: Bearer $BENCH_TOKEN"

# start_service POOL_SIZE [EXTRA_ENV...]: starts the jar, waits for readiness, sets
# service_pid and startup_ms. Rate limits are raised out of the way (every wrk connection is the
# same user, whom the production limits would hold to 50 requests a second) but stay switched on,
# so their cost is measured. Pool statistics during a run:
# curl http://127.0.0.1:$management_port/api/health/detailed
start_service() {
  local pool=$1; shift
  local started=$(date +%s%N)
  env ENVIRONMENT=production DATABASE_URL="$url" PORT=$port DB_POOL_MAX_SIZE="$pool" HTTP_HOST=127.0.0.1 \
    MANAGEMENT_PORT=$management_port MANAGEMENT_HOST=127.0.0.1 RATE_LIMIT_RPS=1000000 RATE_LIMIT_BURST=1000000 \
    AUTH_JWT_SECRET="$jwt_secret" GUEST_TOKEN_SECRET="$guest_secret" PUBLIC_URL=https://bench.example.com "$@" \
    java ${BENCH_JAVA_OPTS:--Xms128m -Xmx128m -XX:+UseSerialGC} -jar "$jar" >"$out/service-pool$pool.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 600); do
    if curl -fs -m 2 "http://127.0.0.1:$port/api/health/ready" >/dev/null 2>&1; then
      startup_ms=$(( ($(date +%s%N) - started) / 1000000 ))
      return 0
    fi
    kill -0 "$service_pid" 2>/dev/null || { cat "$out/service-pool$pool.log" >&2; exit 1; }
    sleep 0.02
  done
  echo "service did not become ready" >&2; exit 1
}

stop_service() {
  kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=""
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$service_pid/stat"; }

# The once table as if nobody had scanned it: no history, no row state, no checked_in.
reset_once() {
  psql_db -d "$database" -c "DELETE FROM scan_history WHERE table_id = '$once_table_id'" \
    -c "UPDATE table_rows SET scan_state = '{}', scan_count = 0, last_scanned_at = NULL, data = data - 'checked_in'
        WHERE table_id = '$once_table_id' AND scan_state <> '{}'" \
    -c "DELETE FROM scan_counters WHERE table_id = '$once_table_id' AND rows_in_scope = 0" >/dev/null
}

# ---- database ----
echo "creating database $database with $rows rows"
psql_db -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
start_service 1   # runs the migrations
workspace=$(curl -fs -XPOST "http://127.0.0.1:$port/api/workspaces" -H 'Content-Type: application/json' -H "$auth_header" \
  -d '{"name":"Bench","slug":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
table_id=$(curl -fs -XPOST "http://127.0.0.1:$port/api/tables" -H 'Content-Type: application/json' -H "$auth_header" \
  -d "{\"workspace_id\":\"$workspace\",\"name\":\"Inventory\",\"columns\":[{\"name\":\"code\",\"column_type\":\"barcode\"},{\"name\":\"name\",\"column_type\":\"text\"},{\"name\":\"qty\",\"column_type\":\"number\"}]}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
# The same codes in a table whose barcode column admits each code once and ticks checked_in
# (docs/scan-rules.md): the `once` workload, compared with the plain `scan` one of the same run.
once_table_id=$(curl -fs -XPOST "http://127.0.0.1:$port/api/tables" -H 'Content-Type: application/json' -H "$auth_header" \
  -d "{\"workspace_id\":\"$workspace\",\"name\":\"Tickets\",\"columns\":[{\"name\":\"code\",\"column_type\":\"barcode\",\"settings\":{\"mode\":\"once\",\"on_accept\":[{\"column\":\"checked_in\",\"value\":true}]}},{\"name\":\"name\",\"column_type\":\"text\"},{\"name\":\"checked_in\",\"column_type\":\"boolean\"}]}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
stop_service
psql_db -d "$database" -c "INSERT INTO table_rows (table_id, data)
  SELECT '$table_id', jsonb_build_object('code', 'ITEM-' || lpad(g::text, 7, '0'), 'name', 'Item ' || g, 'qty', g % 50)
  FROM generate_series(1, $rows) g" -c "INSERT INTO table_rows (table_id, data)
  SELECT '$once_table_id', jsonb_build_object('code', 'ITEM-' || lpad(g::text, 7, '0'), 'name', 'Guest ' || g)
  FROM generate_series(1, $rows) g" -c "VACUUM ANALYZE"
echo "table $table_id ready"

export BENCH_TABLE_ID=$table_id BENCH_ONCE_TABLE_ID=$once_table_id BENCH_ROWS=$rows BENCH_DIR=$here
export BENCH_ONCE_DUPLICATES=${BENCH_ONCE_DUPLICATES:-0.10}
results="$out/results.tsv"
printf 'workload\tpool\tconnections\trps\tp50_ms\tp99_ms\tnon2xx\terrors\tcpu_cores\tfailed_items\n' >"$results"

run_wrk() {  # run_wrk WORKLOAD POOL CONNECTIONS [LABEL]
  local workload=$1 pool=$2 conns=$3 label=${4:-$1}
  local before=$(cpu_ticks) t0=$(date +%s%N)
  wrk -t"$(( conns < 2 ? 1 : 2 ))" -c "$conns" -d "${duration}s" --timeout 10s -s "$here/wrk/$workload.lua" "http://127.0.0.1:$port" >"$out/wrk-$label-pool$pool-c$conns.txt"
  local seconds=$(python3 -c "print(($(date +%s%N) - $t0) / 1e9)")
  local cores=$(python3 -c "print(round(($(cpu_ticks) - $before) / $(getconf CLK_TCK) / $seconds, 2))")
  python3 - "$out/wrk-$label-pool$pool-c$conns.txt" "$label" "$pool" "$conns" "$cores" >>"$results" <<'PY'
import json, sys
line = next(l for l in open(sys.argv[1]) if l.startswith("BENCH_JSON"))
r = json.loads(line.split(" ", 1)[1])
print("\t".join([sys.argv[2], sys.argv[3], sys.argv[4], f"{r['rps']:.0f}", f"{r['p50_ms']:.2f}",
                 f"{r['p99_ms']:.2f}", str(r["non2xx"]), str(r["socket_errors"]), sys.argv[5], str(r["failed_items"])]))
PY
  tail -n 1 "$results"
}

# ---- the service ----
startup=""
for pool in $pools; do
  start_service "$pool"
  startup="$startup pool=$pool:${startup_ms}ms"
  echo "service ready in ${startup_ms} ms (pool max size $pool)"
  wrk -t2 -c 64 -d 5s -s "$here/wrk/lookup.lua" "http://127.0.0.1:$port" >/dev/null   # JIT warm-up
  wrk -t2 -c 64 -d 5s -s "$here/wrk/scan.lua" "http://127.0.0.1:$port" >/dev/null
  for workload in lookup scan; do
    for conns in $connections; do run_wrk "$workload" "$pool" "$conns"; done
  done
  # once: each run starts from a column nobody scanned, so its duplicate share is the one the
  # script sends (BENCH_ONCE_DUPLICATES); the share the history recorded is printed per run.
  for conns in $connections; do
    reset_once
    run_wrk once "$pool" "$conns"
    psql_db -d "$database" -At -c "SELECT 'pool=$pool once c$conns: ' || count(*) || ' scans, '
        || round(100.0 * count(*) FILTER (WHERE decision = 'already_scanned') / greatest(count(*), 1), 1) || '% already_scanned, '
        || count(*) FILTER (WHERE decision NOT IN ('accepted', 'already_scanned')) || ' other'
      FROM scan_history WHERE table_id = '$once_table_id'" | tee -a "$out/once.txt"
  done
  reset_once
  for conns in 1 4 16; do run_wrk batch "$pool" "$conns"; done
  peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$service_pid/status")
  echo "pool=$pool peak_rss_mb=$((peak_rss_kb / 1024))" | tee -a "$out/resources.txt"
  stop_service
done

# ---- overload: a deliberately tiny wait queue must shed load fast with 503s ----
start_service 1 DB_POOL_MAX_WAIT_QUEUE=4 DB_POOL_CONNECTION_TIMEOUT=100ms
run_wrk scan 1 256 overload-scan-queue4
stop_service

# ---- above capacity: 1024 clients that never back off, against the production wait queue
# (512): the successful rate must stay near capacity (no collapse) and be back to normal as
# soon as the load drops ----
start_service 1
wrk -t2 -c 64 -d 5s -s "$here/wrk/scan.lua" "http://127.0.0.1:$port" >/dev/null
run_wrk scan 1 1024 overload-scan-1024-clients
run_wrk scan 1 64 after-overload-scan
stop_service

# ---- pgbench: the same statements straight on PostgreSQL ----
python3 "$here/pgbench_scripts.py" "$root/src/main/java/com/maticsapp/scan" "$out/pgbench" "$rows" "$depth"
pgbench_rate() {  # pgbench_rate SCRIPT CLIENTS STATEMENTS_PER_SCRIPT
  local tps
  tps=$(pgbench -h "$pghost" -p "$pgport" -U "$pguser" -n -M prepared -c "$2" -j "$2" -T "$duration" \
    -D table_id="$table_id" -f "$1" "$database" 2>&1 | awk -F'= ' '/^tps/ {print $2}' | awk '{print $1}')
  python3 -c "print(round($tps * $3))"
}
for workload in lookup scan; do
  plain=$(pgbench_rate "$out/pgbench/$workload.sql" 1 1)
  piped=$(pgbench_rate "$out/pgbench/$workload-pipelined.sql" 1 "$depth")
  eight=$(pgbench_rate "$out/pgbench/$workload.sql" 8 1)
  printf '%s\t%s\t%s\t%s\n' "$workload" "$plain" "$piped" "$eight" >>"$out/pgbench.tsv"
  echo "pgbench $workload: 1 conn $plain/s, 1 conn pipelined $piped/s, 8 conns $eight/s"
done

# ---- report ----
python3 "$here/report.py" "$out" "$rows" "$duration" "$startup" "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
if command -v gnuplot >/dev/null; then
  gnuplot -e "dir='$out'" "$here/chart.gp"
else
  echo "no gnuplot (apt-get install gnuplot-nox): the chart is not drawn, the report is complete"
fi
echo "report: $out/report.md"
cat "$out/report.md"
