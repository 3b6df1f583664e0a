-- wrk script for bench/login_flood.py: every request is a failed sign-in (wrong password).
-- Arguments: MODE HOSPITAL
--   spread: each request claims a new X-Forwarded-For address and names a new account (the
--           server trusts the loopback proxy), as a botnet behind the hospital's proxy would;
--   one:    every request from this one caller, guessing many accounts.
-- The run counts 401 (a password was checked), 429 (refused before any hashing) and the rest.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  hospital = args[2]
  n = 0
  unauthorized, limited, other = 0, 0, 0
end

function request()
  n = n + 1
  local k = tid * 1000000 + n
  local headers = { ["content-type"] = "application/json" }
  if mode == "spread" then
    headers["x-forwarded-for"] = string.format("10.%d.%d.%d", tid, math.floor(n / 256) % 256, n % 256)
  end
  local body = string.format('{"hospital":"%s","username":"user%d","password":"Wrong-Passw0rd!"}', hospital, k % 5000)
  return wrk.format("POST", "/api/v1/auth/login", headers, body)
end

function response(status)
  if status == 401 then
    unauthorized = unauthorized + 1
  elseif status == 429 then
    limited = limited + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local u, l, o = 0, 0, 0
  for _, t in ipairs(threads) do
    u = u + t:get("unauthorized")
    l = l + t:get("limited")
    o = o + t:get("other")
  end
  io.write(string.format("RESULT requests=%d rps=%.1f p50=%.2f p99=%.2f s401=%d s429=%d other=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, u, l, o))
end
