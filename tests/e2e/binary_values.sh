#!/bin/sh
# Values that are not UTF-8 (README "Query results"): ayb fails a whole
# query that meets one (400 Utf8Error); ayb-c shows each as
# {"base64":"..."} in the API's answer, the web UI's table and its CSV and
# JSON downloads, and `ayb client query`'s table and CSV, byte for byte,
# while text (and a blob that is UTF-8) stays a string.  The base64 form
# counts against the result limit like any other JSON.
. "$(dirname "$0")/lib.sh"

e2e_setup 'isolation {
  max_result_mb = 1
}'
e2e_start_server

TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"
DB=/v1/alice/bin.sqlite
api POST $DB/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
q() { api POST $DB/query -H "$AUTH" --data-binary "$1"; }

ALL=$(seq 0 255 | xargs printf '%02x')
printf '%s' "$ALL" | xxd -r -p >"$T/all.bin"
q 'CREATE TABLE b(id INTEGER PRIMARY KEY, v BLOB, t TEXT)'
q "INSERT INTO b VALUES (1, X'00ff10', 'plain'), (2, X'68c3a9', CAST(X'41ff' AS TEXT)), (3, X'$ALL', NULL)"
is "$STATUS" 200 "setup: binary rows"

# ---- the API ---------------------------------------------------------------------------------
q 'SELECT id, v, t FROM b WHERE id < 3'
is "$STATUS $BODY" '200 {"fields":["id","v","t"],"rows":[["1",{"base64":"AP8Q"},"plain"],["2","hé",{"base64":"Qf8="}]]}' \
	"binary values as base64, UTF-8 blobs and text as strings"
q 'SELECT v FROM b WHERE id = 3'
printf '%s' "$BODY" | jq -r '.rows[0][0].base64' | base64 -d >"$T/got.bin"
cmp -s "$T/all.bin" "$T/got.bin"
ok $? "all 256 byte values round-trip byte for byte"
q "SELECT length(v) FROM b WHERE v = X'$ALL'"
is "$BODY" '{"fields":["length(v)"],"rows":[["256"]]}' "the stored value is the one inserted"

# A large value costs its base64 form against the result limit (1 MB here):
# 700 KB of bytes are 933 KB of base64, 800 KB are over.
q 'SELECT randomblob(700000) AS r'
is "$STATUS" 200 "700 KB of binary: within the limit"
is "$(printf '%s' "$BODY" | jq -r '.rows[0][0].base64' | base64 -d | wc -c)" 700000 \
	"and it decodes to 700000 bytes"
q 'SELECT randomblob(800000) AS r'
is "$STATUS $BODY" '400 {"type":"Other","message":"Query result too large: more than 1 MiB of JSON (the server'"'"'s limit)"}' \
	"800 KB of binary: its base64 passes the limit, a clear 400"
q "SELECT 'a$(printf '\377')'"
like "$STATUS $BODY" '400 {"type":"Other","message":"Utf8Error' "SQL that is not UTF-8 is still refused"

# ---- ayb client ----------------------------------------------------------------------------------
export AYB_SERVER_URL=$URL AYB_API_TOKEN=$TOKEN
run query alice/bin.sqlite 'SELECT id, v, t FROM b WHERE id < 3' --format csv
is "$OUT/$RC" "id,v,t${NL}1,\"{\"\"base64\"\":\"\"AP8Q\"\"}\",plain${NL}2,hé,\"{\"\"base64\"\":\"\"Qf8=\"\"}\"$NL${NL}Rows: 2$NL/0" \
	"CLI CSV: the form, quoted"
run query alice/bin.sqlite 'SELECT v FROM b WHERE id = 1'
like "$OUT" ' {"base64":"AP8Q"} ' "CLI table: the form"
is "$RC" 0 "CLI table: success"

# ---- the web UI: table and downloads -----------------------------------------------------------
COOKIE="auth=alice:$TOKEN"
api GET /alice/bin.sqlite -b "$COOKIE"
CSRF=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
ui_query() { # SQL [CURL_ARGS...]
	_sql=$1
	shift
	api POST /alice/bin.sqlite/query -b "$COOKIE" "$@" --data-urlencode "csrf=$CSRF" \
		--data-urlencode "query=$_sql"
}
ui_query 'SELECT id, v, t FROM b WHERE id < 3'
is "$STATUS" 200 "UI: the query runs"
like "$BODY" '<td class="binary">{&quot;base64&quot;:&quot;AP8Q&quot;}</td><td>plain</td>' \
	"UI table: the form, escaped"
like "$BODY" '<td>hé</td><td class="binary">{&quot;base64&quot;:&quot;Qf8=&quot;}</td>' \
	"UI table: text stays text"
ui_query 'SELECT id, v, t FROM b WHERE id < 3' --data-urlencode format=csv
is "$STATUS $BODY" "200 id,v,t${NL}1,\"{\"\"base64\"\":\"\"AP8Q\"\"}\",plain${NL}2,hé,\"{\"\"base64\"\":\"\"Qf8=\"\"}\"$NL" \
	"UI CSV download"
ui_query 'SELECT v FROM b WHERE id = 3' --data-urlencode format=json
printf '%s' "$BODY" | jq -r '.rows[0][0].base64' | base64 -d >"$T/got.bin"
cmp -s "$T/all.bin" "$T/got.bin"
ok $? "UI JSON download: all 256 byte values round-trip"

tap_done
