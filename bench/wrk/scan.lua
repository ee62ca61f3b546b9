-- POST /api/scans: new scans, random codes (90% hits), half of them with a client id.
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
  local body = "{" .. id .. '"table_id":"' .. common.table_id .. '","column_name":"code","barcode":"'
    .. common.code() .. '","source":"bench","device_id":"wrk"}'
  return wrk.format("POST", "/api/scans", nil, body)
end

done = common.done
