-- wrk script of bench/run.sh: POSTs SQL with a bearer token, as ayb's
-- clients call /v1/{entity}/{database}/query.  Read from the environment:
--   BENCH_TOKEN   the API token
--   BENCH_SQL     the body; with BENCH_IDS it is a format with one %d
--   BENCH_IDS     "LOW-HIGH": each request asks for a random id in that range,
--                 so a point query does not read the same page every time
--   BENCH_MANY    "ENTITIES-DATABASES" (B8): each request goes to a database
--                 drawn uniformly, /v1/m<e>/d<d>.sqlite/query
-- The same script drives the hello-world floor, so both see the same bytes.
local token = os.getenv("BENCH_TOKEN") or ""
local sql = os.getenv("BENCH_SQL") or "SELECT 1"
local low, high = string.match(os.getenv("BENCH_IDS") or "", "^(%d+)-(%d+)$")

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "text/plain"

local ents, dbs = string.match(os.getenv("BENCH_MANY") or "", "^(%d+)-(%d+)$")

if ents then
	ents, dbs = tonumber(ents), tonumber(dbs)
	function init(args)
		math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
	end
	function request()
		local path = string.format("/v1/m%d/d%d.sqlite/query", math.random(1, ents),
			math.random(1, dbs))
		return wrk.format(nil, path, nil, string.format(sql, math.random(1, 10)))
	end
elseif low then
	low, high = tonumber(low), tonumber(high)
	function init(args)
		math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
	end
	function request()
		return wrk.format(nil, nil, nil, string.format(sql, math.random(low, high)))
	end
else
	wrk.body = sql
end
