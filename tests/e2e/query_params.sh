#!/bin/sh
# Bound parameters (README "Parameters and batches") through lighttpd and
# the CLI: every JSON type binds as the SQLite value it stands for (64-bit
# integers exactly, reals, unicode text, blobs byte for byte, NULL,
# booleans), a mismatch between the parameters and the placeholders is a
# 400 naming the parameter, and what a parameter holds stays data.  A text
# body is still bare SQL, first statement only, as in ayb.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server
TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"
DB=/v1/alice/p.sqlite
FILE=$T/data/databases/alice/p.sqlite/current/p.sqlite
api POST $DB/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "database created"

# q JSON: a JSON query request.
q() { api POST $DB/query -H "$AUTH" -H 'Content-Type: application/json' --data-binary "$1"; }

q '{"query": "CREATE TABLE t(id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n)"}'
is "$STATUS $BODY" '200 {"fields":[],"rows":[]}' "a JSON request without params runs its query"

# ---- types ----------------------------------------------------------------
q '{"query": "INSERT INTO t VALUES (1, ?, ?, ?, ?, ?)", "params": [9223372036854775807, 0.1, "h\u00e9llo \ud83d\ude00 \u65e5\u672c", {"base64": "AAEC/w=="}, null]}'
is "$STATUS $BODY" '200 {"fields":[],"rows":[]}' "insert with positional parameters"
q '{"query": "SELECT i, typeof(i), r, typeof(r), s, length(s), hex(b), typeof(b), n IS NULL FROM t WHERE id = 1"}'
is "$BODY" '{"fields":["i","typeof(i)","r","typeof(r)","s","length(s)","hex(b)","typeof(b)","n IS NULL"],"rows":[["9223372036854775807","integer","0.1","real","héllo 😀 日本","10","000102FF","blob","1"]]}' \
	"each value is stored as its SQLite type"
q '{"query": "SELECT ?1, ?1 = 9007199254740993, ?2, ?3 - 1, typeof(?3)", "params": [9007199254740993, -9223372036854775808, 9223372036854775807]}'
is "$BODY" '{"fields":["?1","?1 = 9007199254740993","?2","?3 - 1","typeof(?3)"],"rows":[["9007199254740993","1","-9223372036854775808","9223372036854775806","integer"]]}' \
	"64-bit integers bind exactly (2^53 + 1, both ends of the range), ?NNN by number"
q '{"query": "SELECT ?, ?, ?, ?, typeof(?)", "params": [1e-5, -2.5E+3, 0.1, 1.7976931348623157e308, 1.0]}'
is "$BODY" '{"fields":["?","?","?","?","typeof(?)"],"rows":[["0.00001","-2500","0.1","179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000","real"]]}' \
	"reals bind as doubles (1.0 too)"
q '{"query": "SELECT ?, typeof(?), ?, ? IS NULL", "params": [true, false, false, null]}'
is "$BODY" '{"fields":["?","typeof(?)","?","? IS NULL"],"rows":[["1","integer","0","1"]]}' \
	"booleans bind as 1 and 0, null as NULL"
q '{"query": "SELECT :a, @b, $c, :a || @b", "params": {"a": "x", "b": 2, "c": null}}'
is "$BODY" '{"fields":[":a","@b","$c",":a || @b"],"rows":[["x","2",null,"x2"]]}' \
	"an object binds :name, @name and \$name, a name used twice once"
q '{"query": "SELECT :a", "params": {":a": "spelled whole"}}'
is "$BODY" '{"fields":[":a"],"rows":[["spelled whole"]]}' "a key may spell the parameter whole"
q '{"query": "SELECT ?, ?", "params": ["a\"b\\c\n", "tab\there \u0001"]}'
is "$BODY" '{"fields":["?","?"],"rows":[["a\"b\\c\n","tab\there \u0001"]]}' "escapes in strings decode"

# A blob round-trips byte for byte: 4 KiB of random bytes in, the same
# bytes out of the file itself (sqlite3's writefile).
head -c 4096 /dev/urandom >"$T/blob.bin"
q "{\"query\": \"INSERT INTO t(id, b) VALUES (2, ?)\", \"params\": [{\"base64\": \"$(base64 -w0 "$T/blob.bin")\"}]}"
is "$STATUS" 200 "a 4 KiB random blob is inserted"
sqlite3 "$FILE" "SELECT writefile('$T/blob.out', b) FROM t WHERE id = 2" >/dev/null
cmp -s "$T/blob.bin" "$T/blob.out"
ok $? "the stored blob is the same bytes"
q '{"query": "SELECT length(b), hex(substr(b, 1, 4)) FROM t WHERE id = 2"}'
is "$BODY" "{\"fields\":[\"length(b)\",\"hex(substr(b, 1, 4))\"],\"rows\":[[\"4096\",\"$(head -c 4 "$T/blob.bin" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)\"]]}" \
	"and reads back whole"
q '{"query": "SELECT length(?), typeof(?)", "params": [{"base64": ""}, {"base64": ""}]}'
is "$BODY" '{"fields":["length(?)","typeof(?)"],"rows":[["0","blob"]]}' "an empty blob is a blob"

# ---- mismatches and bad input: 400, naming what is wrong ------------------------------
bad() { # JSON MESSAGE NAME
	q "$1"
	is "$STATUS $BODY" "400 {\"type\":\"Other\",\"message\":\"$2\"}" "$3"
}
bad '{"query": "SELECT ?, ?", "params": [1]}' \
	'Missing value for parameter ?2: the query has 2 parameters, 1 given' "one parameter short"
bad '{"query": "SELECT ?", "params": [1, 2]}' \
	'Parameter 2 has no placeholder: the query has 1 parameter, 2 given' "one parameter too many"
bad '{"query": "SELECT ?"}' \
	'Missing value for parameter ?1: the query has 1 parameter, 0 given' "no params for a placeholder"
bad '{"query": "SELECT 1", "params": [1]}' \
	'Parameter 1 has no placeholder: the query has 0 parameters, 1 given' "params for no placeholder"
bad '{"query": "SELECT :a, :b", "params": {"a": 1}}' \
	'Missing value for parameter :b' "a named parameter without a value"
bad '{"query": "SELECT :a", "params": {"a": 1, "zz": 2}}' \
	'Parameter \"zz\" is not in the query' "a key that names no parameter"
bad '{"query": "SELECT ?", "params": {"a": 1}}' \
	'Parameter ?1 is positional: give \"params\" as an array' "an object for positional parameters"
bad '{"query": "SELECT :a", "params": {"a": 1, "a": 2}}' \
	'Parameter \"a\" is given twice' "a key given twice"
bad '{"query": "SELECT ?", "params": [[1]]}' \
	'Parameter 1 must be null, a number, a string, a boolean or {\"base64\": \"...\"}' \
	"an array is no parameter"
bad '{"query": "SELECT ?", "params": [{"hex": "00"}]}' \
	'Parameter 1 must be null, a number, a string, a boolean or {\"base64\": \"...\"}' \
	"nor an object other than base64"
bad '{"query": "SELECT ?", "params": [9223372036854775808]}' \
	'Parameter 1: 9223372036854775808 is out of range (integers are 64-bit)' \
	"an integer past 64 bits is refused, not rounded"
bad '{"query": "SELECT ?", "params": [1e999]}' \
	'Parameter 1: 1e999 is out of range (reals are 64-bit doubles)' "a real past a double"
bad '{"query": "SELECT ?", "params": [{"base64": "AAE"}]}' \
	'Parameter 1: {\"base64\": ...} holds invalid base64' "invalid base64"
bad '{"query": "SELECT ?", "params": "x"}' \
	'\"params\" must be an array (positional) or an object (named)' "params of the wrong kind"
bad '{"query": "SELECT 1", "sql": 1}' \
	'Unexpected field \"sql\" in the query request (expected \"query\", \"params\" or \"statements\")' \
	"an unknown field"
bad '{"params": []}' 'A JSON query request needs \"query\" or \"statements\"' "no query"
bad '{"query": "SELECT 1",}' \
	"Invalid JSON in the query request at byte 21: expected a string" "invalid JSON says where"
bad '{"query": "SELECT \ud800"}' \
	'Invalid JSON in the query request at byte 24: lone surrogate in a \\u escape' \
	"a lone surrogate"
bad '["SELECT 1"]' \
	'A JSON query request is an object: {\"query\": ...} or {\"statements\": [...]}' \
	"a JSON body that is not an object"
bad '{"query": "SELECT 1; DROP TABLE t"}' \
	'The query holds more than one statement: send each as its own entry of \"statements\"' \
	"a second statement in a JSON query is refused, not ignored"
bad '{"query": "  -- nothing\n"}' 'Query is empty' "an empty query"
q '{"query": "SELECT 1; -- a comment\n/* another */ ;"}'
is "$BODY" '{"fields":["1"],"rows":[["1"]]}' "trailing comments and semicolons are not a statement"
q '{"query": "SELECT count(*) FROM t"}'
is "$BODY" '{"fields":["count(*)"],"rows":[["2"]]}' "nothing was run by the refused requests"

# ---- injection attempts stay data -----------------------------------------------------
EVIL="x'); DROP TABLE t; --"
q "{\"query\": \"INSERT INTO t(id, s) VALUES (3, ?)\", \"params\": [\"$EVIL\"]}"
is "$STATUS" 200 "an injection attempt as a parameter is inserted"
q '{"query": "SELECT s FROM t WHERE id = 3"}'
is "$BODY" "{\"fields\":[\"s\"],\"rows\":[[\"$EVIL\"]]}" "as the text it is"
q "{\"query\": \"SELECT count(*) FROM t WHERE s = ?\", \"params\": [\"' OR 1=1 --\"]}"
is "$BODY" '{"fields":["count(*)"],"rows":[["0"]]}' "a tautology as a parameter matches nothing"
q '{"query": "SELECT count(*) FROM t WHERE id = :id", "params": {"id": "1 OR 1=1"}}'
is "$BODY" '{"fields":["count(*)"],"rows":[["0"]]}' "nor does one as a named parameter"
is "$(sqlite3 "$FILE" 'SELECT count(*) FROM t')" 3 "the table is whole"

# ---- the SQL form is as before ----------------------------------------------------------
api POST $DB/query -H "$AUTH" --data-binary 'SELECT ?; DROP TABLE t'
is "$STATUS $BODY" '200 {"fields":["?"],"rows":[[null]]}' \
	"a text body: first statement only, parameters NULL (as ayb)"
api POST $DB/query -H "$AUTH" -H 'Content-Type: text/plain' --data-binary '{"query": "SELECT 1"}'
like "$STATUS $BODY" '400 {"type":"Other","message":"SqliteFailure' \
	"JSON sent as text/plain is SQL, as in ayb"
api POST $DB/query -H "$AUTH" -H 'Content-Type: application/json; charset=utf-8' \
	--data-binary '{"query": "SELECT ?", "params": ["utf-8"]}'
is "$BODY" '{"fields":["?"],"rows":[["utf-8"]]}' "application/json with a charset is JSON"

# ---- a read-only caller --------------------------------------------------------------------
BOB=$(register_user bob bob@example.org) || bail "cannot register bob"
api POST $DB/share -d '' -H "$AUTH" -H 'entity-for-permission: bob' -H 'sharing-level: read-only'
api POST $DB/query -H "Authorization: Bearer $BOB" -H 'Content-Type: application/json' \
	--data-binary '{"query": "SELECT count(*) FROM t WHERE id > ?", "params": [1]}'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["2"]]}' "a read-only caller reads with parameters"
api POST $DB/query -H "Authorization: Bearer $BOB" -H 'Content-Type: application/json' \
	--data-binary '{"query": "DELETE FROM t WHERE id = ?", "params": [1]}'
is "$STATUS $BODY" '403 {"type":"NoWriteAccessError","message":"Attempted to write to database while in read-only mode"}' \
	"and cannot write with them"

# ---- the CLI ----------------------------------------------------------------------------------
C="--url $URL --token $TOKEN"
run $C query alice/p.sqlite 'SELECT ? AS a, ? + 1 AS b, typeof(?) AS c' --param x --param -5 --param 7
is "$RC $OUT" "0  a | b  | c 
---+----+------
 x | -4 | text 

Rows: 1
" "--param binds text, repeated in order (a negative number too)"
run $C query alice/p.sqlite 'SELECT ?1 AS big, typeof(?2) AS t, hex(?3) AS h' \
	--params-json '[9223372036854775807, null, {"base64": "3q2+7w=="}]'
is "$RC $OUT" "0  big                 | t    | h 
---------------------+------+----------
 9223372036854775807 | null | DEADBEEF 

Rows: 1
" "--params-json binds typed values"
run $C query alice/p.sqlite 'SELECT :who AS who' --params-json '{"who": "named"}' --format csv
is "$RC $OUT" "0 who
named

Rows: 1
" "--params-json binds by name"
run $C query alice/p.sqlite 'SELECT ?, ?' --param 1
is "$RC $ERR" "1 Error: Missing value for parameter ?2: the query has 2 parameters, 1 given" \
	"a mismatch is the server's 400, exit 1"
run $C query alice/p.sqlite 'SELECT ?' --params-json '[1,'
is "$RC" 2 "--params-json that is not JSON is a usage error"
like "$ERR" "--params-json must be a JSON array (positional) or object (named)" "saying what it takes"
run $C query alice/p.sqlite 'SELECT ?' --param 1 --params-json '[1]'
is "$RC $ERR" "2 Error: Give the parameters with --param or with --params-json, not both" \
	"--param and --params-json do not go together"
run $C query alice/p.sqlite --param 1 </dev/null
is "$RC $ERR" "2 Error: --param and --params-json need a query to bind to" "--param needs a query"
run $C query alice/p.sqlite --param
is "$RC" 2 "--param needs a value"
run $C query alice/p.sqlite "INSERT INTO t(id, s) VALUES (4, ?)" --param "$EVIL"
run $C query alice/p.sqlite "SELECT s FROM t WHERE id = 4" --format csv
is "$OUT" "s
$EVIL

Rows: 1
" "an injection attempt through --param stays data"
run query --help
like "$OUT" "--param <value>" "--help lists --param"
like "$OUT" "--params-json <json>" "and --params-json"

tap_done
