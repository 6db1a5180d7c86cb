#!/bin/sh
# Atomic batches (README "Parameters and batches") through lighttpd and the
# CLI: a batch runs in one transaction on one connection, and any failure,
# a statement's error, the time limit, the result limit or its worker
# killed mid-batch, leaves nothing of it; statements that would end or nest
# the transaction are refused; a read-only caller's batch with one write is
# refused before anything runs; the batch limits come from the config.
. "$(dirname "$0")/lib.sh"

e2e_setup 'isolation {
  query_timeout_ms = 3000
  max_batch_statements = 200
  max_batch_kb = 64
  max_batch_result_mb = 1
}'
e2e_start_server
TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"
DB=/v1/alice/b.sqlite
FILE=$T/data/databases/alice/b.sqlite/current/b.sqlite
api POST $DB/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "database created"

# q JSON [AUTH]: a JSON query request.
q() { api POST $DB/query -H "${2:-$AUTH}" -H 'Content-Type: application/json' --data-binary "$1"; }
count() { sqlite3 "$FILE" 'SELECT count(*) FROM t'; }
ENDLESS='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'

q '{"statements": [
	{"query": "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"},
	{"query": "INSERT INTO t VALUES (?, ?)", "params": [1, "one"]},
	{"query": "INSERT INTO t VALUES (:id, :v)", "params": {"id": 2, "v": "two"}},
	{"query": "SELECT id, v FROM t ORDER BY id"}]}'
is "$STATUS $BODY" '200 {"results":[{"fields":[],"rows":[]},{"fields":[],"rows":[]},{"fields":[],"rows":[]},{"fields":["id","v"],"rows":[["1","one"],["2","two"]]}]}' \
	"a batch answers each statement's result in order, DDL then DML in one transaction"

# ---- a failure leaves nothing ------------------------------------------------------------
q '{"statements": [
	{"query": "INSERT INTO t VALUES (3, ?)", "params": ["three"]},
	{"query": "UPDATE t SET v = ? WHERE id = 1", "params": ["changed"]},
	{"query": "INSERT INTO t VALUES (2, ?)", "params": ["duplicate"]},
	{"query": "INSERT INTO t VALUES (4, ?)", "params": ["four"]}]}'
is "$STATUS $BODY" '400 {"type":"Other","message":"statements[2]: SqliteFailure(Error { code: ConstraintViolation, extended_code: 1555 }, Some(\"UNIQUE constraint failed: t.id\"))"}' \
	"the third statement fails: 400 naming it"
is "$(sqlite3 "$FILE" 'SELECT group_concat(id || v) FROM t')" "1one,2two" \
	"nothing of the first two remains"
q '{"statements": [{"query": "CREATE TABLE u(x)"}, {"query": "INSERT INTO nowhere VALUES (1)"}]}'
like "$STATUS $BODY" '400 {"type":"Other","message":"statements[1]: SqliteFailure' \
	"a batch failing after a CREATE TABLE"
is "$(sqlite3 "$FILE" "SELECT count(*) FROM sqlite_schema WHERE name = 'u'")" 0 "leaves no table"

# ---- the batch is the transaction ---------------------------------------------------------
for stmt in 'BEGIN' 'BEGIN IMMEDIATE' 'COMMIT' 'END' 'ROLLBACK' 'SAVEPOINT s' 'RELEASE s' \
	'ROLLBACK TO s'; do
	q "{\"statements\": [{\"query\": \"INSERT INTO t VALUES (5, 'five')\"}, {\"query\": \"$stmt\"}]}"
	is "$STATUS $BODY" '400 {"type":"Other","message":"statements[1]: BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE are not allowed in a batch: the batch runs as one transaction"}' \
		"$stmt in a batch is refused"
done
is "$(count)" 2 "and nothing before it remains"
q '{"statements": [{"query": "SELECT 1; INSERT INTO t VALUES (6, 1)"}]}'
is "$STATUS $BODY" '400 {"type":"Other","message":"statements[0]: The query holds more than one statement: send each as its own entry of \"statements\""}' \
	"a statement holding a second one is refused"

# ---- a read-only caller ---------------------------------------------------------------------
BOB=$(register_user bob bob@example.org) || bail "cannot register bob"
BAUTH="Authorization: Bearer $BOB"
api POST $DB/share -d '' -H "$AUTH" -H 'entity-for-permission: bob' -H 'sharing-level: read-only'
q '{"statements": [{"query": "SELECT count(*) FROM t"}, {"query": "SELECT v FROM t WHERE id = ?", "params": [2]}]}' "$BAUTH"
is "$STATUS $BODY" '200 {"results":[{"fields":["count(*)"],"rows":[["2"]]},{"fields":["v"],"rows":[["two"]]}]}' \
	"a read-only caller runs a batch of reads"
# Were the first statement run, it would time out (3 s) before the
# second was reached: the write is refused before anything runs.
q "{\"statements\": [{\"query\": \"$ENDLESS\"}, {\"query\": \"DELETE FROM t\"}]}" "$BAUTH"
is "$STATUS $BODY" '403 {"type":"NoWriteAccessError","message":"statements[1]: Attempted to write to database while in read-only mode"}' \
	"one write in a read-only caller's batch is refused before anything runs"
is "$(count)" 2 "nothing was deleted"
q '{"statements": [{"query": "SELECT 1"}, {"query": "COMMIT"}]}' "$BAUTH"
is "$STATUS $BODY" '400 {"type":"Other","message":"statements[1]: BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE are not allowed in a batch: the batch runs as one transaction"}' \
	"a read-only caller's batch may not end its transaction either"

# ---- limits -------------------------------------------------------------------------------------
stmts() { # N SQL: a batch of N times SQL
	printf '{"statements": ['
	i=1
	while [ "$i" -le "$1" ]; do
		[ "$i" -gt 1 ] && printf ','
		printf '{"query": "%s"}' "$2"
		i=$((i + 1))
	done
	printf ']}'
}
stmts 200 'SELECT 1' >"$T/200.json"
api POST $DB/query -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$T/200.json"
is "$STATUS" 200 "a batch of max_batch_statements runs"
stmts 201 'SELECT 1' >"$T/201.json"
api POST $DB/query -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$T/201.json"
is "$STATUS $BODY" '400 {"type":"Other","message":"A batch may hold at most 200 statements (the server'"'"'s limit)"}' \
	"one more is refused"
printf '{"query": "SELECT ?", "params": ["%s"]}' "$(head -c 70000 /dev/zero | tr '\0' x)" >"$T/big.json"
api POST $DB/query -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$T/big.json"
is "$STATUS $BODY" '413 {"type":"Other","message":"Query request too large: more than 64 KiB of JSON (the server'"'"'s limit)"}' \
	"a JSON request over max_batch_kb is refused"
q '{"statements": []}'
is "$STATUS $BODY" '400 {"type":"Other","message":"A batch needs at least one statement"}' "an empty batch"
q '{"statements": [{"params": [1]}]}'
is "$STATUS $BODY" '400 {"type":"Other","message":"statements[0]: A statement needs \"query\""}' \
	"a statement without a query"
q '{"query": "SELECT 1", "statements": [{"query": "SELECT 2"}]}'
is "$STATUS $BODY" '400 {"type":"Other","message":"\"statements\" comes alone: each statement has its own \"query\" and \"params\""}' \
	"statements with a query beside them"
# The answer is held until the batch commits, so its size is capped by
# max_batch_result_mb (1 MiB here).
q '{"statements": [{"query": "INSERT INTO t VALUES (7, ?)", "params": ["seven"]}, {"query": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT x FROM c"}]}'
is "$STATUS $BODY" '400 {"type":"Other","message":"statements[1]: Query result too large: more than 1 MiB of JSON (the server'"'"'s limit)"}' \
	"a batch's answer over max_batch_result_mb fails it"
is "$(count)" 2 "and leaves nothing"

# ---- time: the query timeout is the whole batch's ----------------------------------------
q "{\"statements\": [{\"query\": \"INSERT INTO t VALUES (8, 'eight')\"}, {\"query\": \"$ENDLESS\"}]}"
is "$STATUS $BODY" '400 {"type":"Other","message":"statements[1]: Query timed out: it ran longer than 3000 ms (the server'"'"'s limit)"}' \
	"a statement running past the timeout fails the batch"
is "$(count)" 2 "and leaves nothing"
SHORT='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c'
q "{\"query\": \"$SHORT\"}"
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["300000"]]}' \
	"one counting statement runs well within the timeout"
stmts 200 "$SHORT" >"$T/long.json"
api POST $DB/query -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$T/long.json"
like "$STATUS $BODY" 'Query timed out: it ran longer than 3000 ms' \
	"200 of them in one batch run past it: the limit is the batch's, not each statement's"
case $BODY in
*'statements[0]:'*) ok 1 "the first statements ran within the batch's time" ;;
*) ok 0 "the first statements ran within the batch's time" ;;
esac

# ---- the worker killed mid-batch ---------------------------------------------------------------
# writer: this database's writer, "pid state": the one of its query
# workers (argv naming the file, under this test's own directory) that
# leads a session of its own.  The pool worker that handed it the batch
# may be on the CPU too, preparing the statements (slowly under ASan).
writer() {
	ps -eo pid=,sid=,stat=,args= | awk -v d="$T/data/databases/alice/b.sqlite/" \
		'$1 == $2 && $4 == "ayb-query-worker" && index($5, d) == 1 { print $1, $3 }'
}
curl -sS -o "$T/killed.body" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: application/json' \
	--data-binary "{\"statements\": [{\"query\": \"INSERT INTO t VALUES (9, 'nine')\"}, {\"query\": \"INSERT INTO t VALUES (10, 'ten')\"}, {\"query\": \"$ENDLESS\"}]}" \
	"$URL$DB/query" >"$T/killed.status" &
Q=$!
# Readiness: the writer busy on the CPU (an idle one sleeps in poll); the two inserts before the endless statement are done
# by then, their transaction open.
victim=
i=0
while [ -z "$victim" ] && [ $i -lt 400 ]; do
	victim=$(writer | awk '$2 ~ /^R/ { print $1; exit }')
	[ -n "$victim" ] || sleep 0.01
	i=$((i + 1))
done
[ -n "$victim" ] || bail "no busy writer for the batch"
kill -9 "$victim"
wait $Q
is "$(cat "$T/killed.status") $(cat "$T/killed.body")" '500 {"type":"QueryError","message":"The query worker stopped unexpectedly (the database'"'"'s writer ended mid-request); the next query gets a fresh one"}' \
	"a batch whose worker (the database's writer) is killed answers 500"
is "$(count)" 2 "the batch whose worker was killed mid-batch left nothing"
is "$(sqlite3 "$FILE" 'PRAGMA integrity_check')" ok "the file is sound"
q '{"statements": [{"query": "INSERT INTO t VALUES (?, ?)", "params": [11, "eleven"]}, {"query": "SELECT count(*) FROM t"}]}'
is "$STATUS $BODY" '200 {"results":[{"fields":[],"rows":[]},{"fields":["count(*)"],"rows":[["3"]]}]}' \
	"the next batch gets a fresh worker and commits"

# ---- the CLI --------------------------------------------------------------------------------------
C="--url $URL --token $TOKEN"
cat >"$T/batch.json" <<'JSON'
[
  {"query": "INSERT INTO t VALUES (?, ?)", "params": [12, "twelve"]},
  {"query": "SELECT id, v FROM t WHERE id >= :min ORDER BY id", "params": {"min": 11}}
]
JSON
run $C query alice/b.sqlite --batch "$T/batch.json"
is "$RC $OUT" "0 
Rows: 0

 id | v 
----+--------
 11 | eleven 
 12 | twelve 

Rows: 2
" "--batch FILE runs a JSON array of statements, printing each result"
printf '{"statements": [{"query": "SELECT ? AS x", "params": [1]}]}' >"$T/stdin.json"
run $C query alice/b.sqlite --batch - --format csv <"$T/stdin.json"
is "$RC $OUT" "0 x
1

Rows: 1
" "--batch - reads {\"statements\": [...]} from standard input"
printf '[{"query": "DELETE FROM t"}, {"query": "COMMIT"}]' >"$T/bad.json"
run $C query alice/b.sqlite --batch "$T/bad.json"
is "$RC $ERR" "1 Error: statements[1]: BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE are not allowed in a batch: the batch runs as one transaction" \
	"a failing batch is the server's message, exit 1"
is "$(count)" 4 "and nothing of it remains"
printf 'not json' >"$T/nojson.json"
run $C query alice/b.sqlite --batch "$T/nojson.json"
is "$RC" 2 "a batch file that is not JSON is a usage error"
like "$ERR" "is not JSON: expected [{\"query\": \"...\", \"params\": [...]}, ...]" "saying what it takes"
run $C query alice/b.sqlite --batch "$T/missing.json"
like "$RC $ERR" "1 Error: Cannot read $T/missing.json: No such file or directory" \
	"a batch file that cannot be read"
run $C query alice/b.sqlite 'SELECT 1' --batch "$T/batch.json"
is "$RC $ERR" "2 Error: --batch takes its statements from the file: give no query, --param or --params-json with it" \
	"--batch takes no query beside it"
run query --help
like "$OUT" "--batch <file>" "--help lists --batch"

tap_done
