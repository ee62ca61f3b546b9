-- GET /api/tables/{id}/rows/search: 90% hits, 10% misses, random codes.
package.path = package.path .. ";" .. (os.getenv("BENCH_DIR") or "bench") .. "/wrk/?.lua"
local common = require("common")

function init(args)
  common.seed()
  common.authorize()
end

function request()
  return wrk.format("GET", "/api/tables/" .. common.table_id .. "/rows/search?column_name=code&value=" .. common.code())
end

done = common.done
