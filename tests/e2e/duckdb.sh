#!/bin/sh
# DuckDB databases end to end (README "DuckDB databases"): create, query
# (every type as ayb shows it), read-only callers refused writes, sharing,
# parameters and batches, the CLI's table and CSV, and the guards: every
# escape attempt fails with nothing touched, a runaway query is stopped at
# the timeout and the server still answers.  Skipped in a build without
# libduckdb.
. "$(dirname "$0")/lib.sh"

has_duckdb || { echo "1..0 # SKIP built without DuckDB"; exit 0; }

e2e_setup 'isolation {
  query_timeout_ms = 2000
}'
e2e_start_server
export AYB_SERVER_URL=$URL

A=$(register_user e2e-duck a@example.org) || bail "register"
B=$(register_user e2e-other b@example.org) || bail "register B"
AA="Authorization: Bearer $A"
AB="Authorization: Bearer $B"
DB=/v1/e2e-duck/test.duckdb
q() { api POST $DB/query -H "$AA" --data-binary "$1"; }

api POST $DB/create -d '' -H "$AA" -H 'db-type: duckdb' -H 'public-sharing-level: no-access'
is "$STATUS $BODY" '201 {"entity":"e2e-duck","database":"test.duckdb","database_type":"duckdb"}' \
	"create a DuckDB database"
api GET $DB/details -H "$AA"
like "$BODY" '"database_type":"duckdb"' "details say duckdb"
q 'CREATE TABLE favorite_databases(name varchar, score integer)'
is "$STATUS $BODY" '200 {"fields":["Count"],"rows":[]}' "CREATE TABLE"
q "INSERT INTO favorite_databases (name, score) VALUES ('PostgreSQL', 10), ('SQLite', 9), ('DuckDB', 9)"
is "$STATUS $BODY" '200 {"fields":["Count"],"rows":[["3"]]}' "INSERT answers its one-row count"
q 'SELECT * FROM favorite_databases ORDER BY score DESC, name'
is "$STATUS $BODY" '200 {"fields":["name","score"],"rows":[["PostgreSQL","10"],["DuckDB","9"],["SQLite","9"]]}' \
	"SELECT"
q "SELECT 1::HUGEINT * 170141183460469231731687303715884105727 AS h, 1.50::DECIMAL(5,2) AS d,
	DATE '2024-02-29' AS day, TIMESTAMP '2024-01-02 03:04:05.5' AS ts, INTERVAL '3 days' AS i,
	[1, 2] AS l, {'a': 'x'} AS s, MAP {'k': 1} AS m, NULL AS n, 0.25::DOUBLE AS r, true AS b"
is "$STATUS $BODY" '200 {"fields":["h","d","day","ts","i","l","s","m","n","r","b"],"rows":[["170141183460469231731687303715884105727","1.50","2024-02-29","2024-01-02 03:04:05.500","3 days","[1,2]","{\"a\":\"x\"}","{\"k\":1}",null,"0.25","true"]]}' \
	"types rendered as ayb renders them"
q 'SELEKT 1'
is "$STATUS" 400 "a syntax error is the caller's"
like "$BODY" '"type":"Other"' "in ayb's error shape"
q 'SELECT 1; DROP TABLE favorite_databases'
q 'SELECT count(*) FROM favorite_databases'
is "$BODY" '{"fields":["count_star()"],"rows":[["3"]]}' "a text body runs its first statement only"
api POST $DB/query -H "$AA" -H 'Content-Type: application/json' \
	--data-binary '{"query":"SELECT name FROM favorite_databases WHERE score > ? ORDER BY name","params":[9]}'
is "$STATUS $BODY" '200 {"fields":["name"],"rows":[["PostgreSQL"]]}' "a bound parameter"
api POST $DB/query -H "$AA" -H 'Content-Type: application/json' \
	--data-binary '{"statements":[{"query":"INSERT INTO favorite_databases VALUES ($n, 1)","params":{"n":"x"}},{"query":"SELEKT"}]}'
is "$STATUS" 400 "a failing batch"
like "$BODY" 'statements[1]' "names the statement that failed"
q "SELECT count(*) FROM favorite_databases WHERE name = 'x'"
is "$BODY" '{"fields":["count_star()"],"rows":[["0"]]}' "nothing of the failed batch remains"

# A SELECT that writes (a sequence) runs again read-write for its owner.
q 'CREATE SEQUENCE seq'
q "SELECT nextval('seq') AS n"
is "$STATUS $BODY" '200 {"fields":["n"],"rows":[["1"]]}' "a SELECT that writes, for a read-write caller"

# ---- sharing: a read-only caller reads and cannot write ------------------------------
api POST $DB/query -H "$AB" --data-binary 'SELECT 1'
is "$STATUS" 404 "no access: the database looks missing"
api POST $DB/share -d '' -H "$AA" -H 'entity-for-permission: e2e-other' -H 'sharing-level: read-only'
is "$STATUS" 204 "share read-only"
api POST $DB/query -H "$AB" --data-binary 'SELECT count(*) FROM favorite_databases'
is "$STATUS $BODY" '200 {"fields":["count_star()"],"rows":[["3"]]}' "a read-only caller reads"
api POST $DB/query -H "$AB" --data-binary "INSERT INTO favorite_databases VALUES ('x', 1)"
is "$STATUS $BODY" '403 {"type":"NoWriteAccessError","message":"Attempted to write to database while in read-only mode"}' \
	"a read-only caller cannot write"
api POST $DB/query -H "$AB" --data-binary "CREATE TABLE t2(x int)"
is "$STATUS" 403 "nor create a table"
api POST $DB/query -H "$AB" --data-binary "SELECT nextval('seq')"
is "$STATUS" 403 "nor write through a SELECT"

# A read-only query before anything was written: no file yet.
api POST /v1/e2e-duck/fresh.duckdb/create -d '' -H "$AA" -H 'db-type: duckdb' -H 'public-sharing-level: read-only'
api POST /v1/e2e-duck/fresh.duckdb/query -H "$AB" --data-binary 'SELECT 1'
is "$STATUS" 400 "a read-only query before the first write: 400"
like "$BODY" "databases/e2e-duck/fresh.duckdb/" "names the file relative to data_path"
case $BODY in *"$T"*) ok 1 "without the server's path: $BODY" ;; *) ok 0 "without the server's path" ;; esac

# ---- escape attempts: each refused, nothing touched ---------------------------------
dir=$(dirname "$(readlink -f "$T/data/databases/e2e-duck/test.duckdb/current")/test.duckdb")
before=$(ls -a "$dir" | sort | tr '\n' ' ')
escape() { # SQL WHAT
	q "$1"
	case $STATUS in 4*) ok 0 "refused: $2 ($STATUS)" ;; *) ok 1 "refused: $2: $STATUS $BODY" ;; esac
}
escape "SELECT * FROM read_csv('/etc/passwd')" "read_csv of /etc/passwd"
escape "SELECT * FROM read_text('/etc/hostname')" "read_text"
escape "COPY favorite_databases TO '$T/x.csv'" "COPY ... TO a file"
escape "COPY favorite_databases TO '$dir/x.csv'" "COPY ... TO a file beside the database"
escape "ATTACH '$T/other.duckdb' AS o" "ATTACH"
escape "INSTALL httpfs" "INSTALL httpfs"
escape "LOAD httpfs" "LOAD httpfs"
escape "SET enable_external_access = true" "SET enable_external_access"
escape "SET memory_limit = '10GB'" "SET memory_limit"
escape "SET threads = 8" "SET threads"
escape "PRAGMA memory_limit = '10GB'" "PRAGMA memory_limit"
escape "PRAGMA threads = 8" "PRAGMA threads"
escape "PRAGMA profiling_output = '$T/profile.json'" "PRAGMA profiling_output"
escape "RESET lock_configuration" "RESET lock_configuration"
escape "EXPORT DATABASE '$T/export'" "EXPORT DATABASE"
escape "SELECT * FROM glob('/*')" "glob"
ok "$(ls "$T/x.csv" "$dir/x.csv" "$T/other.duckdb" "$T/export" "$T/profile.json" 2>/dev/null | wc -l)" \
	"no file was made"
is "$(ls -a "$dir" | sort | tr '\n' ' ')" "$before" "the database's directory is as it was"
q "SELECT current_setting('threads') AS t, current_setting('enable_external_access') AS e"
is "$BODY" '{"fields":["t","e"],"rows":[["1","false"]]}' "the guards hold: one thread, no external access"

# ---- a runaway query is stopped, the server still answers ---------------------------
q 'SELECT sum(i) FROM range(100000000000000) t(i)'
is "$STATUS" 400 "a runaway query is stopped"
like "$BODY" 'timed out' "at the timeout"
q 'SELECT count(*) FROM favorite_databases'
is "$STATUS $BODY" '200 {"fields":["count_star()"],"rows":[["3"]]}' "the database still answers"

# ---- memory: DuckDB's cap (isolation.duckdb_memory_mb) -------------------------------
q 'SELECT list(i) FROM range(60000000) t(i)'
is "$STATUS" 400 "a query past the memory cap is refused"
like "$BODY" 'out of memory' "says so"
q 'SELECT count(*) FROM favorite_databases'
is "$STATUS" 200 "the database still answers"

# ---- the CLI -------------------------------------------------------------------------
"$AYB" client --url "$URL" --token "$A" create_database e2e-duck/cli.duckdb duckdb >"$T/out" 2>&1
is "$?|$(cat "$T/out")" "0|Successfully created e2e-duck/cli.duckdb" "ayb client create_database ... duckdb"
"$AYB" client --token "$A" query e2e-duck/cli.duckdb "CREATE TABLE t AS SELECT 1 AS a, 'x' AS b" >/dev/null
"$AYB" client --token "$A" query e2e-duck/cli.duckdb "SELECT * FROM t" >"$T/out" 2>&1
is "$(cat "$T/out")" " a | b $NL---+---$NL 1 | x $NL${NL}Rows: 1" "a table"
"$AYB" client --token "$A" query e2e-duck/cli.duckdb --format csv "SELECT * FROM t" >"$T/out" 2>&1
is "$(cat "$T/out")" "a,b${NL}1,x$NL${NL}Rows: 1" "CSV"
"$AYB" client --token "$A" query e2e-duck/cli.duckdb "SELECT * FROM read_csv('/etc/passwd')" >"$T/out" 2>&1
is "$?" 1 "the CLI: an escape attempt exits 1"
like "$(cat "$T/out")" "Error: Forbidden operation" "with the server's message"
"$AYB" client --token "$A" database_details e2e-duck/cli.duckdb >"$T/out" 2>&1
like "$(cat "$T/out")" "duckdb" "database_details says duckdb"

# ---- Explore (README "Explore"): the schema and a table's pages from DuckDB's catalog ---
q 'CREATE TABLE birds(id INTEGER PRIMARY KEY, species VARCHAR NOT NULL, n INTEGER)'
q "INSERT INTO birds VALUES (1, 'heron', 3), (2, 'owl', NULL), (3, 'wren', 7), (4, 'heron', 2)"
q 'CREATE INDEX by_species ON birds(species)'
api GET $DB/schema -H "$AA"
like "$STATUS $BODY" '200 {"tables":[{"name":"birds","type":"table","columns":[{"name":"id","type":"INTEGER","primary_key":true,"nullable":false},{"name":"species","type":"VARCHAR","primary_key":false,"nullable":false},{"name":"n","type":"INTEGER","primary_key":false,"nullable":true}],"indexes":[{"name":"by_species","columns":"species","unique":false}],"row_count":4,"row_count_more":false}' \
	"the schema of a DuckDB database: columns, keys, indexes, counts"
api GET "$DB/table/birds?_size=2" -H "$AA"
is "$STATUS $BODY" '200 {"fields":["id","species","n"],"rows":[["1","heron","3"],["2","owl",null]],"next":"1"}' \
	"a DuckDB table's first page and its cursor"
api GET "$DB/table/birds?_size=2&_after=1" -H "$AA"
is "$STATUS $BODY" '200 {"fields":["id","species","n"],"rows":[["3","wren","7"],["4","heron","2"]],"next":null}' \
	"and the next page"
api GET "$DB/table/birds?species=heron&_sort_desc=n" -H "$AA"
is "$STATUS $BODY" '200 {"fields":["id","species","n"],"rows":[["1","heron","3"],["4","heron","2"]],"next":null}' \
	"filtered (a bound value) and sorted"
api GET "$DB/table/birds?species__contains=%27%29%20OR%201%3D1%20--" -H "$AA"
is "$STATUS $BODY" '200 {"fields":["id","species","n"],"rows":[],"next":null}' \
	"an injection attempt in a filter stays data"

# ---- isolation.mode = "fork": a DuckDB database still runs in an exec'd worker -------
e2e_stop_server
sed -i 's/^isolation {$/isolation {\n  mode = "fork"/' "$T/ayb.conf"
e2e_start_server
q 'SELECT count(*) FROM favorite_databases'
is "$STATUS $BODY" '200 {"fields":["count_star()"],"rows":[["3"]]}' "mode = fork: queries answer"
q "INSERT INTO favorite_databases VALUES ('Fork', 1)"
is "$STATUS $BODY" '200 {"fields":["Count"],"rows":[["1"]]}' "mode = fork: writes too"
escape "SELECT * FROM read_csv('/etc/passwd')" "mode = fork: read_csv of /etc/passwd"

tap_done
