#!/bin/sh
# The database's writer (README "Isolation": one writer per database) through
# lighttpd and the CLI: writes from every FastCGI process reach one writer,
# which commits the requests waiting together in one transaction, each in its
# own savepoint; a failing write fails alone with its usual error; no
# acknowledged write is lost when the writer or a FastCGI process is killed -9
# in the middle of the traffic; an idle writer and idle workers leave the
# database as its file alone (no -wal, no -shm, no socket).
. "$(dirname "$0")/lib.sh"

e2e_setup 'isolation {
  worker_idle_seconds = 2
  max_queries_per_entity = 0
  max_queries_per_database = 0
}'
e2e_start_server
TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"
DB=/v1/alice/w.sqlite
DIR=$T/data/databases/alice/w.sqlite/current
FILE=$DIR/w.sqlite
api POST $DB/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "database created"
sql() { api POST $DB/query -H "$AUTH" --data-binary "$1"; }
sql 'CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)'
is "$STATUS $BODY" '200 {"fields":[],"rows":[]}' "a write goes through the writer"
[ -S "$DIR/w.sqlite-writer" ]
ok $? "the writer listens beside the database file"
# writer: the database's writer, a session leader (it left the FastCGI
# process's session), its argv naming this test's file.
writer() {
	ps -eo pid=,sid=,args= | awk -v d="$T/data/databases/alice/w.sqlite/" \
		'$1 == $2 && $3 == "ayb-query-worker" && index($4, d) == 1 { print $1 }'
}
[ -n "$(writer)" ]
ok $? "the writer runs in a session of its own"

# ---- results and errors are each request's own -----------------------------------------------
sql "INSERT INTO t VALUES (1, 'one') RETURNING id, v"
is "$STATUS $BODY" '200 {"fields":["id","v"],"rows":[["1","one"]]}' "RETURNING rows come back"
# Requests sent together, half of them failing: each fails alone.
pids=
for i in 2 3 4 5 6 7 8 9; do
	case $i in
	[2468]) body="INSERT INTO t VALUES ($i, 'v$i')" ;;
	*) body="INSERT INTO t VALUES (1, 'again')" ;;
	esac
	curl -sS -o "$T/par.$i" -w '%{http_code}' -H "$AUTH" --data-binary "$body" "$URL$DB/query" \
		>"$T/par.$i.status" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
good=0 bad=0
for i in 2 3 4 5 6 7 8 9; do
	case "$(cat "$T/par.$i.status") $(cat "$T/par.$i")" in
	'200 {"fields":[],"rows":[]}') good=$((good + 1)) ;;
	'400 {"type":"Other","message":"SqliteFailure(Error { code: ConstraintViolation, extended_code: 1555 }, Some(\"UNIQUE constraint failed: t.id\"))"}') bad=$((bad + 1)) ;;
	esac
done
is "$good $bad" "4 4" "concurrent writes: each succeeds or fails with its own answer"
is "$(sqlite3 "$FILE" 'SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY id)')" "1,2,4,6,8" \
	"exactly the successful writes took effect"
# A deferred foreign key that would fail its COMMIT fails its own request.
sql 'CREATE TABLE c(p INTEGER REFERENCES t(id) DEFERRABLE INITIALLY DEFERRED)'
sql 'INSERT INTO c VALUES (999)'
is "$STATUS $BODY" '400 {"type":"Other","message":"SqliteFailure(Error { code: ConstraintViolation, extended_code: 787 }, Some(\"FOREIGN KEY constraint failed\"))"}' \
	"a dangling deferred foreign key fails its own request"
is "$(sqlite3 "$FILE" 'SELECT count(*) FROM c')" 0 "and leaves nothing"
sql 'SELECT count(*) FROM t'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["5"]]}' "reads still run in the pool"
sql "PRAGMA user_version = 7"
is "$STATUS" 200 "a pragma runs where it always has"
sql 'VACUUM INTO '"'"'/tmp/x.sqlite'"'"
is "$STATUS" 403 "VACUUM INTO is still refused by the guards"

# ---- the CLI ----------------------------------------------------------------------------------
C="--url $URL --token $TOKEN"
run $C query alice/w.sqlite --format csv "INSERT INTO t VALUES (10, 'ten') RETURNING v"
is "$RC $OUT" "0 v
ten

Rows: 1
" "the CLI writes through the writer"
run $C query alice/w.sqlite "INSERT INTO t VALUES (10, 'ten')"
is "$RC" 1 "a failing write: exit 1"
like "$ERR" 'UNIQUE constraint failed: t.id' "with SQLite's message"

# ---- kill -9 mid-traffic: no acknowledged write is lost --------------------------------------
# Four clients insert ids of their own and note each one the server
# acknowledged (200).  The writer is killed once writes are flowing, then a
# FastCGI process; the clients go on (a new writer starts on demand).
loop() {
	n=0
	while [ $n -lt 60 ]; do
		id=$(($1 * 1000 + n))
		code=$(curl -sS -o /dev/null -w '%{http_code}' -H "$AUTH" \
			--data-binary "INSERT INTO t VALUES ($id, 'x')" "$URL$DB/query" 2>/dev/null)
		[ "$code" = 200 ] && echo "$id" >>"$T/acked.$1"
		n=$((n + 1))
	done
}
: >"$T/acked.1"; : >"$T/acked.2"; : >"$T/acked.3"; : >"$T/acked.4"
loop 1 & P1=$!
loop 2 & P2=$!
loop 3 & P3=$!
loop 4 & P4=$!
# Readiness: writes acknowledged.
acked() { cat "$T/acked.1" "$T/acked.2" "$T/acked.3" "$T/acked.4" | wc -l; }
i=0
while [ "$(acked)" -lt 20 ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
victim=$(writer)
[ -n "$victim" ] && kill -9 "$victim"
ok $? "the writer killed -9 after $(acked) acknowledged writes"
i=0
while [ "$(acked)" -lt 80 ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i + 1)); done
fcgi=$(e2e_fcgi_pids | awk '{ print $1 }')
[ -n "$fcgi" ] && kill -9 "$fcgi"
ok $? "a FastCGI process killed -9 after $(acked) acknowledged writes"
wait $P1 $P2 $P3 $P4
cat "$T/acked.1" "$T/acked.2" "$T/acked.3" "$T/acked.4" | sort -n >"$T/acked"
sqlite3 "$FILE" 'SELECT id FROM t WHERE id >= 1000 ORDER BY id' >"$T/present"
missing=$(comm -23 "$T/acked" "$T/present" | wc -l)
is "$missing" 0 "every one of the $(wc -l <"$T/acked") acknowledged writes is in the database ($(wc -l <"$T/present") rows)"
is "$(sqlite3 "$FILE" 'PRAGMA integrity_check')" ok "the file is sound"
sql 'SELECT count(*) FROM t WHERE id >= 1000'
is "$STATUS $BODY" "200 {\"fields\":[\"count(*)\"],\"rows\":[[\"$(wc -l <"$T/present")\"]]}" \
	"the server reads the same"

# A database only read since the writer left: its readers open it read-only,
# and a read-only connection closing last would leave the -wal and -shm.
api POST /v1/alice/pub.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' \
	-H 'public-sharing-level: read-only'
api POST /v1/alice/pub.sqlite/query -H "$AUTH" --data-binary 'CREATE TABLE p(x)'
BOB=$(register_user bob bob@example.org) || bail "cannot register bob"
api POST /v1/alice/pub.sqlite/query -H "Authorization: Bearer $BOB" --data-binary 'SELECT count(*) FROM p'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["0"]]}' "another user reads a public database"
PUB=$T/data/databases/alice/pub.sqlite/current/pub.sqlite

# ---- idle: the database is its file alone ---------------------------------------------------
# Readiness: the writer and the pool workers idle out (worker_idle_seconds = 2)
# and close the database cleanly, so SQLite checkpoints and removes the -wal
# and the -shm; the writer removes its socket.
i=0
left() { ls "$FILE-wal" "$FILE-shm" "$FILE-writer" "$PUB-wal" "$PUB-shm" "$PUB-writer" 2>/dev/null; }
while [ -n "$(left)" ] && [ $i -lt 3000 ]; do
	sleep 0.01
	i=$((i + 1))
done
is "$(left)" "" "once idle, no -wal, -shm or socket is left beside either file"
is "$(writer)" "" "the idle writer has exited"
sql "INSERT INTO t VALUES (5000, 'after')"
is "$STATUS" 200 "the next write starts a new writer"
tap_done
