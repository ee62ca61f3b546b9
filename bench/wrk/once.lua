-- POST /api/scans on a `once` column with one action (checked_in on accept). The duplicate share
-- is fixed by construction: BENCH_ONCE_DUPLICATES (default 0.10) of the requests send again a code
-- this thread already sent (refused already_scanned, as a second phone at the door would be);
-- the rest send a code nobody scanned yet (accepted: the row is locked, judged and its cell set).
-- Every code is a hit. Each thread walks its own block of the table, so threads never collide on
-- fresh codes; bench/run.sh resets the column before each run and prints the measured share.
package.path = package.path .. ";" .. (os.getenv("BENCH_DIR") or "bench") .. "/wrk/?.lua"
local common = require("common")

local duplicates = tonumber(os.getenv("BENCH_ONCE_DUPLICATES") or "0.10")
local BLOCKS = 4 -- at most this many wrk threads (bench/run.sh uses 1 or 2)

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("block", threads - 1)
end

local first, size, sent = 1, 1, 0

function init(args)
  common.seed()
  common.authorize()
  size = math.floor(common.rows / BLOCKS)
  first = (block or 0) * size + 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

local function code()
  if sent > 0 and math.random() < duplicates then
    return string.format("ITEM-%07d", first + math.random(0, sent - 1))
  end
  -- A fresh code; past the end of the block (a run longer than the table allows) codes repeat,
  -- which raises the measured duplicate share: bench/run.sh prints it.
  local n = first + (sent % size)
  sent = sent + 1
  return string.format("ITEM-%07d", n)
end

function request()
  local id = ""
  if math.random() < 0.5 then
    id = '"id":"' .. common.uuid() .. '",'
  end
  local body = "{" .. id .. '"table_id":"' .. common.once_table_id .. '","column_name":"code","barcode":"'
    .. code() .. '","source":"bench","device_id":"wrk"}'
  return wrk.format("POST", "/api/scans", nil, body)
end

done = common.done
