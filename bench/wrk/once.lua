-- POST /api/scans on a `once` column with one action (checked_in on accept): random codes
-- (90% hits), half with a client id; a code drawn twice is refused already_scanned, so the
-- duplicate share grows over a run (bench/run.sh prints it from the history).
package.path = package.path .. ";" .. (os.getenv("BENCH_DIR") or "bench") .. "/wrk/?.lua"
local common = require("common")

function init(args)
  common.seed()
  common.authorize()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local id = ""
  if math.random() < 0.5 then
    id = '"id":"' .. common.uuid() .. '",'
  end
  local body = "{" .. id .. '"table_id":"' .. common.once_table_id .. '","column_name":"code","barcode":"'
    .. common.code() .. '","source":"bench","device_id":"wrk"}'
  return wrk.format("POST", "/api/scans", nil, body)
end

done = common.done
