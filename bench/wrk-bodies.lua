-- wrk script: POSTs JSON bodies read from the file named by $BODIES (one body per line).
-- Each thread walks its own share of the lines (thread i takes lines i, i+T, i+2T, ...), so
-- a file of distinct bodies gives every request a distinct body; a one-line file repeats it.
-- $TOKEN, when set, is sent as a bearer token.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local tid = tonumber(wrk.thread:get("tid")) or 1
  local total = tonumber(os.getenv("WRK_THREADS") or "2")
  bodies = {}
  local i = 0
  for line in io.lines(os.getenv("BODIES")) do
    if line ~= "" then
      if i % total == (tid - 1) % total then
        table.insert(bodies, line)
      end
      i = i + 1
    end
  end
  if #bodies == 0 then
    for line in io.lines(os.getenv("BODIES")) do
      if line ~= "" then table.insert(bodies, line) end
    end
  end
  n = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("TOKEN")
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  n = n + 1
  local body = bodies[((n - 1) % #bodies) + 1]
  return wrk.format(nil, nil, nil, body)
end

