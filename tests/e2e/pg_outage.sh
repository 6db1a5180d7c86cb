#!/bin/sh
# PostgreSQL going away under running FastCGI processes.  The server
# dropping idle connections is invisible (the next request, even a write,
# reconnects before sending anything).  A restart in the middle of a request
# loop: requests during the outage fail with 503 and ayb's envelope
# ("Metadata store unavailable: ..." naming the URL without the password),
# requests after it succeed, the same FastCGI processes serve them, every
# 503 is logged, and every acknowledged insert is in the database.
# e2e-pg: PostgreSQL only; stops and restarts its own cluster
. "$(dirname "$0")/lib.sh"

pg_available || { echo "1..0 # SKIP PostgreSQL is not installed"; exit 0; }
AYB_E2E_METADATA=pg
export AYB_SERVER_PROCS=2
e2e_setup
e2e_start_server
pids=$(e2e_fcgi_pids)

TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"
api POST /v1/alice/db.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "setup: alice/db.sqlite"
api POST /v1/alice/db.sqlite/query -H "$AUTH" --data-binary 'CREATE TABLE t(i INTEGER)'
is "$STATUS" 200 "setup: table t"

admin_sql() {
	_pg_as "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -X -q -A -t -c "$1"
}

# ---- the server drops idle connections ------------------------------------------------
# A fresh link for the confirmation below (links work once).
api POST /v1/log_in -d '' -H 'entity: alice'
# Both processes have a connection by now or get one here.
for i in 1 2 3 4; do api GET /v1/entity/alice -H "$AUTH"; done
n=$(admin_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'ayb-c'")
[ "$n" -ge 1 ]
ok $? "terminated the FastCGI processes' connections ($n)"
# Confirming starts with a write (a transaction recording the link's use), so
# this is no read that could simply be retried: the dead connection must be
# noticed before anything is sent.
api POST /v1/confirm -d '' -H "authentication-token: $(email_token alice@example.org)"
is "$STATUS" 200 "a request whose first statement is a write, after the server dropped the connection"
codes=
for i in 1 2 3 4; do
	api POST "/v1/alice/w$i.sqlite/create" -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
	codes="$codes$STATUS "
done
is "$codes" "201 201 201 201 " "more writes after the server dropped the connections succeed"

# ---- a restart in the middle of a request loop -----------------------------------------
# loop: inserts 1, 2, 3... until $T/stop exists; "@@ <i> <status>" after each body.
loop() {
	i=0
	while [ ! -f "$T/stop" ]; do
		i=$((i + 1))
		curl -sS -m 30 -o - -w "\n@@ $i %{http_code}\n" -X POST -H "$AUTH" \
			--data-binary "INSERT INTO t VALUES ($i)" "$URL/v1/alice/db.sqlite/query" >>"$T/loop.out" 2>>"$T/loop.err"
	done
}
# wait_for PATTERN COUNT: until $T/loop.out has COUNT lines matching PATTERN.
wait_for() {
	for _ in $(seq 300); do
		[ "$(grep -c "$1" "$T/loop.out" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
: >"$T/loop.out"
loop &
LOOP_PID=$!
wait_for ' 200$' 5
ok $? "the loop runs"

pg_stop
ok $? "PostgreSQL stopped"
api GET /v1/entity/alice -H "$AUTH"
is "$STATUS" 503 "a read during the outage: 503"
like "$BODY" '{"type":"Other","message":"Metadata store unavailable: cannot connect to postgresql://ayb@127.0.0.1:'"$PG_PORT"'/e2e_meta_1: connection to server at \"127.0.0.1\", port '"$PG_PORT"' failed: ' \
	"the envelope says what is unavailable and names the URL"
case "$BODY" in *"$PG_PASSWORD"*) ok 1 "no password in the message" ;; *) ok 0 "no password in the message" ;; esac
api POST /v1/alice/new.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 503 "a write during the outage: 503"
like "$BODY" '"message":"Metadata store unavailable: ' "with the same envelope"
api GET /health
is "$STATUS" 200 "health does not need the metadata store"
out=$(env -i PATH="$PATH" REQUEST_METHOD=GET REQUEST_URI=/v1/entity/alice SERVER_PROTOCOL=HTTP/1.1 \
	GATEWAY_INTERFACE=CGI/1.1 AYB_CONFIG="$T/ayb.conf" "$FCGI" </dev/null 2>"$T/cgi.err" | tr -d '\r')
like "$out" 'Status: 503' "a fresh process (plain CGI) during the outage: 503"
like "$out" '"message":"Metadata store unavailable: cannot connect to postgresql://ayb@127.0.0.1:' \
	"naming the URL"
like "$(cat "$T/cgi.err")" "Metadata store unavailable: cannot connect to postgresql://ayb@127.0.0.1:$PG_PORT/e2e_meta_1: " \
	"and logs it"
is "$(wc -l <"$T/cgi.err")" 1 "in one line"
wait_for ' 503$' 3
ok $? "the loop saw the outage"

pg_start_again
ok $? "PostgreSQL started again"
n=$(grep -c ' 200$' "$T/loop.out")
wait_for ' 200$' $((n + 5))
ok $? "the loop succeeds again without restarting anything"
touch "$T/stop"
wait "$LOOP_PID"

api GET /v1/entity/alice -H "$AUTH"
is "$STATUS" 200 "a read after the restart"
api POST /v1/alice/after.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "a write after the restart"
is "$(e2e_fcgi_pids)" "$pids" "the same FastCGI processes, none crashed or restarted"

echo "# loop: $(awk '/^@@ / { print $3 }' "$T/loop.out" | sort | uniq -c | tr -s ' \n' ' ')"
is "$(awk '/^@@ / && $3 != 200 && $3 != 503' "$T/loop.out")" "" "the loop saw only 200 and 503"
bad=$(grep -B1 '^@@ .* 503$' "$T/loop.out" | grep -v '^@@\|^--' |
	grep -v '^{"type":"Other","message":"Metadata store unavailable: ')
is "$bad" "" "every 503 of the loop is the envelope"
# A 503 is the server's trouble: each is in the error log beside its request.
is "$(grep -c 'ayb-api: 503 POST /v1/alice/db.sqlite/query: Other: Metadata store unavailable: ' \
	"$T/server.log")" "$(grep -c '^@@ .* 503$' "$T/loop.out")" "every 503 of the loop is logged"
# The loop's statuses in order, runs collapsed: 200s, then 503s, then 200s.
is "$(awk '/^@@ / { print $3 }' "$T/loop.out" | uniq | tr '\n' ' ')" "200 503 200 " \
	"ok, unavailable during the outage, ok again"
# (a busy timeout: the database's writer or a worker may be closing it)
sqlite3 -cmd '.timeout 5000' "$T/data/databases/alice/db.sqlite/current/db.sqlite" \
	'SELECT i FROM t ORDER BY i' >"$T/have"
awk '/^@@ / && $3 == 200 { print $2 }' "$T/loop.out" | sort -n >"$T/acked"
is "$(cat "$T/have")" "$(cat "$T/acked")" "exactly the acknowledged inserts are in the database"

tap_done
