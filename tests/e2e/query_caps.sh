#!/bin/sh
# Caps on the queries running at once (README "Isolation"), across every
# FastCGI process of `ayb server` (2 processes of 4 request threads), set to
# 2 per entity and 2 per database: while two runaway queries of one entity
# run, its third query gets 429 with Retry-After (from the API, the CLI and
# the web UI) and another entity is unaffected; likewise three entities on
# one database.  Once the runaway queries end, the slots are free again.
. "$(dirname "$0")/lib.sh"

export AYB_SERVER_PROCS=2 AYB_API_THREADS=4
e2e_setup 'isolation {
  query_timeout_ms = 4000
  max_queries_per_entity = 2
  max_queries_per_database = 2
}'
e2e_start_server

for u in alice bob carol dave; do
	tok=$(register_user $u $u@example.org) || bail "cannot register $u"
	eval "TOKEN_$u=\$tok"
done
auth() { eval "echo \"Authorization: Bearer \$TOKEN_$1\""; }
create() { # ENTITY DB LEVEL
	api POST "/v1/$1/$2.sqlite/create" -d '' -H "$(auth "$1")" -H 'db-type: sqlite' \
		-H "public-sharing-level: $3"
	is "$STATUS" 201 "setup: $1/$2.sqlite"
}
for d in r1 r2 r3; do create alice $d no-access; done
create alice shared read-only
create bob points no-access
api POST /v1/alice/shared.sqlite/query -H "$(auth alice)" --data-binary 'CREATE TABLE s (v)'
is "$STATUS" 200 "setup: alice/shared.sqlite has a file"
api POST /v1/bob/points.sqlite/query -H "$(auth bob)" --data-binary 'CREATE TABLE p (v)'
api POST /v1/bob/points.sqlite/query -H "$(auth bob)" --data-binary "INSERT INTO p VALUES (1)"
is "$STATUS" 200 "setup: bob's table"

RUNAWAY='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'
TIMED_OUT='400 {"type":"Other","message":"Query timed out: it ran longer than 4000 ms (the server'"'"'s limit)"}'
# runaway NAME ENTITY DB: ENTITY's endless query on DB in the background
# ($T/NAME.status, .body, .headers; its pid in $!).
runaway() {
	curl -sS -D "$T/$1.headers" -o "$T/$1.body" -w '%{http_code}' -X POST \
		-H "$(auth "$2")" --data-binary "$RUNAWAY" "$URL/v1/$3/query" >"$T/$1.status" &
}
# busy DB N: waits until N query workers serve DB (ENTITY/NAME); a query's
# slots are taken before its worker starts.  The database's writer, still
# idling after the set-up's CREATE TABLE, is no query's: it is the one
# worker that leads a session of its own.
busy() {
	_dir=$(readlink -f "$T/data/databases/$1/current")
	_i=0
	while [ "$(ps -eo pid=,sid=,args= | awk -v d="$_dir/" '$1 != $2 &&
	    $3 == "ayb-query-worker" && index($4, d) == 1' | wc -l)" -lt "$2" ] &&
	    [ $_i -lt 400 ]; do
		_i=$((_i + 1))
		sleep 0.05
	done
}
result() { echo "$(cat "$T/$1.status") $(cat "$T/$1.body")"; }

# ---- per entity ------------------------------------------------------------------
runaway e1 alice alice/r1.sqlite
E1=$!
runaway e2 alice alice/r2.sqlite
E2=$!
busy alice/r1.sqlite 1
busy alice/r2.sqlite 1
api POST /v1/alice/r3.sqlite/query -H "$(auth alice)" --data-binary 'SELECT 1'
CAP_ENTITY='Too many queries at once: alice already has 2 running (the server'"'"'s limit per entity); try again shortly'
is "$STATUS $BODY" "429 {\"type\":\"Other\",\"message\":\"$CAP_ENTITY\"}" \
	"a third query of alice while two run: 429"
is "$(header Retry-After)" 1 "with Retry-After"
run --url "$URL" --token "$TOKEN_alice" query alice/r3.sqlite 'SELECT 1'
is "$RC $ERR" "1 Error: $CAP_ENTITY" "the CLI prints it as an error"
# The web UI, logged in as alice (its login cookie holds an API token).
api GET /alice/r3.sqlite -b "auth=alice:$TOKEN_alice"
csrf=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
api POST /alice/r3.sqlite/query -b "auth=alice:$TOKEN_alice" --data-urlencode "csrf=$csrf" \
	--data-urlencode 'query=SELECT 1'
is "$STATUS $(header Retry-After)" "429 1" "the web UI's query form: 429 with Retry-After"
like "$BODY" "Too many queries at once: alice already has 2 running" "and the message on the page"
api POST /v1/bob/points.sqlite/query -H "$(auth bob)" --data-binary 'SELECT v FROM p'
is "$STATUS $BODY" '200 {"fields":["v"],"rows":[["1"]]}' "bob's query is unaffected"
kill -0 "$E1" 2>/dev/null && kill -0 "$E2" 2>/dev/null
ok $? "(alice's two runaway queries were still running)"
wait "$E1"
wait "$E2"
is "$(result e1)" "$TIMED_OUT" "alice's first runaway query ran to its timeout"
is "$(result e2)" "$TIMED_OUT" "and the second"
api POST /v1/alice/r3.sqlite/query -H "$(auth alice)" --data-binary 'SELECT 1'
is "$STATUS" 200 "once they end, alice queries again"

# ---- per database ----------------------------------------------------------------
runaway d1 bob alice/shared.sqlite
D1=$!
runaway d2 carol alice/shared.sqlite
D2=$!
busy alice/shared.sqlite 2
runaway d3 dave alice/shared.sqlite
wait $!
CAP_DB='Too many queries at once: database alice/shared.sqlite already has 2 running (the server'"'"'s limit per database); try again shortly'
is "$(result d3)" "429 {\"type\":\"Other\",\"message\":\"$CAP_DB\"}" \
	"a third entity's query on alice/shared while two run: 429"
grep -qi '^Retry-After: 1' "$T/d3.headers"
ok $? "with Retry-After"
api POST /v1/bob/points.sqlite/query -H "$(auth bob)" --data-binary 'SELECT v FROM p'
is "$STATUS" 200 "bob, who runs one of them, still queries his own database"
kill -0 "$D1" 2>/dev/null && kill -0 "$D2" 2>/dev/null
ok $? "(the two runaway queries on alice/shared were still running)"
wait "$D1"
wait "$D2"
is "$(result d1) / $(result d2)" "$TIMED_OUT / $TIMED_OUT" "both ran to their timeout"
api POST /v1/alice/shared.sqlite/query -H "$(auth dave)" --data-binary 'SELECT 1'
is "$STATUS" 200 "then dave's query on alice/shared runs"

tap_done
