-- POST /api/scans/batch: an offline phone syncing 500 new scans, each with its client id.
-- A batch answers 200 with a status per item, so items that were not recorded (e.g. 503 when
-- the scan queue is full) are counted from the bodies and reported as failed_items.
package.path = package.path .. ";" .. (os.getenv("BENCH_DIR") or "bench") .. "/wrk/?.lua"
local common = require("common")
local size = tonumber(os.getenv("BENCH_BATCH_SIZE") or "500")
local threads = {}
failed_items = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  common.seed()
  common.authorize()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local items = {}
  for i = 1, size do
    items[i] = '{"id":"' .. common.uuid() .. '","table_id":"' .. common.table_id
      .. '","column_name":"code","barcode":"' .. common.code()
      .. '","scanned_at":"2026-11-27T10:00:00Z","source":"offline-sync"}'
  end
  return wrk.format("POST", "/api/scans/batch", nil, '{"scans":[' .. table.concat(items, ",") .. "]}")
end

function response(status, headers, body)
  if status == 200 then
    local _, total = string.gsub(body, '"index":', "")
    local _, created = string.gsub(body, '"status":201', "")
    failed_items = failed_items + (total - created)
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failed_items")
  end
  common.done(summary, latency, requests, failed)
end
