-- Shared by the workload scripts: random codes with a 90% hit rate, UUIDs, and a one-line
-- JSON summary printed by done() that bench/run.sh parses.
local common = {}

common.table_id = os.getenv("BENCH_TABLE_ID")
common.once_table_id = os.getenv("BENCH_ONCE_TABLE_ID")
common.rows = tonumber(os.getenv("BENCH_ROWS") or "100000")

-- Every request acts as the benchmark's user (bench/run.sh makes the token).
function common.authorize()
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

function common.seed()
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

-- A barcode from the table (90%) or one that matches nothing (10%).
function common.code()
  if math.random() < 0.9 then
    return string.format("ITEM-%07d", math.random(1, common.rows))
  end
  return string.format("MISS-%07d", math.random(1, 9999999))
end

local function hex(n)
  local parts = {}
  for i = 1, n do
    parts[i] = string.format("%x", math.random(0, 15))
  end
  return table.concat(parts)
end

function common.uuid()
  return hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-" .. string.format("%x", math.random(8, 11)) .. hex(3) .. "-" .. hex(12)
end

-- failed_items: for batches, items answered with anything but 201 inside a 200 response.
function common.done(summary, latency, requests, failed_items)
  local errors = summary.errors
  io.write(string.format(
    '\nBENCH_JSON {"requests":%d,"duration_us":%d,"rps":%.2f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"socket_errors":%d,"failed_items":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout, failed_items or 0))
end

return common
