#!/usr/bin/env bash
# matic-scan import/export benchmark.
#
#   bench/import.sh [--rows "100000 1000000"] [--export-rows 100000] [--pool 1] [--scan-seconds 10]
#
# For each size: writes a realistic attendee CSV (10 columns: ticket barcode, names, email,
# company, city, amount with decimals, date, boolean, note with commas and quotes), starts the
# service from target/matic-scan.jar (production profile, pool max size --pool, heap 256 MiB),
# imports the file into an empty table with POST /api/tables/{id}/import?wait=true, and reports
# the wall time and the service's peak RSS (VmHWM). Then exports --export-rows rows as CSV and
# XLSX. Last, scans against another table with wrk: alone for --scan-seconds, then while an
# import of the largest file runs; both rates are counted by the database (scans recorded per
# second), the second over the import's whole life. Writes bench/results/import-<time>.md.
# Everything it starts it stops by PID; it targets 127.0.0.1 only.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sizes="100000 1000000"
export_rows=100000
pool=1
scan_seconds=10
pghost=${PGHOST:-127.0.0.1}
pgport=${PGPORT:-5432}
pguser=${PGUSER:-postgres}
database=matic_bench_import
port=18180
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) sizes=$2; shift 2 ;;
    --export-rows) export_rows=$2; shift 2 ;;
    --pool) pool=$2; shift 2 ;;
    --scan-seconds) scan_seconds=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in psql curl python3 java wrk; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$here/results/import-$stamp"
mkdir -p "$out"
report="$here/results/import-$stamp.md"
psql_db() { psql -h "$pghost" -p "$pgport" -U "$pguser" -v ON_ERROR_STOP=1 -qAt "$@"; }

jar=${BENCH_JAR:-$root/target/matic-scan.jar} # BENCH_JAR: another build, e.g. an older commit's, to compare
if [ -z "${BENCH_JAR:-}" ] && { [ ! -f "$jar" ] || [ -n "$(find "$root/src/main" "$root/conf" -newer "$jar" -print -quit)" ]; }; then
  echo "building target/matic-scan.jar"
  (cd "$root" && mvn -q -B -DskipTests package)
fi

url="postgres://$pguser@$pghost:$pgport/$database?sslmode=disable"
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
auth="Authorization: Bearer $BENCH_TOKEN"
api() { curl -fsS -H "$auth" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# POST a file to an import route with ?wait=true and, if the answer is still running (the wait
# is bounded by transfer.importDeadline), poll the job until it has ended; the job on stdout.
import_file() {
  local answer
  answer=$(api -XPOST "$1" -H "Content-Type: $2" --data-binary @"$3")
  while [ "$(echo "$answer" | json '["status"]')" = running ]; do
    sleep 0.2
    answer=$(api "http://127.0.0.1:$port/api/imports/$(echo "$answer" | json '["id"]')")
  done
  echo "$answer"
}

service_pid=""
cleanup() { [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

start_service() {
  env ENVIRONMENT=production DATABASE_URL="$url" PORT=$port DB_POOL_MAX_SIZE="$pool" HTTP_HOST=127.0.0.1 \
    MANAGEMENT_ENABLED=false RATE_LIMIT_RPS=1000000 RATE_LIMIT_BURST=1000000 \
    AUTH_JWT_SECRET="$jwt_secret" GUEST_TOKEN_SECRET="$guest_secret" IMPORT_SPOOL_DIRECTORY="$out" PUBLIC_URL=https://scan.example.com \
    java ${BENCH_JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseSerialGC} -jar "$jar" >"$out/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 600); do
    curl -fs -m 2 "http://127.0.0.1:$port/api/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$service_pid" 2>/dev/null || { cat "$out/service.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "service did not become ready" >&2; exit 1
}
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$service_pid/status"; }

attendee_table() {
  api -XPOST "http://127.0.0.1:$port/api/tables" -H 'Content-Type: application/json' -d "{\"workspace_id\":\"$workspace\",\"name\":\"$1\",\"columns\":[
    {\"name\":\"ticket\",\"label\":\"Ticket\",\"column_type\":\"barcode\"},{\"name\":\"first_name\",\"column_type\":\"text\"},
    {\"name\":\"last_name\",\"column_type\":\"text\"},{\"name\":\"email\",\"column_type\":\"email\"},
    {\"name\":\"company\",\"column_type\":\"text\"},{\"name\":\"city\",\"column_type\":\"text\"},
    {\"name\":\"paid\",\"column_type\":\"number\"},{\"name\":\"registered\",\"column_type\":\"date\"},
    {\"name\":\"vip\",\"column_type\":\"boolean\"},{\"name\":\"note\",\"column_type\":\"text\"}]}" | json '["id"]'
}

write_csv() { # ROWS FILE
  python3 - "$1" "$2" <<'PY'
import random, sys
rows, path = int(sys.argv[1]), sys.argv[2]
random.seed(14)
first = ["Anna", "Bob", "Chloé", "Dmitri", "Eva", "Fatima", "Gustav", "Hana", "Igor", "Jana"]
last = ["Müller", "Smith", "O'Neil", "García", "Nowak", "Rossi", "Kim", "Dubois", "Novák", "Ivanova"]
cities = ["Berlin", "Zürich", "Paris", "New York", "Kraków", "São Paulo"]
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write("\ufeffTicket,First name,Last name,Email,Company,City,Paid,Registered,VIP,Note\r\n")
    for i in range(rows):
        fn, ln = random.choice(first), random.choice(last)
        f.write(f'T{i:08d},{fn},{ln},{fn.lower()}.{i}@example.com,"{ln} & Co, Ltd",{random.choice(cities)},'
                f'{random.randint(0, 50000) / 100:.2f},2026-{random.randint(1, 12):02d}-{random.randint(1, 28):02d},'
                f'{"yes" if i % 10 == 0 else "no"},"said ""hi"", row {i}"\r\n')
PY
}

echo "creating database $database"
psql_db -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
start_service
workspace=$(api -XPOST "http://127.0.0.1:$port/api/workspaces" -H 'Content-Type: application/json' -d '{"name":"Bench","slug":"bench"}' | json '["id"]')
{
  echo "# Import/export benchmark $stamp"
  echo
  echo "Pool max size $pool, heap ${BENCH_JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseSerialGC}, $(nproc) cores$( [ -n "${BENCH_NOTE:-}" ] && echo ", $BENCH_NOTE")."
  echo
  echo "| Operation | Rows | File MB | Seconds | Rows/s | Service peak RSS MB |"
  echo "|---|---|---|---|---|---|"
} >"$report"

largest=0
for rows in $sizes; do
  file="$out/attendees-$rows.csv"
  write_csv "$rows" "$file"
  [ "$rows" -gt "$largest" ] && largest=$rows
  table=$(attendee_table "Import $rows")
  started=$(date +%s%N)
  import_file "http://127.0.0.1:$port/api/tables/$table/import?wait=true" text/csv "$file" >"$out/import-$rows.json"
  seconds=$(python3 -c "print(round(($(date +%s%N) - $started) / 1e9, 2))")
  status=$(json '["status"]' <"$out/import-$rows.json")
  [ "$status" = succeeded ] || { echo "import of $rows rows: $status" >&2; cat "$out/import-$rows.json" >&2; exit 1; }
  echo "| import CSV | $rows | $(( $(stat -c %s "$file") / 1048576 )) | $seconds | $(python3 -c "print(int($rows / $seconds))") | $(peak_rss_mb) |" >>"$report"
  echo "imported $rows rows in $seconds s"
  [ "$rows" -eq "$largest" ] && largest_seconds=$seconds
  [ "$rows" -ge "$export_rows" ] && export_table=$table
done

for format in csv xlsx; do
  started=$(date +%s%N)
  api "http://127.0.0.1:$port/api/tables/$export_table/export?format=$format" -o "$out/export.$format"
  seconds=$(python3 -c "print(round(($(date +%s%N) - $started) / 1e9, 2))")
  exported=$(psql_db -d "$database" -c "SELECT count(*) FROM table_rows WHERE table_id = '$export_table'")
  echo "| export $format | $exported | $(( $(stat -c %s "$out/export.$format") / 1048576 )) | $seconds | $(python3 -c "print(int($exported / $seconds))") | $(peak_rss_mb) |" >>"$report"
  echo "exported $exported rows as $format in $seconds s"
done

# Scans during an import: another table, wrk for scan_seconds alone, then during an import.
scan_table=$(api -XPOST "http://127.0.0.1:$port/api/tables" -H 'Content-Type: application/json' \
  -d "{\"workspace_id\":\"$workspace\",\"name\":\"Inventory\",\"columns\":[{\"name\":\"code\",\"column_type\":\"barcode\"},{\"name\":\"name\",\"column_type\":\"text\"},{\"name\":\"qty\",\"column_type\":\"number\"}]}" | json '["id"]')
psql_db -d "$database" -c "INSERT INTO table_rows (table_id, data)
  SELECT '$scan_table', jsonb_build_object('code', 'ITEM-' || lpad(g::text, 7, '0'), 'name', 'Item ' || g, 'qty', g % 50)
  FROM generate_series(1, 100000) g" -c "ANALYZE table_rows"
export BENCH_TABLE_ID=$scan_table BENCH_ROWS=100000 BENCH_DIR=$here
scan_rate() { wrk -t2 -c32 -d"$1s" -s "$here/wrk/scan.lua" "http://127.0.0.1:$port" >/dev/null; }
# Scans recorded per second of a window, as the database saw them (scan_history.created_at).
recorded_rate() { psql_db -d "$database" -c "SELECT round(count(*) / greatest(extract(epoch FROM $2 - $1), 0.001))
  FROM scan_history WHERE table_id = '$scan_table' AND created_at >= $1 AND created_at < $2"; }
alone_from=$(psql_db -d "$database" -c "SELECT quote_literal(clock_timestamp()) || '::timestamptz'")
scan_rate "$scan_seconds"
alone_to=$(psql_db -d "$database" -c "SELECT quote_literal(clock_timestamp()) || '::timestamptz'")
alone=$(recorded_rate "$alone_from" "$alone_to")
# During: wrk runs for four times the import's own time (and at least --scan-seconds), and the
# rate is taken over the import's whole life as its client saw it: from sending the file to the
# answer (?wait=true answers when the job has ended).
table=$(attendee_table "Import during scans")
during_seconds=$(python3 -c "import math; print(max($scan_seconds, math.ceil(4 * ${largest_seconds:-10}) + 10))")
scan_rate "$during_seconds" &
wrk_pid=$!
sleep 1
started=$(date +%s%N)
import_file "http://127.0.0.1:$port/api/tables/$table/import?wait=true" text/csv "$out/attendees-$largest.csv" \
  >"$out/import-during-scans.json"
ended=$(date +%s%N)
import_during=$(python3 -c "print(round(($ended - $started) / 1e9, 2))")
wait "$wrk_pid"
[ "$(json '["status"]' <"$out/import-during-scans.json")" = succeeded ] || { cat "$out/import-during-scans.json" >&2; exit 1; }
during=$(recorded_rate "to_timestamp($started / 1e9)" "to_timestamp($ended / 1e9)")
# Where the import's time went, and the scans recorded in each second around it.
timeline=$(psql_db -d "$database" -F ' ' -c "
  SELECT 'import: ' || to_char(created_at, 'HH24:MI:SS.MS') || ' to ' || to_char(finished_at, 'HH24:MI:SS.MS')
         || ' (' || coalesce(report ->> 'timings', '{}') || ')' FROM import_jobs WHERE table_id = '$table'" -c "
  SELECT to_char(second, 'HH24:MI:SS') || ' ' || count(*) FROM (
    SELECT date_trunc('second', created_at) AS second FROM scan_history
    WHERE table_id = '$scan_table' AND created_at > (SELECT created_at - interval '3 seconds' FROM import_jobs WHERE table_id = '$table')
      AND created_at < to_timestamp($ended / 1e9) + interval '3 seconds'
  ) s GROUP BY second ORDER BY second")
echo "$timeline"
{
  echo
  echo "Scans (wrk, 2 threads, 32 connections), as recorded by the database: $alone/s alone (${scan_seconds} s)," \
    "$during/s over the whole import of $largest rows, which took $import_during s while the scans ran" \
    "($(python3 -c "print(round(100 * $during / max($alone, 1)))")%)."
  echo
  echo "Scans recorded per second around the import:"
  echo
  echo '```'
  echo "$timeline"
  echo '```'
  echo
  echo "Command: \`bench/import.sh --rows \"$sizes\" --export-rows $export_rows --pool $pool --scan-seconds $scan_seconds\`"
} >>"$report"
kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=""
rm -f "$out"/*.csv "$out"/export.*
psql_db -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)"
cat "$report"
