# Shared harness for the end-to-end tests: a private run directory, a free
# loopback port, a real lighttpd in front of ayb-api.fcgi, TAP output, and
# teardown by PID on exit.  Sourced by every tests/e2e/*.sh.
set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
AYB=$top_builddir/cli/ayb
FCGI=$top_builddir/cgi/ayb-api.fcgi
LIGHTTPD=${AYB_LIGHTTPD:-$(command -v lighttpd || echo /usr/sbin/lighttpd)}

T=$(mktemp -d "${TMPDIR:-/tmp}/ayb-e2e.XXXXXX")
chmod 755 "$T"
mkdir -p "$T/home" "$T/config" "$T/tmp" "$T/data"
export HOME=$T/home XDG_CONFIG_HOME=$T/config TMPDIR=$T/tmp
unset AYB_SERVER_URL AYB_API_TOKEN AYB_CLIENT_CONFIG_FILE AYB_CONFIG AYB_SERVER_CONFIG_FILE

SERVER_PID=
NL='
'
_tap_n=0
_tap_failed=0

# ---- TAP ------------------------------------------------------------------
# ok STATUS NAME: passes when STATUS is 0 (e.g. `[ "$a" = b ]; ok $? "name"`).
ok() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

# is GOT WANT NAME: exact string comparison, showing both on failure.
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "got:" "$1" "want:" "$2" | sed 's/^/#   /'
	fi
}

# like GOT SUBSTRING NAME
like() {
	case "$1" in
	*"$2"*) ok 0 "$3" ;;
	*) ok 1 "$3"; printf '#   got:  %s\n#   want substring: %s\n' "$1" "$2" ;;
	esac
}

# has_duckdb: whether this build hosts DuckDB databases (README "DuckDB databases").
has_duckdb() {
	grep -q '^#define HAVE_DUCKDB 1' "$top_builddir/autoconfig.h"
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

bail() {
	echo "Bail out! $*"
	exit 1
}

# run ARGS...: `ayb client ARGS`, setting OUT (stdout), ERR (stderr) and RC.
run() {
	OUT=$("$AYB" client "$@" 2>"$T/stderr"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=${OUT%rc=*}
	ERR=$(cat "$T/stderr")
}

# on_tty ARGS...: like run, on a pseudo-terminal (util-linux script): OUT is what the
# terminal got, stdout and stderr together, with CR LF as LF; RC the exit status.
on_tty() {
	_cmd="'$AYB' client"
	for _a; do
		_cmd="$_cmd '$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")'"
	done
	OUT=$(SHELL=/bin/sh script -qec "$_cmd" /dev/null </dev/null; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=$(printf '%s' "${OUT%rc=*}" | tr -d '\r')
}
# no_esc TEXT NAME: passes when TEXT holds no ESC byte (no terminal escape got through).
ESC=$(printf '\033')
no_esc() {
	case "$1" in *"$ESC"*) ok 1 "$2" ;; *) ok 0 "$2" ;; esac
}

# ---- servers ------------------------------------------------------------------
# A port nothing listens on, from a range away from the usual services.
# Below Linux's ephemeral range (32768-60999): a port there can be the local
# end of some outgoing connection, and bind() then fails although nothing
# listens on it (seen with PostgreSQL under a parallel make check).
free_port() {
	while :; do
		p=$(( $(od -An -N2 -tu2 /dev/urandom) % 12000 + 20000 ))
		[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return; }
	done
}

# ---- metadata store -------------------------------------------------------------
# AYB_E2E_METADATA=pg (the tests/e2e/pg/ twins) puts e2e_setup's metadata in
# PostgreSQL: a throwaway cluster per test (tests/e2e/pg.sh), a fresh
# database per e2e_setup.  Otherwise it is SQLite at $T/data/ayb.sqlite.
. "$top_srcdir/tests/e2e/pg.sh"
_e2e_ndb=0

# _e2e_metadata: sets DATABASE_URL (and META_DB for PostgreSQL).
_e2e_metadata() {
	if [ "${AYB_E2E_METADATA:-sqlite}" = pg ]; then
		[ -n "$PG_PORT" ] || pg_start
		_e2e_ndb=$((_e2e_ndb + 1))
		META_DB=e2e_meta_$_e2e_ndb
		pg_createdb "$META_DB"
		DATABASE_URL=$(pg_url "$META_DB")
		echo "# metadata in PostgreSQL: $(pg_url "$META_DB" | sed 's/:[^:@]*@/@/')"
	else
		DATABASE_URL=sqlite://$T/data/ayb.sqlite
	fi
}

# meta_sql SQL: runs SQL (statements separated by ';') on the metadata store
# of the last e2e_setup, printing rows as a|b|c lines.
meta_sql() {
	if [ "${AYB_E2E_METADATA:-sqlite}" = pg ]; then
		printf '%s\n' "$1" | pg_psql "$META_DB" -f -
	else
		sqlite3 "$T/data/ayb.sqlite" "$1"
	fi
}

# e2e_setup [EXTRA_CONFIG_TEXT]: writes $T/ayb.conf for a fresh port with the
# file email backend at $EMAILS; sets PORT and URL.
e2e_setup() {
	# The tests/e2e/cluster/ twins: the same test through a three-node
	# cluster's front (tests/e2e/cluster_lib.sh).
	if [ "${AYB_E2E_CLUSTER:-}" ]; then
		. "$top_srcdir/tests/e2e/cluster_lib.sh"
		cluster_start x-accel fewest "${1:-}"
		return
	fi
	_e2e_metadata
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	EMAILS=$T/data/emails.jsonl
	KEY=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')
	cat >"$T/ayb.conf" <<CONF
host = "127.0.0.1"
port = $PORT
database_url = "$DATABASE_URL"
data_path = "$T/data"
authentication {
  fernet_key = "$KEY"
  token_expiration_seconds = 3600
}
email {
  file {
    path = "$EMAILS"
  }
  # Every test's requests come from 127.0.0.1: one client, many emails.
  max_per_client_per_hour = 1000
}
cors {
  origin = "*"
}
${1:-}
CONF
}

# _wait_ready: 0 once /health answers; 2 when the server lost the race
# for its port (another program took it after free_port); bails otherwise.
_wait_ready() {
	i=0
	while [ $i -lt 200 ]; do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			wait "$SERVER_PID" 2>/dev/null
			grep -q 'Address already in use' "$T/server.log" && return 2
			cat "$T/server.log" >&2
			bail "server exited during start-up"
		fi
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" = 200 ] && return 0
		i=$((i + 1))
		sleep 0.05
	done
	cat "$T/server.log" >&2
	bail "server not ready on $URL"
}

_assert_port_free() {
	[ -z "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ] || bail "port $PORT is taken"
}

# e2e_start_server: `ayb server` (lighttpd + ayb-api.fcgi over FastCGI).
e2e_start_server() {
	[ -z "${AYB_E2E_CLUSTER:-}" ] || return 0
	e2e_start_on_free_port _start_ayb_server
}

_start_ayb_server() {
	"$AYB" server --config "$T/ayb.conf" >"$T/server.log" 2>&1 &
	SERVER_PID=$!
}

# e2e_start_on_free_port FUNC: FUNC starts a server on $PORT (logging to
# $T/server.log, setting SERVER_PID).  When another program takes the port
# between free_port and the bind, it is tried again on a new port (also
# written into $T/ayb.conf).
e2e_start_on_free_port() {
	for _try in 1 2 3 4 5; do
		_assert_port_free
		"$1"
		_wait_ready && return 0
		_old=$PORT
		PORT=$(free_port)
		URL=http://127.0.0.1:$PORT
		[ -f "$T/ayb.conf" ] && sed -i "s/^port = $_old\$/port = $PORT/" "$T/ayb.conf"
	done
	bail "no free port for the server"
}

# e2e_start_cgi_server: lighttpd running ayb-api.fcgi as a plain CGI program
# (a new process per request), for the plain-CGI path.
e2e_start_cgi_server() {
	mkdir -p "$T/www"
	ln -sf "$FCGI" "$T/www/ayb.cgi"
	e2e_start_on_free_port _start_cgi_server
}

_start_cgi_server() {
	cat >"$T/lighttpd-cgi.conf" <<CONF
server.modules = ( "mod_rewrite", "mod_cgi", "mod_setenv" )
server.bind = "127.0.0.1"
server.port = $PORT
server.document-root = "$T/www"
server.upload-dirs = ( "$T/tmp" )
server.max-request-size = 4096
url.rewrite-once = ( "^/(.*)\$" => "/ayb.cgi/\$1" )
cgi.assign = ( ".cgi" => "" )
setenv.add-environment = ( "AYB_CONFIG" => "$T/ayb.conf" )
CONF
	"$LIGHTTPD" -D -f "$T/lighttpd-cgi.conf" >"$T/server.log" 2>&1 &
	SERVER_PID=$!
}

# e2e_fcgi_pids: the ayb-api.fcgi processes of the running `ayb server`
# (children of its lighttpd), sorted, on one line.
e2e_fcgi_pids() {
	for _l in $(ps -o pid= --ppid "$SERVER_PID"); do
		ps -o pid=,comm= --ppid "$_l" | awk '$2 == "ayb-api.fcgi" { print $1 }'
	done | sort -n | tr '\n' ' '
}

e2e_stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -INT "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

_e2e_cleanup() {
	e2e_stop_server
	pg_cleanup
	if [ "${AYB_E2E_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap _e2e_cleanup EXIT
# Interrupted (Ctrl-C on make check): still stop what was started, above
# all a PostgreSQL server, which would outlive the test.
trap 'exit 130' INT TERM HUP

# ---- HTTP ----------------------------------------------------------------------
# api METHOD PATH [CURL_ARGS...]: sets STATUS and BODY; headers in $T/headers.
api() {
	_m=$1 _p=$2
	shift 2
	BODY=$(curl -sS -X "$_m" -D "$T/headers" -o - -w '\n%{http_code}' "$@" "$URL$_p")
	STATUS=${BODY##*
}
	BODY=${BODY%
*}
}

# header NAME: the value of a header of the last response (case-insensitive).
header() {
	grep -i "^$1:" "$T/headers" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# email_tokens ADDRESS: the tokens of every email sent to ADDRESS, oldest first.
email_tokens() {
	grep "\"to\":\"$1\"" "$EMAILS" | sed -n 's/.*\\tayb client confirm \([^"]*\)".*/\1/p'
}

# email_token ADDRESS: the token of the newest email sent to ADDRESS.
email_token() {
	email_tokens "$1" | tail -1
}

# register_user ENTITY ADDRESS: registers and confirms; prints the API token.
register_user() {
	api POST /v1/register -d '' -H "entity: $1" -H "email-address: $2" -H 'entity-type: user'
	[ "$STATUS" = 200 ] || { echo "register $1 failed: $STATUS $BODY" >&2; return 1; }
	api POST /v1/confirm -d '' -H "authentication-token: $(email_token "$2")"
	[ "$STATUS" = 200 ] || { echo "confirm $1 failed: $STATUS $BODY" >&2; return 1; }
	printf '%s\n' "$BODY" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
