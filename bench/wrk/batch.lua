-- POST /api/scans/batch: an offline phone syncing 500 new scans, each with its client id.
package.path = package.path .. ";" .. (os.getenv("BENCH_DIR") or "bench") .. "/wrk/?.lua"
local common = require("common")
local size = tonumber(os.getenv("BENCH_BATCH_SIZE") or "500")

function init(args)
  common.seed()
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

done = common.done
