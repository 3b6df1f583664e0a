-- wrk script for bench/booking.py: every request books a checkup for a new person (valid,
-- distinct identity numbers), and the run counts 201 / 409 capacity_full / anything else.
-- Arguments: PATH TOKEN DATE OFFSET (OFFSET keeps people distinct between runs).

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = {"1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"}

local function id_number(n)
  -- 16,800 birth dates (1950–1999, days 1–28) × 999 sequence numbers.
  local seq = n % 999 + 1
  local d = math.floor(n / 999)
  local year = 1950 + math.floor(d / 336) % 50
  local month = math.floor(d / 28) % 12 + 1
  local day = d % 28 + 1
  local body = string.format("110105%04d%02d%02d%03d", year, month, day, seq)
  local sum = 0
  for i = 1, 17 do
    sum = sum + tonumber(body:sub(i, i)) * weights[i]
  end
  return body .. checks[sum % 11 + 1]
end

function init(args)
  path, token, date, offset = args[1], args[2], args[3], tonumber(args[4])
  counter, created, full, other = 0, 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local n = offset + tid * 2000000 + counter
  local body = string.format(
    '{"package":"BASIC","date":"%s","pool":"individual","person":{"name":"压测受检人","id_number":"%s","phone":"139%08d"}}',
    date, id_number(n), n % 100000000)
  return wrk.format("POST", path, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 409 and body:find("capacity_full", 1, true) then
    full = full + 1
  else
    other = other + 1
    if other <= 3 then
      io.stderr:write("unexpected " .. status .. ": " .. body:sub(1, 200) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local c, f, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    f = f + t:get("full")
    o = o + t:get("other")
  end
  io.write(string.format("RESULT created=%d full=%d other=%d requests=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f\n",
    c, f, o, summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
