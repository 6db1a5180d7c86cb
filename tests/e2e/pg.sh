# PostgreSQL for the end-to-end tests: a throwaway cluster in the test's run
# directory ($T/pg), on a free loopback port, reached over TCP with a
# password; stopped by the test's EXIT trap (lib.sh).  Sourced by lib.sh.
#
#   pg_available          0 when PostgreSQL's server programs are installed
#   pg_start              initdb + start; sets PG_PORT, PG_PASSWORD, PG_BIN
#   pg_createdb NAME      a fresh database owned by the role ayb
#   pg_url NAME           postgresql://ayb:<password>@127.0.0.1:<port>/NAME
#   pg_psql NAME SQL...   runs SQL in NAME as ayb (unaligned, tuples only)
#   pg_stop / pg_restart  fast shutdown / shutdown then start on the same port
#   pg_start_again        start after pg_stop, on the same port
#   pg_cleanup            pg_stop, and remove the cluster if it lives outside $T
#
# As root the server runs as the user postgres (initdb refuses root), so the
# cluster's directory must be reachable by it: $T/pg (lib.sh makes $T 755),
# or a directory in /tmp when a parent of $T is closed (a private TMPDIR).
# A cluster starts in about 0.8 s on a 2-vCPU machine (initdb --no-sync),
# which is why each test gets its own instead of sharing one: tests stay
# independent and may restart theirs.

PG_PORT=
PG_PASSWORD=
PG_BIN=
PG_DIR=
_pg_outside=

pg_available() {
	[ -n "$PG_BIN" ] && return 0
	for _d in ${AYB_PG_BINDIR:-} $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
		if [ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ] && [ -x "$_d/psql" ]; then
			PG_BIN=$_d
			return 0
		fi
	done
	_d=$(command -v initdb 2>/dev/null) && PG_BIN=$(dirname "$_d") && [ -x "$PG_BIN/pg_ctl" ]
}

# _pg_as CMD...: runs a server program as the cluster's owner.
_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

_pg_ctl_start() {
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 -s \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start
}

pg_start() {
	pg_available || bail "PostgreSQL server programs not found (install the Debian package postgresql)"
	PG_DIR=$T/pg
	if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$T"; then
		PG_DIR=$(mktemp -d /tmp/ayb-e2e-pg.XXXXXX) || bail "mktemp"
		_pg_outside=1
	fi
	PG_PASSWORD=pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	mkdir -p "$PG_DIR"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR"
	chmod 700 "$PG_DIR"
	_pg_as "$PG_BIN/initdb" -N -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
		--auth-local=trust --auth-host=scram-sha-256 >"$T/initdb.log" 2>&1 ||
		{ cat "$T/initdb.log" >&2; bail "initdb failed"; }
	# Another test may take the port between free_port and bind: try others.
	for _try in 1 2 3 4 5; do
		PG_PORT=$(free_port)
		_pg_ctl_start && break
		grep -q 'could not bind' "$PG_DIR/server.log" ||
			{ cat "$PG_DIR/server.log" >&2; bail "PostgreSQL did not start"; }
		: >"$PG_DIR/server.log"
		[ "$_try" = 5 ] && bail "PostgreSQL found no free port"
	done
	_pg_as "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
		-c "CREATE ROLE ayb LOGIN CREATEDB PASSWORD '$PG_PASSWORD'" >/dev/null ||
		bail "cannot create the PostgreSQL role"
}

pg_url() {
	echo "postgresql://ayb:$PG_PASSWORD@127.0.0.1:$PG_PORT/$1"
}

pg_createdb() {
	_pg_as "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
		-c "CREATE DATABASE \"$1\" OWNER ayb" >/dev/null || bail "cannot create database $1"
}

pg_psql() {
	_db=$1
	shift
	PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U ayb -d "$_db" \
		-X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

pg_stop() {
	[ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ] || return 0
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -s stop >/dev/null 2>&1
}

pg_cleanup() {
	pg_stop
	[ -n "$_pg_outside" ] && rm -rf "$PG_DIR"
	return 0
}

pg_restart() {
	pg_stop
	pg_start_again
}

# pg_start_again: starts the stopped cluster on its port, waiting up to 5 s
# for the port to be free again.
pg_start_again() {
	for _ in $(seq 25); do
		_pg_ctl_start && return 0
		grep -q 'could not bind' "$PG_DIR/server.log" || return 1
		sleep 0.2
	done
	return 1
}
