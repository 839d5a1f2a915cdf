-- wrk: search the public register by name, a random name prefix per
-- request (three or four letters, or a whole given or family name).
local prefixes = {}
for line in io.lines(os.getenv("LOAD_PREFIXES")) do
  prefixes[#prefixes + 1] = line
end
local society = os.getenv("LOAD_SOCIETY") or "bsanz"

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000))
end

function request()
  local q = prefixes[math.random(#prefixes)]
  return wrk.format("GET", "/api/v1/societies/" .. society .. "/register?q=" .. q)
end
