-- wrk: GET one public register entry, a random listed registration number
-- per request (so no cache sees the same entry twice in a row).
local numbers = {}
for line in io.lines(os.getenv("LOAD_NUMBERS")) do
  numbers[#numbers + 1] = line
end
local society = os.getenv("LOAD_SOCIETY") or "bsanz"

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000))
end

function request()
  local n = numbers[math.random(#numbers)]
  return wrk.format("GET", "/api/v1/societies/" .. society .. "/register/" .. n)
end
