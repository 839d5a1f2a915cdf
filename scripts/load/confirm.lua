-- wrk: confirm pending ledger records one at a time (POST .../activities/{id}/attestation),
-- each record once: the ids in LOAD_IDS are dealt out to the threads in turn
-- (thread n takes every THREADS-th from the n-th). Past the end of its share
-- a thread asks again for ids already decided (409, counted apart by the
-- script), so give it more ids than the run can confirm.
local society = os.getenv("LOAD_SOCIETY") or "bsanz"
local token = os.getenv("LOAD_TOKEN")
local ids = {}
for line in io.lines(os.getenv("LOAD_IDS")) do
  ids[#ids + 1] = line
end
local count = 0

function setup(thread)
  count = count + 1
  thread:set("first", count)
end

function init(args)
  at = tonumber(first or 1)
  step = tonumber(os.getenv("THREADS") or "2")
end

function request()
  local id = ids[((at - 1) % #ids) + 1]
  at = at + step
  return wrk.format("POST", "/api/v1/societies/" .. society .. "/activities/" .. id .. "/attestation",
    { ["authorization"] = "Bearer " .. token, ["content-type"] = "application/json" },
    '{"decision": "confirm"}')
end
