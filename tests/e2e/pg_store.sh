#!/bin/sh
# The metadata store on PostgreSQL, below the API: the store's unit test
# (tests/unit/test_store, and test_placement's) against a fresh PostgreSQL database; both
# dialects' migrations give the same tables and columns; eight processes
# starting at the same moment on an empty store apply the migrations once
# (PostgreSQL and SQLite); and a database_url that cannot work (wrong
# password, nothing listening, no such database) stops `ayb server` with one
# clear line naming the URL without its password.
# e2e-pg: PostgreSQL only; runs the store itself
. "$(dirname "$0")/lib.sh"

pg_available || { echo "1..0 # SKIP PostgreSQL is not installed"; exit 0; }
pg_start

# ---- tests/unit/test_store on PostgreSQL --------------------------------------------------
pg_createdb unit
AYB_TEST_PG_URL=$(pg_url unit) "$top_builddir/tests/unit/test_store" >"$T/unit.tap" 2>&1
ok $? "test_store passes on PostgreSQL"
grep '^not ok' "$T/unit.tap" | sed 's/^/# /'
is "$(grep -c '^ok' "$T/unit.tap")" "$(sed -n 's/^1\.\.//p' "$T/unit.tap")" "every check of test_store"
pg_createdb placement
AYB_TEST_PG_URL=$(pg_url placement) "$top_builddir/tests/unit/test_placement" >"$T/placement.tap" 2>&1
ok $? "test_placement passes on PostgreSQL"
grep '^not ok' "$T/placement.tap" | sed 's/^/# /'

# cgi URI: one plain-CGI request through ayb-api.fcgi with $T/ayb.conf;
# prints the response (CR removed).
cgi() {
	env -i PATH="$PATH" REQUEST_METHOD=GET REQUEST_URI="$1" SERVER_PROTOCOL=HTTP/1.1 \
		GATEWAY_INTERFACE=CGI/1.1 AYB_CONFIG="$T/ayb.conf" "$FCGI" </dev/null 2>>"$T/cgi.err" |
		tr -d '\r'
}

# race NAME: eight processes open the empty store of the last e2e_setup at once.
race() {
	pids=
	for i in 1 2 3 4 5 6 7 8; do
		cgi /v1/entity/nobody >"$T/race.$i" &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	n=0
	for i in 1 2 3 4 5 6 7 8; do
		head -1 "$T/race.$i" | grep -q '^Status: 404' && n=$((n + 1))
	done
	is "$n" 8 "$1: eight processes starting together on an empty store all answer"
	is "$(meta_sql 'SELECT count(*) FROM ayb_migrations')" "$(meta_sql 'SELECT max(version) FROM ayb_migrations')" \
		"$1: each migration recorded once"
}

# ---- concurrent start-up, and the same schema in both dialects -----------------------------
e2e_setup
race SQLite
sqlite3 "$T/data/ayb.sqlite" "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
	WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid" >"$T/sqlite.cols"
AYB_E2E_METADATA=pg
e2e_setup
race PostgreSQL
meta_sql "SELECT table_name, column_name FROM information_schema.columns
	WHERE table_schema = 'public' ORDER BY table_name, ordinal_position" >"$T/pg.cols"
[ -s "$T/pg.cols" ]
ok $? "PostgreSQL has tables"
is "$(cat "$T/pg.cols")" "$(cat "$T/sqlite.cols")" "the same tables and columns in both dialects"
is "$(meta_sql "SELECT count(*) FROM pg_constraint WHERE contype = 'u' AND connamespace = 'public'::regnamespace")" \
	"$(sqlite3 "$T/data/ayb.sqlite" "SELECT count(*) FROM sqlite_master m, pragma_index_list(m.name) i
		WHERE m.type = 'table' AND i.origin = 'u'")" "the same number of UNIQUE constraints"

# ---- start-up errors ----------------------------------------------------------------------
# server_error URL NAME: `ayb server` with database_url = URL must exit
# non-zero with one line on stderr, which is printed in $ERR.
server_error() {
	_u=$(printf '%s' "$1" | sed 's/[&|\\]/\\&/g')
	sed "s|^database_url = .*|database_url = \"$_u\"|" "$T/ayb.conf" >"$T/bad.conf"
	PORT_BAD=$(sed -n 's/^port = //p' "$T/bad.conf")
	"$AYB" server --config "$T/bad.conf" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	ERR=$(cat "$T/bad.err")
	[ "$rc" -ne 0 ]
	ok $? "$2: ayb server exits non-zero ($rc)"
	is "$(wc -l <"$T/bad.err")" 1 "$2: one line"
	[ -z "$(ss -Hltn "sport = :$PORT_BAD")" ]
	ok $? "$2: nothing listens"
}
BASE=127.0.0.1:$PG_PORT
server_error "postgresql://ayb:WrongSecret1@$BASE/e2e_meta_1" "wrong password"
is "$ERR" "Error: Metadata store unavailable: cannot connect to postgresql://ayb@$BASE/e2e_meta_1: connection to server at \"127.0.0.1\", port $PG_PORT failed: FATAL:  password authentication failed for user \"ayb\"" \
	"wrong password: the message names the URL without the password"
DEAD=$(free_port)
server_error "postgres://ayb:$PG_PASSWORD@127.0.0.1:$DEAD/e2e_meta_1" "nothing listening"
is "$ERR" "Error: Metadata store unavailable: cannot connect to postgres://ayb@127.0.0.1:$DEAD/e2e_meta_1: connection to server at \"127.0.0.1\", port $DEAD failed: Connection refused" \
	"nothing listening: the message names the URL without the password"
server_error "postgresql://ayb@$BASE/e2e_meta_1?password=WrongSecret2&application_name=x" "password in the query"
like "$ERR" "cannot connect to postgresql://ayb@$BASE/e2e_meta_1?application_name=x: " \
	"password in the query: removed from the URL shown"
case "$ERR" in *WrongSecret2*) ok 1 "password in the query: not shown" ;; *) ok 0 "password in the query: not shown" ;; esac
server_error "postgresql://ayb:$PG_PASSWORD@$BASE/nope" "no such database"
like "$ERR" "cannot connect to postgresql://ayb@$BASE/nope: connection to server at \"127.0.0.1\", port $PG_PORT failed: FATAL:  database \"nope\" does not exist" \
	"no such database: said so"
case "$ERR" in *"$PG_PASSWORD"*) ok 1 "no such database: no password" ;; *) ok 0 "no such database: no password" ;; esac

# The FastCGI program answers the same as 503 with ayb's envelope.
sed "s|^database_url = .*|database_url = \"postgresql://ayb:WrongSecret3@$BASE/e2e_meta_1\"|" \
	"$T/bad.conf" >"$T/ayb.conf"
: >"$T/cgi.err"
out=$(cgi /v1/entity/nobody)
like "$out" "Status: 503" "a request with a wrong password: 503"
like "$out" "{\"type\":\"Other\",\"message\":\"Metadata store unavailable: cannot connect to postgresql://ayb@$BASE/e2e_meta_1: " \
	"with ayb's envelope"
case "$out$(cat "$T/cgi.err")" in *WrongSecret3*) ok 1 "no password in the answer or the log" ;; *) ok 0 "no password in the answer or the log" ;; esac

tap_done
