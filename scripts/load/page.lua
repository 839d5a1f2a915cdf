-- wrk: GET a public HTML page of the register, one random listed
-- registration number or name prefix per request. LOAD_PAGE says which:
-- "entry" (/societies/S/register/N), "verify" (/verify/S/N) or "search"
-- (/societies/S/register?q=P).
local page = os.getenv("LOAD_PAGE") or "entry"
local society = os.getenv("LOAD_SOCIETY") or "bsanz"
local words = {}
local list = page == "search" and os.getenv("LOAD_PREFIXES") or os.getenv("LOAD_NUMBERS")
for line in io.lines(list) do
  words[#words + 1] = line
end

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000))
end

function request()
  local w = words[math.random(#words)]
  if page == "search" then
    return wrk.format("GET", "/societies/" .. society .. "/register?q=" .. w)
  elseif page == "verify" then
    return wrk.format("GET", "/verify/" .. society .. "/" .. w)
  end
  return wrk.format("GET", "/societies/" .. society .. "/register/" .. w)
end
