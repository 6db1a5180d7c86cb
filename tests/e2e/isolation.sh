#!/bin/sh
# Isolation through the real server (lighttpd, ayb-api.fcgi, pooled
# ayb-query-worker processes): a tenant's escape attempts are refused and
# leave no trace; exhaustion attempts stop with a clear error while /health
# and another tenant keep answering; a killed or hung worker is replaced and
# the FastCGI processes live on.  Limits are set low to keep this quick.
. "$(dirname "$0")/lib.sh"

export AYB_SERVER_PROCS=3
e2e_setup 'isolation {
  query_timeout_ms = 1500
  heap_limit_mb = 16
  max_result_rows = 2000
  max_result_mb = 1
  max_file_size_mb = 4
  cpu_seconds = 5
}'
e2e_start_server

log=$(cat "$T/server.log")
case $log in
*"Isolation: Landlock (filesystem"*) ok 0 "ayb server reports isolation active" ;;
*"WARNING: ayb query workers are running with degraded isolation."*)
	ok 0 "ayb server warns loudly: this kernel cannot enforce isolation" ;;
*) ok 1 "ayb server reports the isolation status"; printf '%s\n' "$log" | sed 's/^/#   /' ;;
esac
like "$log" "Query limits: 1500 ms, 16 MiB SQLite heap, 2000 rows and 1 MiB per result, 4 MiB per file" \
	"and the limits"

TOKEN_A=$(register_user alice alice@example.org) || bail "cannot register alice"
TOKEN_B=$(register_user bob bob@example.org) || bail "cannot register bob"
A="Authorization: Bearer $TOKEN_A"
B="Authorization: Bearer $TOKEN_B"
api POST /v1/alice/db.sqlite/create -d '' -H "$A" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "setup: alice/db.sqlite"
api POST /v1/bob/secret.sqlite/create -d '' -H "$B" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "setup: bob/secret.sqlite"
api POST /v1/alice/db.sqlite/query -H "$A" --data-binary 'CREATE TABLE t (a, b)'
is "$STATUS" 200 "setup: alice's table"
api POST /v1/bob/secret.sqlite/query -H "$B" --data-binary 'CREATE TABLE secret (s)'
api POST /v1/bob/secret.sqlite/query -H "$B" --data-binary "INSERT INTO secret VALUES ('bob-secret')"
is "$STATUS" 200 "setup: bob's secret"

ALICE_DIR=$(readlink -f "$T/data/databases/alice/db.sqlite/current")
BOB_DIR=$(readlink -f "$T/data/databases/bob/secret.sqlite/current")
BOB_FILE=$BOB_DIR/secret.sqlite

qa() { api POST /v1/alice/db.sqlite/query -H "$A" --data-binary "$1"; }
qb() { api POST /v1/bob/secret.sqlite/query -H "$B" --data-binary "$1"; }
refused() { # STATUS MESSAGE NAME
	is "$STATUS $BODY" "$1 {\"type\":\"Other\",\"message\":\"$2\"}" "$3"
}
forbidden() { # WHAT NAME
	refused 403 "Forbidden operation: $1 is not allowed on this server" "$2"
}
# Everything under the data directory and the run directory, by name.
# SQLite's -wal and -shm files come and go with the connections a process
# keeps open between queries (lib/hosted.c), so they are left out.
state() {
	(cd "$T" && find data/databases . -maxdepth 1 | sort)
	(cd "$T/data" && find databases | grep -v -e '-wal$' -e '-shm$' | sort)
}
bob_intact() { # NAME
	qb 'SELECT s FROM secret'
	is "$STATUS $BODY" '200 {"fields":["s"],"rows":[["bob-secret"]]}' "$1"
}

# ---- escape attempts: refused, no trace ---------------------------------------------
before=$(state)
qa "ATTACH '$BOB_FILE' AS b"
forbidden ATTACH "ATTACH another tenant's file by absolute path"
qa "ATTACH '../../../../bob/secret.sqlite/current/secret.sqlite' AS b"
forbidden ATTACH "ATTACH another tenant's file by relative path"
ln -s "$BOB_FILE" "$ALICE_DIR/bob.link"
qa "ATTACH '$ALICE_DIR/bob.link' AS b"
forbidden ATTACH "ATTACH another tenant's file through a symlink in one's own directory"
rm -f "$ALICE_DIR/bob.link"
mv "$ALICE_DIR/db.sqlite" "$T/alice.db.aside"
ln -s "$BOB_FILE" "$ALICE_DIR/db.sqlite"
qa 'SELECT s FROM secret'
case $STATUS$BODY in
*bob-secret*) ok 1 "a symlink planted as one's database file does not open another's" ;;
5*CannotOpen*) ok 0 "a symlink planted as one's database file does not open another's" ;;
*) ok 1 "a symlink planted as one's database file does not open another's"; echo "#   $STATUS $BODY" ;;
esac
rm -f "$ALICE_DIR/db.sqlite"
mv "$T/alice.db.aside" "$ALICE_DIR/db.sqlite"
qa "VACUUM INTO '$T/outside.db'"
forbidden VACUUM "VACUUM INTO a path outside the database's directory"
[ ! -e "$T/outside.db" ]; ok $? "and no file appeared there"
qa "VACUUM INTO '$BOB_DIR/evil.db'"
forbidden VACUUM "VACUUM INTO another tenant's directory"
qa "ATTACH '$BOB_DIR/new.db' AS n"
forbidden ATTACH "creating a file next to another tenant's database (ATTACH)"
[ ! -e "$BOB_DIR/evil.db" ] && [ ! -e "$BOB_DIR/new.db" ]; ok $? "and nothing appeared next to it"
qa "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')"
forbidden 'load_extension()' "load_extension"
qa "SELECT fts3_tokenizer('simple', x'4141414141414141')"
forbidden 'fts3_tokenizer()' "fts3_tokenizer with a raw pointer"
qa 'PRAGMA writable_schema = ON'
forbidden 'PRAGMA writable_schema' "PRAGMA writable_schema"
qa "UPDATE sqlite_master SET sql = 'CREATE TABLE t (a)' WHERE name = 't'"
like "$STATUS $BODY" '400 {"type":"Other","message":"SqliteFailure(Error { code: Unknown, extended_code: 1 }, Some(\"table sqlite_master may not be modified\"))' \
	"rewriting the schema is refused"
qa "PRAGMA temp_store_directory = '/tmp'"
forbidden 'PRAGMA temp_store_directory' "moving temporary files elsewhere"
leaked=
for sql in "SELECT readfile('/etc/passwd')" "ATTACH '/etc/passwd' AS p" \
	"SELECT load_extension('/etc/passwd')" "VACUUM INTO '/etc/passwd'" \
	"SELECT edit('x', '/etc/passwd')" "SELECT * FROM pragma_table_info('/etc/passwd')" \
	"CREATE VIRTUAL TABLE p USING fts4(content='/etc/passwd')"; do
	qa "$sql"
	case $BODY in *root:*) leaked="$leaked [$sql]" ;; esac
done
is "$leaked" "" "no SQLite function reads /etc/passwd"
qa 'PRAGMA integrity_check'
is "$STATUS $BODY" '200 {"fields":["integrity_check"],"rows":[["ok"]]}' "alice's database is intact"
bob_intact "bob's database is intact"
is "$(state)" "$before" "the escape attempts left no file behind"

# ---- exhaustion: stopped with a clear error, the server keeps answering -------------
# bg_qa SQL: alice's query in the background; bg_wait collects STATUS/BODY.
bg_qa() {
	curl -sS -o "$T/bg.body" -w '%{http_code}' -X POST -H "$A" --data-binary "$1" \
		"$URL/v1/alice/db.sqlite/query" >"$T/bg.status" 2>"$T/bg.err" &
	BG=$!
}
bg_wait() {
	wait "$BG"
	STATUS=$(cat "$T/bg.status")
	BODY=$(cat "$T/bg.body")
}
others_answer() { # NAME
	api GET /health
	is "$STATUS" 200 "/health answers $1"
	bob_intact "bob's queries answer $1"
}
fcgi_before=$(e2e_fcgi_pids)

bg_qa 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'
others_answer "during an endless query"
kill -0 "$BG" 2>/dev/null; ok $? "(the endless query was still running)"
bg_wait
refused 400 "Query timed out: it ran longer than 1500 ms (the server's limit)" \
	"an infinite recursive CTE times out"

qa 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)
    SELECT randomblob(6000000), randomblob(6000000), randomblob(6000000) FROM c'
refused 400 "Query ran out of memory: it needed more than 16 MiB (the server's limit)" \
	"randomblob in a loop is stopped at the heap limit"
others_answer "after the memory bomb"

qa 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c'
refused 400 "Query result too large: more than 2000 rows (the server's limit)" \
	"an endless result set stops at the row cap"
bg_qa "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1999)
       SELECT printf('%.2000c', 'z') FROM c"
bg_wait
is "$STATUS" 200 "a result past the byte cap has already started streaming (200)..."
size=$(wc -c <"$T/bg.body")
[ "$size" -le $((1024 * 1024 + 65536)) ] && [ "$size" -gt 65536 ]
ok $? "...stops near the cap ($size bytes)..."
case $BODY in *']}') ok 1 "...and is cut short, never a valid document" ;; *) ok 0 "...and is cut short, never a valid document" ;; esac
others_answer "after the huge results"

bomb='INSERT INTO t WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100)
      SELECT x, randomblob(1000000) FROM c'
qa "$bomb"
refused 400 "Database file too large: it would grow beyond 4 MiB (the server's limit)" \
	"a file-size bomb stops at the file limit"
qa "$bomb"
refused 400 "Database file too large: it would grow beyond 4 MiB (the server's limit)" "and again"
size=$(cat "$ALICE_DIR"/db.sqlite* | wc -c)
[ "$size" -le $((4 * 1024 * 1024 + 65536)) ]; ok $? "the files stayed within the limit ($size bytes)"
qa "INSERT INTO t VALUES (1, 'small')"
is "$STATUS" 200 "a small insert still fits"
others_answer "after the file-size bomb"

# ---- workers that die or hang are replaced ------------------------------------------
# alice_workers: pids of the workers serving alice's database (one per
# FastCGI process that has served it).
alice_workers() {
	ps -eo pid=,args= | awk -v d="$ALICE_DIR/" \
		'$2 == "ayb-query-worker" && index($3, d) == 1 { print $1 }' | tr '\n' ' '
}
# stop_workers SIGNAL PIDS: only pids that are alice's workers right now.
stop_workers() {
	_sig=$1
	shift
	for _p in "$@"; do
		case " $(alice_workers)" in *" $_p "*) kill "-$_sig" "$_p" ;; esac
	done
}
wait_gone() {
	for _p in "$@"; do
		i=0
		while [ $i -lt 200 ] && ps -o stat= -p "$_p" 2>/dev/null | grep -qv Z; do
			i=$((i + 1)); sleep 0.02
		done
	done
}

old=$(alice_workers)
[ -n "$old" ]; ok $? "alice's queries run in worker processes ($old)"
# shellcheck disable=SC2086
stop_workers KILL $old
# shellcheck disable=SC2086
wait_gone $old
qa 'SELECT count(*) FROM t'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["1"]]}' "after its workers were killed, the next query succeeds"
new=$(alice_workers)
overlap=
for p in $new; do case " $old " in *" $p "*) overlap=$p ;; esac; done
[ -n "$new" ] && [ -z "$overlap" ]; ok $? "in a new worker ($new)"

bg_qa 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'
busy=
i=0
while [ -z "$busy" ] && [ $i -lt 250 ]; do
	for p in $(alice_workers); do
		ps -o stat= -p "$p" | grep -q R && busy=$p
	done
	i=$((i + 1))
	[ -n "$busy" ] || sleep 0.02
done
[ -n "$busy" ]; ok $? "a worker is busy with an endless query"
stop_workers KILL "$busy"
bg_wait
is "$STATUS $BODY" '500 {"type":"QueryError","message":"The query worker stopped unexpectedly (signal 9, Killed); the next query gets a fresh one"}' \
	"a worker killed mid-query: the request gets a clear error"
qa 'SELECT count(*) FROM t'
is "$STATUS" 200 "and the next query succeeds"

# A FastCGI process that never served alice starts a fresh worker, so a few
# queries may pass before one reaches a stopped worker.
stopped=$(alice_workers)
# shellcheck disable=SC2086
stop_workers STOP $stopped
i=0
while [ $i -lt 6 ]; do
	qa 'SELECT 1'
	[ "$STATUS" = 200 ] || break
	i=$((i + 1))
done
refused 400 "Query timed out: it ran longer than 1500 ms (the server's limit)" \
	"a worker that stops answering (as a sleep would): the query times out"
gone=
for p in $stopped; do kill -0 "$p" 2>/dev/null || gone=$p; done
[ -n "$gone" ]; ok $? "the stopped worker was killed ($gone)"
# shellcheck disable=SC2086
stop_workers CONT $stopped
qa 'SELECT 1'
is "$STATUS" 200 "and the next query succeeds"
others_answer "after all that"
is "$(e2e_fcgi_pids)" "$fcgi_before" "the FastCGI processes lived through every failure"

e2e_stop_server
i=0
while [ -n "$(alice_workers)" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.02; done
[ -z "$(alice_workers)" ]; ok $? "stopping the server ends every worker"
tap_done
