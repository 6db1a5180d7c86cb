#!/bin/bash
# ayb-c against the floors of its own machine (README "Performance").
#
#   bench/run.sh [-r RUNS] [-d SECONDS] [-s SNAPSHOT_MB] [-o REPORT.md] [BENCHMARK...]
#
#   -r RUNS      rounds of every benchmark (default 5); figures are medians
#   -d SECONDS   length of each wrk run (default 4)
#   -s MB        size of B6's database (default 200)
#   -o FILE      also write the report (machine, date, table) to FILE
#   -p           for profiling: set up, then keep every server running and
#                print where they are, until the printed file is removed
#   BENCHMARK    B1 ... B11 (default: all but B8, whose set-up makes 10,000
#                databases; B8_ENTITIES and B8_DATABASES scale it), and
#                B4-continuous (B4 with continuous backup's shipping on and off)
#
# Installs what is missing (apt-get, as bootstrap.sh does), builds a release
# copy (-O2, no sanitizers) into bench/build (AYB_BENCH_BUILD), starts every
# server on 127.0.0.1 and prints one Markdown table: each figure of ayb-c
# next to a floor measured in the same run, the ratio and the target.  The
# machines this runs on are shared and noisy, so only ratios mean anything:
# the rounds interleave ayb-c and its floors, and each ratio is the median of
# the per-round ratios.  Every server is stopped by PID on exit, and the run
# directory removed (AYB_BENCH_KEEP=1 keeps it, with the servers' logs).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
RUNS=5
SECS=4
SNAP_MB=200
REPORT=
PAUSE=
while getopts r:d:s:o:p opt; do
	case $opt in
	r) RUNS=$OPTARG ;;
	d) SECS=$OPTARG ;;
	s) SNAP_MB=$OPTARG ;;
	o) REPORT=$OPTARG ;;
	p) PAUSE=1 ;;
	*) sed -n '2,13s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
WANT=" ${*:-B1 B2 B3 B4 B5 B6 B7 B9 B10 B11} "
want() { case $WANT in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
BUILD=${AYB_BENCH_BUILD:-$here/bench/build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
[ -n "$REPORT" ] && case $REPORT in /*) ;; *) REPORT=$(pwd)/$REPORT ;; esac
say() { echo "# $*" >&2; }
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- what the benchmarks need -------------------------------------------------
# bootstrap.sh installs the build dependencies and lighttpd; these are the
# load generator and the floors' own tools (the S3 test server runs on node).
bench_packages="wrk sqlite3 zstd awscli curl iproute2 procps nginx"
missing=
for p in $bench_packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
if [ -n "$missing" ]; then
	say "installing Debian packages:$missing"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "bench: apt-get install$missing failed" >&2; exit 1; }
fi

# ---- a release build, away from the developers' tree -------------------------
# A checkout configured in place (./configure run in it) cannot also be built
# out of tree, and its build is whatever the developer chose (sanitizers,
# -O0): its tracked files, as they are in the working tree, are copied to
# $BUILD/src and built there instead.
src=$here
if [ -f "$here/config.status" ]; then
	src=$BUILD/src
	say "copying the working tree's tracked files to $src"
	mkdir -p "$src"
	(cd "$here" && git ls-files -z | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
		tar -C "$src" -xf - || { echo "bench: cannot copy the source tree" >&2; exit 1; }
fi
say "building (-O2, no sanitizers) in $BUILD/obj"
"$src/bootstrap.sh" "$BUILD/obj" CFLAGS="-O2 -g" >&2 ||
	{ echo "bench: build failed" >&2; exit 1; }
make -C "$BUILD/obj" -s bench/hello-fcgi bench/insert-loop >&2 ||
	{ echo "bench: build of the floor programs failed" >&2; exit 1; }

top_builddir=$BUILD/obj
top_srcdir=$src
export top_builddir top_srcdir
# The e2e harness: run directory $T, free_port, e2e_setup, api,
# register_user, bail, and the S3 test server (s3.sh).
. "$src/tests/e2e/lib.sh"
. "$src/tests/e2e/s3.sh"
HELLO=$BUILD/obj/bench/hello-fcgi
INSERT_LOOP=$BUILD/obj/bench/insert-loop
SNAPSHOT=$BUILD/obj/cron/ayb-snapshot
LUA=$src/bench/query.lua
mkdir -p "$T/www" "$T/run" "$T/log" "$T/res"

# ---- servers: lighttpd, identical but for what it serves ---------------------
LIGHTTPD_PIDS=
NGINX_PIDS=
stop_all() {
	for p in $NGINX_PIDS; do kill -QUIT "$p" 2>/dev/null; done
	for p in $LIGHTTPD_PIDS; do kill -INT "$p" 2>/dev/null; done
	for p in $LIGHTTPD_PIDS $NGINX_PIDS; do wait "$p" 2>/dev/null; done
	LIGHTTPD_PIDS= NGINX_PIDS=
	[ -n "${SHIP_PID:-}" ] && kill "$SHIP_PID" 2>/dev/null && wait "$SHIP_PID" 2>/dev/null
	s3_stop
	AYB_E2E_KEEP=${AYB_BENCH_KEEP:-} _e2e_cleanup
}
trap stop_all EXIT

# lighttpd_start NAME FASTCGI_SERVER: one lighttpd on a free port with the
# settings of `ayb server` (streamed responses, no access log) and
# max-procs 2 for each FastCGI program; sets PORT_<NAME>.
lighttpd_start() {
	local name=$1 port pid i
	port=$(free_port)
	cat >"$T/lighttpd-$name.conf" <<CONF
server.modules = ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$T/www"
server.upload-dirs = ( "$T/tmp" )
server.errorlog = "$T/log/$name.log"
server.stream-response-body = 1
server.max-request-size = 4096
mimetype.assign = ( ".json" => "application/json" )
fastcgi.server = ( $2 )
CONF
	"$LIGHTTPD" -D -f "$T/lighttpd-$name.conf" >>"$T/log/$name.log" 2>&1 &
	pid=$!
	LIGHTTPD_PIDS="$LIGHTTPD_PIDS $pid"
	for i in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || { cat "$T/log/$name.log" >&2; bail "lighttpd $name exited"; }
		[ "$(ss -Hltn "sport = :$port" | wc -l)" -gt 0 ] && break
		sleep 0.05
	done
	printf -v "PORT_$name" '%s' "$port"
	printf -v "PID_$name" '%s' "$pid"
}

# fcgi_block PATH PROGRAM [ENV...]: one fastcgi.server entry, 2 processes.
fcgi_block() {
	local env='' kv
	for kv in "${@:3}"; do env="$env \"${kv%%=*}\" => \"${kv#*=}\","; done
	printf '"%s" => (( "socket" => "%s", "bin-path" => "%s", "max-procs" => 2, "check-local" => "disable", "bin-environment" => (%s ), "bin-copy-environment" => ( "PATH", "TMPDIR" ) ))' \
		"$1" "$T/run/$(echo "$1" | tr -c 'a-z0-9\n' _).$RANDOM.sock" "$2" "${env%,}"
}

wait_ok() {
	local i
	for i in $(seq 200); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
		sleep 0.05
	done
	bail "no answer from $1"
}

# ---- measuring ---------------------------------------------------------------
# median: the median of numbers on stdin (mean of the middle two when even).
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# tree_ticks PID: CPU time (clock ticks) used so far by PID and everything
# under it, children that already ended included.
tree_ticks() {
	local pids=$1 all=$1 kids
	while [ -n "$pids" ]; do
		kids=$(for p in $pids; do ps -o pid= --ppid "$p"; done)
		all="$all $kids"
		pids=$kids
	done
	for p in $all; do cat "/proc/$p/stat" 2>/dev/null; done |
		sed 's/.*) //' | awk '{ t += $12 + $13 + $14 + $15 } END { print t + 0 }'
}

# wrk_run FILE CONNS URL PID [LUA]: one wrk run against the server PID
# (a lighttpd).  Appends a line to FILE: requests/s, p50 and p99 latency
# in ms, error answers, and the CPU time the server (lighttpd and its
# FastCGI processes and query workers) spent per request, in microseconds:
# a figure that moves far less than throughput when other programs share
# the machine.
wrk_run() {
	local out=$T/wrk.out t0 t1
	t0=$(tree_ticks "$4")
	if [ -n "${5:-}" ]; then
		wrk -t2 -c"$2" -d"${SECS}s" --latency -s "$5" "$3" >"$out" 2>&1
	else
		wrk -t2 -c"$2" -d"${SECS}s" --latency "$3" >"$out" 2>&1
	fi
	t1=$(tree_ticks "$4")
	awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
	function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
	/^Requests\/sec:/ { rps = $2 }
	/ requests in / { n = $1 }
	/^ +50%/ { p50 = ms($2) }
	/^ +99%/ { p99 = ms($2) }
	/Non-2xx or 3xx responses:/ { bad += $NF }
	/Socket errors:/ { for (i = 4; i <= NF; i += 2) { v = $i; sub(/,/, "", v); bad += v } }
	END { printf "%.0f %.3f %.3f %d %.0f\n", rps, p50, p99, bad, n ? ticks * 1e6 / hz / n : 0 }' "$out" >>"$1"
}

# col FILE N: column N of every line of FILE.
col() { awk -v n="$2" '{ print $n }' "$1"; }

# ratios A B N: the per-round ratios A/B of column N of files A and B.
ratios() {
	paste -d' ' <(col "$1" "$3") <(col "$2" "$3") | awk '{ print $2 ? $1 / $2 : 0 }'
}

# seconds CMD...: wall time of CMD in seconds (its output discarded).
seconds() {
	local t0=$EPOCHREALTIME t1
	"$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; return 1; }
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

ROWS=$T/rows
: >"$ROWS"
# row NAME AYB FLOOR RATIO TARGET VERDICT
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@" >>"$ROWS"; }
verdict() { awk -v r="$1" -v op="$2" -v t="$3" 'BEGIN { ok = op == ">=" ? r >= t : r <= t; print ok ? "pass" : "**fail**" }'; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'; }

# ---- the servers and their data ---------------------------------------------
say "starting the servers"
# One tenant saturates the server on purpose, so the caps on queries at
# once per entity and per database (README "Isolation") are off: with them
# most of B1's and B4's 32 and 8 connections would be answered 429.
e2e_setup 'isolation {
  max_queries_per_entity = 0
  max_queries_per_database = 0
}'
CONF=$T/ayb.conf
# B8 registers a thousand users from one address.
sed -i 's/^  max_per_client_per_hour = .*/  max_per_client_per_hour = 0/' "$CONF"
# The same site with isolation off (the split of B1), and with 100,000 more
# entities in a copy of the metadata store (B5); all three share data_path.
sed 's/^database_url = .*/database_url = "sqlite:\/\/'"${T//\//\\/}"'\/data\/meta-big.sqlite"/' "$CONF" >"$T/ayb-big.conf"
sed 's/^isolation {$/isolation {\n  enabled = false/' "$CONF" >"$T/ayb-off.conf"
printf '{"status":"ok"}' >"$T/www/health.json"

lighttpd_start ayb "$(fcgi_block / "$FCGI" "AYB_CONFIG=$CONF")"
URL=http://127.0.0.1:$PORT_ayb
wait_ok "$URL/health"

TOKEN=$(register_user bench bench@example.org) || bail "cannot register"
AUTH="Authorization: Bearer $TOKEN"
for i in 1 2 3 4 5 6 7 8 9; do
	register_user "user$i" "user$i@example.org" >/dev/null || bail "cannot register user$i"
done
for db in point ins; do
	api POST "/v1/bench/$db.sqlite/create" -d '' -H "$AUTH" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access'
	[ "$STATUS" = 201 ] || bail "create $db: $STATUS $BODY"
done
# 100,000 rows of 4 columns, the same width each, so every point query
# answers the same number of bytes.
api POST /v1/bench/point.sqlite/query -H "$AUTH" --data-binary \
	'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL, note TEXT)'
api POST /v1/bench/point.sqlite/query -H "$AUTH" --data-binary \
	"INSERT INTO t (name, score, note) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT printf('name-%06d', i), i % 997 + 1000, printf('note %06d of the bench table', i) FROM n"
[ "$STATUS" = 200 ] || bail "fill: $STATUS $BODY"
# B3's second table: data like users' own, every storage class: reals from
# random() (full 17-digit precision), a NULL in every third cell of a
# column, unicode text with quotes, backslashes and newlines (JSON escapes),
# and blobs, of text and of random bytes (answered as {"base64":...}).
api POST /v1/bench/point.sqlite/query -H "$AUTH" --data-binary \
	'CREATE TABLE m (id INTEGER PRIMARY KEY, r REAL, n INTEGER, t TEXT, b BLOB)'
api POST /v1/bench/point.sqlite/query -H "$AUTH" --data-binary \
	"INSERT INTO m (r, n, t, b) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT random() / 7.0e9, CASE WHEN i % 3 THEN random() % 100000 END, CASE WHEN i % 3 <> 1 THEN printf('Zoë \"%d\" naïve café ☕ back\\slash' || char(10) || 'line %d', i, i) END, CASE i % 3 WHEN 0 THEN CAST(printf('blob %d ✓', i) AS BLOB) WHEN 1 THEN randomblob(16) END FROM n"
[ "$STATUS" = 200 ] || bail "fill m: $STATUS $BODY"
api POST /v1/bench/ins.sqlite/query -H "$AUTH" --data-binary \
	'CREATE TABLE ins (id INTEGER PRIMARY KEY, v TEXT NOT NULL)'
[ "$STATUS" = 200 ] || bail "create ins: $STATUS $BODY"
# B9: 100 one-row INSERTs, as 100 requests on one keep-alive connection
# and as one batch request; both bind the row's value as a parameter, so
# the batch is all that differs.
if want B9; then
	api POST /v1/bench/b9.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access'
	api POST /v1/bench/b9.sqlite/query -H "$AUTH" --data-binary \
		'CREATE TABLE ins (id INTEGER PRIMARY KEY, v TEXT NOT NULL)'
	[ "$STATUS" = 200 ] || bail "create b9: $STATUS $BODY"
	B9_STMT='{"query": "INSERT INTO ins (v) VALUES (?)", "params": ["one row of the batch benchmark"]}'
	: >"$T/b9.cfg"
	for i in $(seq 100); do
		printf '%s\n' "url = \"$URL/v1/bench/b9.sqlite/query\"" "header = \"$AUTH\"" \
			'header = "Content-Type: application/json"' \
			"data = \"$(printf '%s' "$B9_STMT" | sed 's/"/\\"/g')\"" \
			'output = "/dev/null"' 'write-out = "%{time_total}\n"' 'fail' next >>"$T/b9.cfg"
	done
	sed -i '$d' "$T/b9.cfg"
	{
		printf '{"statements": ['
		for i in $(seq 100); do
			[ "$i" -gt 1 ] && printf ','
			printf '%s' "$B9_STMT"
		done
		printf ']}'
	} >"$T/b9.batch"
fi
# DuckDB beside SQLite (README "DuckDB databases"): B1 and B3 again on a
# DuckDB database holding tables t and m of the same shape, where the
# build has libduckdb.
DUCK=
if grep -q '^#define HAVE_DUCKDB 1' "$top_builddir/autoconfig.h" && { want B1 || want B3; }; then
	DUCK=/v1/bench/point.duckdb/query
	api POST /v1/bench/point.duckdb/create -d '' -H "$AUTH" -H 'db-type: duckdb' \
		-H 'public-sharing-level: no-access'
	[ "$STATUS" = 201 ] || bail "create point.duckdb: $STATUS $BODY"
	api POST $DUCK -H "$AUTH" --data-binary \
		'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL, note TEXT)'
	api POST $DUCK -H "$AUTH" --data-binary \
		"INSERT INTO t SELECT i, printf('name-%06d', i), i % 997 + 1000, printf('note %06d of the bench table', i) FROM range(1, 100001) r(i)"
	[ "$STATUS" = 200 ] || bail "fill duckdb t: $STATUS $BODY"
	# m's random blobs: 16 bytes of an MD5 (DuckDB has no randomblob).
	api POST $DUCK -H "$AUTH" --data-binary \
		'CREATE TABLE m (id INTEGER PRIMARY KEY, r DOUBLE, n BIGINT, t TEXT, b BLOB)'
	api POST $DUCK -H "$AUTH" --data-binary \
		"INSERT INTO m SELECT i, (random() * 2 - 1) * 1.3e9, CASE WHEN i % 3 <> 0 THEN (random() * 200000 - 100000)::BIGINT END, CASE WHEN i % 3 <> 1 THEN printf('Zoë \"%d\" naïve café ☕ back\\slash' || chr(10) || 'line %d', i, i) END, CASE i % 3 WHEN 0 THEN encode(printf('blob %d ✓', i)) WHEN 1 THEN unhex(md5(i::VARCHAR)) END FROM range(1, 100001) r(i)"
	[ "$STATUS" = 200 ] || bail "fill duckdb m: $STATUS $BODY"
fi
POINT_SQL='SELECT * FROM t WHERE id = %d'
api POST /v1/bench/point.sqlite/query -H "$AUTH" --data-binary 'SELECT * FROM t WHERE id = 54321'
[ "$STATUS" = 200 ] || bail "point query: $STATUS $BODY"
printf '%s' "$BODY" >"$T/www/point.json"
POINT_FILE="$(readlink "$T/data/databases/bench/point.sqlite/current")/point.sqlite"

# B5's store: this one plus 100,000 entities, each with an email address and
# a token (random short tokens, so the index is as a real one).
if want B5; then
	sqlite3 "$T/data/ayb.sqlite" ".backup '$T/data/meta-big.sqlite'"
	sqlite3 "$T/data/meta-big.sqlite" >/dev/null <<'SQL' || bail "cannot seed 100,000 entities"
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO entity (slug, entity_type) SELECT printf('bulk%06d', i), 0 FROM n;
INSERT INTO authentication_method (entity_id, method_type, status, email_address)
  SELECT id, 0, 1, slug || '@example.org' FROM entity WHERE slug LIKE 'bulk%';
INSERT INTO api_token (short_token, entity_id, hash, created_at)
  SELECT lower(hex(randomblob(6))), id, lower(hex(randomblob(32))), CURRENT_TIMESTAMP
  FROM entity WHERE slug LIKE 'bulk%';
COMMIT;
SQL
	[ "$(sqlite3 "$T/data/meta-big.sqlite" 'SELECT count(*) FROM entity')" -gt 100000 ] ||
		bail "B5 store not seeded"
	lighttpd_start big "$(fcgi_block / "$FCGI" "AYB_CONFIG=$T/ayb-big.conf")"
	wait_ok "http://127.0.0.1:$PORT_big/health"
fi
# B10's site: the same data_path, and the same metadata copied into a
# throwaway PostgreSQL (started as tests/e2e/pg.sh starts the tests' own,
# fsync off: B1 and B4 only read the metadata), so the same token and
# databases answer there.  Its CPU per request counts the PostgreSQL
# server's processes too.
if want B10 || want B11; then
	pg_start
	pg_createdb bench_meta
	sed 's|^database_url = .*|database_url = "'"$(pg_url bench_meta)"'"|' "$CONF" >"$T/ayb-pg.conf"
	lighttpd_start pg "$(fcgi_block / "$FCGI" "AYB_CONFIG=$T/ayb-pg.conf")"
	PG_URL_SITE=http://127.0.0.1:$PORT_pg
	wait_ok "$PG_URL_SITE/health"
	# The first request that reaches the store creates its schema (the
	# token is not there yet: 401).
	curl -s -o /dev/null -H "$AUTH" --data-binary 'SELECT 1' "$PG_URL_SITE/v1/bench/point.sqlite/query"
	for tbl in entity database api_token entity_database_permission; do
		sqlite3 -csv "$T/data/ayb.sqlite" "SELECT * FROM $tbl" |
			pg_psql bench_meta -c "\\copy $tbl FROM STDIN WITH (FORMAT csv)" ||
			bail "B10: cannot copy the table $tbl to PostgreSQL"
	done
	[ "$(curl -s -H "$AUTH" --data-binary 'SELECT * FROM t WHERE id = 54321' \
		"$PG_URL_SITE/v1/bench/point.sqlite/query")" = "$(cat "$T/www/point.json")" ] ||
		bail "B10: the PostgreSQL site does not answer the point query"
	PID_pgserver=$(head -1 "$PG_DIR/data/postmaster.pid")
fi
# B11's cluster (README "Several machines"): two nodes over B10's
# PostgreSQL metadata, "owner" holding bench/point.sqlite (the same
# data_path) and "other" nothing, each behind an nginx front of
# examples/nginx-cluster.conf with that node alone upstream: through the
# first a request lands on its database's node, through the second it is
# forwarded (X-Accel-Redirect), and "other" reached directly forwards it by
# libcurl.  A node reads its configuration at its first request, so the
# file can name the port lighttpd got.
if want B11; then
	mkdir -p "$T/data-other"
	for n in owner other; do
		lighttpd_start "$n" "$(fcgi_block / "$FCGI" "AYB_CONFIG=$T/ayb-$n.conf")"
		port=$(eval echo "\$PORT_$n")
		data=$T/data
		[ $n = other ] && data=$T/data-other
		sed "s|^data_path = .*|data_path = \"$data\"|" "$T/ayb-pg.conf" >"$T/ayb-$n.conf"
		printf 'node {\n  name = "%s"\n  url = "http://127.0.0.1:%s"\n  forward = "x-accel"\n}\n' \
			"$n" "$port" >>"$T/ayb-$n.conf"
		wait_ok "http://127.0.0.1:$port/health"
		fport=$(free_port)
		mkdir -p "$T/front-$n"
		sed -e "s|listen 127.0.0.1:5433;|listen 127.0.0.1:$fport;|" \
			-e "s|127.0.0.1:5434|127.0.0.1:$port|g" -e '/127.0.0.1:543[56]/d' \
			"$src/examples/nginx-cluster.conf" >"$T/front-$n/nginx.conf"
		nginx -e "$T/front-$n/error.log" -p "$T/front-$n" -c "$T/front-$n/nginx.conf" &
		NGINX_PIDS="$NGINX_PIDS $!"
		printf -v "PID_front_$n" '%s' "$!"
		printf -v "FRONT_$n" '%s' "http://127.0.0.1:$fport"
		wait_ok "http://127.0.0.1:$fport/health"
	done
	pg_psql bench_meta -c "INSERT INTO placement SELECT d.id, 'owner', 1, 'serving' FROM database d
		JOIN entity e ON e.id = d.entity_id WHERE e.slug = 'bench' AND d.slug = 'point.sqlite'" \
		>/dev/null || bail "B11: cannot place point.sqlite"
	echo 1 >"$T/data/databases/bench/point.sqlite/epoch"
	for u in "http://127.0.0.1:$PORT_owner" "$FRONT_owner" "$FRONT_other" "http://127.0.0.1:$PORT_other"; do
		[ "$(curl -s -H "$AUTH" --data-binary 'SELECT * FROM t WHERE id = 54321' "$u/v1/bench/point.sqlite/query")" = \
			"$(cat "$T/www/point.json")" ] || bail "B11: $u does not answer the point query"
	done
fi
if want B1; then
	lighttpd_start off "$(fcgi_block / "$FCGI" "AYB_CONFIG=$T/ayb-off.conf")"
	wait_ok "http://127.0.0.1:$PORT_off/health"
fi
# B4-continuous: B4's INSERTs on a site with continuous backup on (README
# "Snapshots"), its shipper (`ayb-snapshot --continuous`) beside it and the
# S3 test server, against the same on the main site.  Its own database:
# writers are per database and host, whatever the site.
if want B4-continuous; then
	[ -n "$S3_PID" ] || s3_start
	{ cat "$CONF"; s3_config | sed '$d'; printf '  continuous {\n    enabled = true\n  }\n}\n'; } \
		>"$T/ayb-cont.conf"
	lighttpd_start cont "$(fcgi_block / "$FCGI" "AYB_CONFIG=$T/ayb-cont.conf")"
	URL_cont=http://127.0.0.1:$PORT_cont
	wait_ok "$URL_cont/health"
	"$BUILD/obj/cron/ayb-snapshot" --config "$T/ayb-cont.conf" --continuous >"$T/ship.log" 2>&1 &
	SHIP_PID=$!
	api POST /v1/bench/insc.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access'
	curl -sS -o /dev/null -H "$AUTH" --data-binary \
		'CREATE TABLE ins (id INTEGER PRIMARY KEY, v TEXT NOT NULL)' \
		"$URL_cont/v1/bench/insc.sqlite/query" || bail "create insc"
fi
# The floor: the hello-world program answering /health's body and the point
# query's body, and the same bodies as static files, on its own lighttpd.
lighttpd_start floor "$(fcgi_block /hello/health "$HELLO"), $(fcgi_block /hello/point "$HELLO $T/www/point.json")"
FLOOR=http://127.0.0.1:$PORT_floor
wait_ok "$FLOOR/hello/health"
[ "$(curl -s "$FLOOR/hello/point")" = "$(cat "$T/www/point.json")" ] || bail "floor body differs"

export BENCH_TOKEN=$TOKEN
QUERY=/v1/bench/point.sqlite/query

if [ -n "$PAUSE" ]; then
	{
		echo "URL=$URL FLOOR=$FLOOR OFF=http://127.0.0.1:${PORT_off:-} BIG=http://127.0.0.1:${PORT_big:-} PG=http://127.0.0.1:${PORT_pg:-}"
		echo "LIGHTTPD_PIDS='$LIGHTTPD_PIDS' AYB_PID=$PID_ayb T=$T"
		echo "BENCH_TOKEN=$TOKEN BENCH_SQL='$POINT_SQL' BENCH_IDS=10000-99999 LUA=$LUA"
	} >"$T/servers.env"
	say "servers up, described in $T/servers.env; remove that file to stop them"
	for _ in $(seq 3600); do [ -f "$T/servers.env" ] || exit 0; sleep 1; done
	exit 0
fi

# ---- the rounds ---------------------------------------------------------------
say "$RUNS rounds, wrk runs of ${SECS}s, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
# point NAME: one wrk run of the point query for B1/B5 (ayb, big, off) or
# its floors (hello, static).
point() {
	case $1 in
	ayb) wrk_run "$T/res/b1.ayb" 32 "$URL$QUERY" "$PID_ayb" "$LUA" ;;
	duck) wrk_run "$T/res/b1.duck" 32 "$URL$DUCK" "$PID_ayb" "$LUA" ;;
	big) wrk_run "$T/res/b5.ayb" 32 "http://127.0.0.1:$PORT_big$QUERY" "$PID_big" "$LUA" ;;
	off) wrk_run "$T/res/b1.off" 32 "http://127.0.0.1:$PORT_off$QUERY" "$PID_off" "$LUA" ;;
	hello) wrk_run "$T/res/b1.hello" 32 "$FLOOR/hello/point" "$PID_floor" "$LUA" ;;
	static) wrk_run "$T/res/b1.static" 32 "$FLOOR/point.json" "$PID_floor" ;;
	esac
}

# Every other round runs its measurements in reverse order, so a machine
# that slows down or speeds up during a round favours neither side; what
# a ratio compares always runs side by side (B5 right next to B1).
for r in $(seq "$RUNS"); do
	if want B1 || want B5; then
		export BENCH_SQL=$POINT_SQL BENCH_IDS=10000-99999
		# A short warm-up: the first query of each process starts its worker.
		order=ayb
		want B5 && order="$order big"
		want B1 && order="$order hello static off"
		want B1 && [ -n "$DUCK" ] && order="$order duck"
		for s in $order; do
			case $s in
			ayb) wrk -t2 -c32 -d1s -s "$LUA" "$URL$QUERY" >/dev/null 2>&1 ;;
			duck) wrk -t2 -c32 -d1s -s "$LUA" "$URL$DUCK" >/dev/null 2>&1 ;;
			big | off) wrk -t2 -c32 -d1s -s "$LUA" "http://127.0.0.1:$(eval echo "\$PORT_$s")$QUERY" >/dev/null 2>&1 ;;
			esac
		done
		[ $((r % 2)) -eq 0 ] && order=$(echo "$order" | tr ' ' '\n' | tac | tr '\n' ' ')
		for s in $order; do point "$s"; done
		say "round $r: B1 $(tail -1 "$T/res/b1.ayb" | cut -d' ' -f1) req/s"
	fi
	if want B2; then
		if [ $((r % 2)) -eq 1 ]; then
			wrk_run "$T/res/b2.ayb" 32 "$URL/health" "$PID_ayb"
			wrk_run "$T/res/b2.hello" 32 "$FLOOR/hello/health" "$PID_floor"
		else
			wrk_run "$T/res/b2.hello" 32 "$FLOOR/hello/health" "$PID_floor"
			wrk_run "$T/res/b2.ayb" 32 "$URL/health" "$PID_ayb"
		fi
		say "round $r: B2 $(tail -1 "$T/res/b2.ayb" | cut -d' ' -f1) req/s"
	fi
	if want B3; then
		# One response of 100,000 rows x 4 columns, read to the end.
		out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' -H "$AUTH" \
			--data-binary 'SELECT * FROM t' "$URL$QUERY")
		read -r code size secs <<<"$out"
		[ "$code" = 200 ] && [ "$size" -gt 5000000 ] || bail "B3: status $code, $size bytes"
		echo "$secs" >>"$T/res/b3.ayb"
		seconds sqlite3 -json "$POINT_FILE" 'SELECT * FROM t' >>"$T/res/b3.floor"
		out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' -H "$AUTH" \
			--data-binary 'SELECT * FROM m' "$URL$QUERY")
		read -r code size secs <<<"$out"
		[ "$code" = 200 ] && [ "$size" -gt 5000000 ] || bail "B3 mixed: status $code, $size bytes"
		echo "$secs" >>"$T/res/b3m.ayb"
		seconds sqlite3 -json "$POINT_FILE" 'SELECT * FROM m' >>"$T/res/b3m.floor"
		say "round $r: B3 $(tail -1 "$T/res/b3.ayb") s, mixed $(tail -1 "$T/res/b3m.ayb") s"
		for tm in t:b3 m:b3m; do
			[ -n "$DUCK" ] || break
			out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
				-H "$AUTH" --data-binary "SELECT * FROM ${tm%%:*}" "$URL$DUCK")
			read -r code size secs <<<"$out"
			[ "$code" = 200 ] && [ "$size" -gt 5000000 ] ||
				bail "B3 DuckDB ${tm%%:*}: status $code, $size bytes"
			echo "$secs" >>"$T/res/${tm#*:}.duck"
		done
		[ -n "$DUCK" ] && say "round $r: B3 DuckDB $(tail -1 "$T/res/b3.duck") s, mixed $(tail -1 "$T/res/b3m.duck") s"
	fi
	if want B4; then
		export BENCH_SQL="INSERT INTO ins (v) VALUES ('one row of the insert benchmark')"
		unset BENCH_IDS
		wrk_run "$T/res/b4.ayb" 8 "$URL/v1/bench/ins.sqlite/query" "$PID_ayb" "$LUA"
		cp "$(readlink "$T/data/databases/bench/ins.sqlite/current")/ins.sqlite" "$T/floor-ins.sqlite"
		rm -f "$T"/floor-ins.sqlite-*
		"$INSERT_LOOP" "$T/floor-ins.sqlite" "$SECS" "$BENCH_SQL" >>"$T/res/b4.floor" ||
			bail "insert-loop failed"
		say "round $r: B4 $(tail -1 "$T/res/b4.ayb" | cut -d' ' -f1) req/s"
	fi
	if want B4-continuous; then
		export BENCH_SQL="INSERT INTO ins (v) VALUES ('one row of the insert benchmark')"
		unset BENCH_IDS
		for s in $([ $((r % 2)) -eq 1 ] && echo on off || echo off on); do
			if [ "$s" = on ]; then
				wrk_run "$T/res/b4c.on" 8 "$URL_cont/v1/bench/insc.sqlite/query" \
					"$PID_cont" "$LUA"
			else
				wrk_run "$T/res/b4c.off" 8 "$URL/v1/bench/ins.sqlite/query" "$PID_ayb" "$LUA"
			fi
		done
		say "round $r: B4-continuous on $(tail -1 "$T/res/b4c.on" | cut -d' ' -f1) req/s," \
			"off $(tail -1 "$T/res/b4c.off" | cut -d' ' -f1) req/s"
	fi
	if want B10; then
		# B1 and B4 on the PostgreSQL site, each side by side with the
		# same on the SQLite site, the order reversed every other round.
		export BENCH_SQL=$POINT_SQL BENCH_IDS=10000-99999
		for u in "$URL" "$PG_URL_SITE"; do
			wrk -t2 -c32 -d1s -s "$LUA" "$u$QUERY" >/dev/null 2>&1
		done
		for s in $([ $((r % 2)) -eq 1 ] && echo sqlite pg || echo pg sqlite); do
			if [ "$s" = pg ]; then
				wrk_run "$T/res/b10.b1.pg" 32 "$PG_URL_SITE$QUERY" "$PID_pg $PID_pgserver" "$LUA"
			else
				wrk_run "$T/res/b10.b1.sqlite" 32 "$URL$QUERY" "$PID_ayb" "$LUA"
			fi
		done
		export BENCH_SQL="INSERT INTO ins (v) VALUES ('one row of the insert benchmark')"
		unset BENCH_IDS
		for s in $([ $((r % 2)) -eq 1 ] && echo sqlite pg || echo pg sqlite); do
			if [ "$s" = pg ]; then
				wrk_run "$T/res/b10.b4.pg" 8 "$PG_URL_SITE/v1/bench/ins.sqlite/query" \
					"$PID_pg $PID_pgserver" "$LUA"
			else
				wrk_run "$T/res/b10.b4.sqlite" 8 "$URL/v1/bench/ins.sqlite/query" "$PID_ayb" "$LUA"
			fi
		done
		say "round $r: B10 B1 $(tail -1 "$T/res/b10.b1.pg" | cut -d' ' -f1) req/s," \
			"B4 $(tail -1 "$T/res/b10.b4.pg" | cut -d' ' -f1) req/s"
	fi
	if want B11; then
		# The point query on the owner itself, then through each front and
		# forwarded by "other", the order reversed every other round.  The
		# CPU per request counts every process on the way, PostgreSQL's too.
		export BENCH_SQL=$POINT_SQL BENCH_IDS=10000-99999
		order="direct front hop curl"
		[ $((r % 2)) -eq 0 ] && order="curl hop front direct"
		for s in $order; do
			case $s in
			direct) u=http://127.0.0.1:$PORT_owner pids="$PID_owner $PID_pgserver" ;;
			front) u=$FRONT_owner pids="$PID_front_owner $PID_owner $PID_pgserver" ;;
			hop) u=$FRONT_other pids="$PID_front_other $PID_other $PID_owner $PID_pgserver" ;;
			curl) u=http://127.0.0.1:$PORT_other pids="$PID_other $PID_owner $PID_pgserver" ;;
			esac
			wrk -t2 -c32 -d1s -s "$LUA" "$u$QUERY" >/dev/null 2>&1
			wrk_run "$T/res/b11.$s" 32 "$u$QUERY" "$pids" "$LUA"
		done
		say "round $r: B11 $(tail -1 "$T/res/b11.direct" | cut -d' ' -f1) req/s on the node," \
			"$(tail -1 "$T/res/b11.hop" | cut -d' ' -f1) req/s forwarded through the front"
	fi
	if want B9; then
		b9_rows=$(sqlite3 "$(readlink "$T/data/databases/bench/b9.sqlite/current")/b9.sqlite" \
			'SELECT count(*) FROM ins')
		# curl's own time of each request, without its start-up, which
		# one batch would otherwise pay a hundred times over.
		curl -sS -K "$T/b9.cfg" >"$T/b9.times" || bail "B9: 100 requests failed"
		awk '{ t += $1 } END { printf "%.6f\n", t }' "$T/b9.times" >>"$T/res/b9.single"
		curl -sS --fail -o /dev/null -w '%{time_total}\n' -H "$AUTH" \
			-H 'Content-Type: application/json' --data-binary @"$T/b9.batch" \
			"$URL/v1/bench/b9.sqlite/query" >>"$T/res/b9.batch" || bail "B9: the batch failed"
		[ "$(sqlite3 "$(readlink "$T/data/databases/bench/b9.sqlite/current")/b9.sqlite" \
			'SELECT count(*) FROM ins')" = $((b9_rows + 200)) ] || bail "B9: rows missing"
		say "round $r: B9 100 requests $(tail -1 "$T/res/b9.single") s, one batch $(tail -1 "$T/res/b9.batch") s"
	fi
done

# B3's memory: the peak resident size of the ayb-c server's FastCGI
# processes and of their query workers, after the big results went through.
# peak_mb PARENT_PIDS COMM: the largest VmHWM among their children named COMM.
peak_mb() {
	local best=0 pid kb
	for pid in $(for p in $1; do ps -o pid=,comm= --ppid "$p"; done | awk -v c="$2" '$2 == c { print $1 }'); do
		kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		[ -n "$kb" ] && [ "$kb" -gt "$best" ] && best=$kb
	done
	awk -v kb="$best" 'BEGIN { printf "%.1f", kb / 1024 }'
}
if want B3; then
	fcgi_pids=$(ps -o pid=,comm= --ppid "$PID_ayb" | awk '$2 == "ayb-api.fcgi" { print $1 }')
	B3_RSS_FCGI=$(peak_mb "$PID_ayb" ayb-api.fcgi)
	B3_RSS_WORKER=$(peak_mb "$fcgi_pids" ayb-query-worke)
	B3_RSS_DUCK=$(peak_mb "$fcgi_pids" ayb-duckdb-work)
fi

# ---- B6: a snapshot of a big database ------------------------------------------
if want B6; then
	say "B6: filling a ${SNAP_MB} MB database"
	s3_start
	{ cat "$CONF"; s3_config; } >"$T/ayb-snap.conf"
	# The test server takes single PUTs only, as ayb-snapshot sends.
	echo '    multipart_threshold = 5GB' >>"$T/aws.config"
	api POST /v1/bench/snap.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access'
	api POST /v1/bench/snap.sqlite/query -H "$AUTH" --data-binary \
		'CREATE TABLE t (id INTEGER PRIMARY KEY, noise BLOB, text TEXT)'
	[ "$STATUS" = 200 ] || bail "create snap: $STATUS $BODY"
	SNAP_FILE="$(readlink "$T/data/databases/bench/snap.sqlite/current")/snap.sqlite"
	# bench/snapshot_memory.sh's rows: 512 random bytes (which do not
	# compress) and 512 bytes of text (which do), about 1 KiB each.
	sqlite3 "$SNAP_FILE" "PRAGMA journal_mode=WAL; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT $((SNAP_MB * 1000)))
		INSERT INTO t (noise, text) SELECT randomblob(512), printf('%.512c', 'x') FROM n; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null ||
		bail "cannot fill the snapshot database"
	SNAP_SIZE=$(du -m "$SNAP_FILE" | cut -f1)
	# What ayb-snapshot does, with the standard tools: a consistent copy,
	# zstd level 3, one upload.
	snapshot_floor() {
		rm -f "$T/floor-snap.sqlite" "$T/floor-snap.zst"
		sqlite3 "$SNAP_FILE" "VACUUM INTO '$T/floor-snap.sqlite'" &&
			zstd -3 -q -f "$T/floor-snap.sqlite" -o "$T/floor-snap.zst" &&
			s3_aws s3 cp --only-show-errors "$T/floor-snap.zst" "s3://$S3_BUCKET/floor/snap.zst"
	}
	for r in $(seq "$RUNS"); do
		# An empty bucket each time, or the second snapshot of an
		# unchanged database would not be uploaded.
		rm -rf "${T:?}/s3/$S3_BUCKET"/*
		seconds "$SNAPSHOT" --config "$T/ayb-snap.conf" --database bench/snap.sqlite >>"$T/res/b6.ayb" ||
			bail "ayb-snapshot failed: $("$SNAPSHOT" --config "$T/ayb-snap.conf" --database bench/snap.sqlite 2>&1 | tail -3)"
		rm -rf "${T:?}/s3/$S3_BUCKET"/*
		seconds snapshot_floor >>"$T/res/b6.floor" || bail "the snapshot floor failed"
		say "round $r: B6 $(tail -1 "$T/res/b6.ayb") s, floor $(tail -1 "$T/res/b6.floor") s"
	done
	rm -f "$T/floor-snap.sqlite" "$T/floor-snap.zst"
	s3_stop
fi

# ---- B7: the first request of a fresh process (plain CGI) --------------------
# cgi_once URI [BODY]: runs ayb-api.fcgi once as a CGI program; prints its
# wall time in ms, or fails when the answer is not a 200.
cgi_once() {
	local t0 t1 body=${2:-} method=GET
	[ -n "$body" ] && method=POST
	printf '%s' "$body" >"$T/cgi.in"
	t0=$EPOCHREALTIME
	env -i PATH="$PATH" AYB_CONFIG="$CONF" REQUEST_METHOD="$method" REQUEST_URI="$1" \
		CONTENT_LENGTH="${#body}" HTTP_AUTHORIZATION="Bearer $TOKEN" GATEWAY_INTERFACE=CGI/1.1 \
		SERVER_PROTOCOL=HTTP/1.1 "$FCGI" <"$T/cgi.in" >"$T/cgi.out" 2>&1
	t1=$EPOCHREALTIME
	grep -q '^Status: 200' "$T/cgi.out" || { cat "$T/cgi.out" >&2; return 1; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
}
if want B7; then
	for r in $(seq $((RUNS * 5))); do
		cgi_once /health >>"$T/res/b7.health" || bail "CGI /health failed"
		cgi_once "$QUERY" 'SELECT * FROM t WHERE id = 54321' >>"$T/res/b7.query" ||
			bail "CGI query failed"
	done
fi

# ---- B8: many databases --------------------------------------------------------
# B8_ENTITIES users with B8_DATABASES public read-only databases each, 10 rows
# in each (the files written with sqlite3 beside the API's version
# directories), then point queries spread uniformly over all of them, 32
# connections, next to B1 in the same run.  While wrk runs, the whole
# server's processes are sampled: lighttpd's tree and the writers (which
# leave it): peak RSS and open descriptors.  Then the disk: bytes per idle
# database (the file and whatever lies beside it).
B8E=${B8_ENTITIES:-1000} B8D=${B8_DATABASES:-10}
# server_pids: lighttpd's tree and this run's writers.
server_pids() {
	local pids=$PID_ayb all=$PID_ayb kids
	while [ -n "$pids" ]; do
		kids=$(for p in $pids; do ps -o pid= --ppid "$p"; done)
		all="$all $kids"
		pids=$kids
	done
	echo $all $(ps -eo pid=,args= | awk -v d="$T/" '$2 == "ayb-query-worker" && index($3, d) == 1 { print $1 }')
}
# sample_server FILE: "RSS-MB FDS PROCS" lines, twice a second, until killed.
sample_server() {
	while :; do
		local rss=0 fds=0 n=0 p
		for p in $(server_pids | tr ' ' '\n' | sort -u); do
			[ -r "/proc/$p/status" ] || continue
			rss=$((rss + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
			fds=$((fds + $(ls "/proc/$p/fd" 2>/dev/null | wc -l)))
			n=$((n + 1))
		done
		echo "$((rss / 1024)) $fds $n" >>"$1"
		sleep 0.5
	done
}
if want B8; then
	say "B8: $B8E entities with $B8D databases each"
	for e in $(seq 1 "$B8E"); do
		tok=$(register_user "m$e" "m$e@example.org") || bail "cannot register m$e"
		for d in $(seq 1 "$B8D"); do
			[ "$d" = 1 ] || echo next
			printf 'url = "%s/v1/m%d/d%d.sqlite/create"\nrequest = "POST"\ndata = ""\n' "$URL" "$e" "$d"
			printf 'header = "Authorization: Bearer %s"\nheader = "db-type: sqlite"\n' "$tok"
			printf 'header = "public-sharing-level: read-only"\noutput = "/dev/null"\n'
		done >"$T/b8.curl"
		curl -sS -K "$T/b8.curl" || bail "B8: cannot create m$e's databases"
		for d in $(seq 1 "$B8D"); do
			f="$(readlink "$T/data/databases/m$e/d$d.sqlite/current")/d$d.sqlite"
			sqlite3 "$f" "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
				INSERT INTO t (v) VALUES ('a'),('b'),('c'),('d'),('e'),('f'),('g'),('h'),('i'),('j');" \
				>/dev/null || bail "B8: cannot fill $f"
		done
	done
	for r in $(seq 1 "$RUNS"); do
		export BENCH_SQL='SELECT * FROM t WHERE id = %d' BENCH_MANY="$B8E-$B8D"
		sample_server "$T/res/b8.samples" &
		sampler=$!
		wrk_run "$T/res/b8.ayb" 32 "$URL/" "$PID_ayb" "$LUA"
		kill "$sampler"
		wait "$sampler" 2>/dev/null
		unset BENCH_MANY
		say "round $r: B8 $(tail -1 "$T/res/b8.ayb" | cut -d' ' -f1) req/s"
	done
	B8_DISK=$(du -sb --apparent-size "$T/data/databases" | cut -f1)
	B8_BESIDE=$(find "$T/data/databases" -name '*-wal' -o -name '*-shm' | wc -l)
	# A database a live worker still has open is not idle: it may keep both.
	B8_LIVE=$(ps -eo args= | awk -v d="$T/" '$1 == "ayb-query-worker" && index($2, d) == 1' | wc -l)
fi

# ---- the table ---------------------------------------------------------------
# wrk_cell FILE [latency]: "N req/s, C µs CPU/req" (+ p50 and p99) of FILE.
wrk_cell() {
	printf '%s req/s, %s µs CPU/req' "$(fmt "$(col "$1" 1 | median)" '%.0f')" \
		"$(fmt "$(col "$1" 5 | median)" '%.0f')"
	[ -n "${2:-}" ] && printf ', p50 %s ms, p99 %s ms' "$(fmt "$(col "$1" 2 | median)" '%.2f')" \
		"$(fmt "$(col "$1" 3 | median)" '%.2f')"
	awk '{ e += $4 } END { if (e) printf ", **%d error answers**", e }' "$1"
}

# wrk_row NAME FILE FLOOR_FILE FLOOR_NAME TARGET [latency]: a throughput
# row; the ratio is ayb-c's requests/s over the floor's, and beside it the
# same from the CPU time per request (the floor's over ayb-c's).
wrk_row() {
	local r c
	r=$(ratios "$2" "$3" 1 | median)
	c=$(ratios "$3" "$2" 5 | median)
	row "$1" "$(wrk_cell "$2" "${6:-}")" "$4: $(wrk_cell "$3" "${6:-}")" \
		"$(fmt "$r" '%.2f') (CPU $(fmt "$c" '%.2f'))" "≥ $5" "$(verdict "$r" '>=' "$5")"
}

if want B1; then
	wrk_row "B1 point query, 100k rows, 32 conn." "$T/res/b1.ayb" "$T/res/b1.hello" hello-fcgi 0.7 latency
	r=$(ratios "$T/res/b1.ayb" "$T/res/b1.static" 1 | median)
	c=$(ratios "$T/res/b1.static" "$T/res/b1.ayb" 5 | median)
	row "B1 against a static file" "as above" "static file: $(wrk_cell "$T/res/b1.static" latency)" \
		"$(fmt "$r" '%.2f') (CPU $(fmt "$c" '%.2f'))" "report" "-"
	r=$(ratios "$T/res/b1.off" "$T/res/b1.hello" 1 | median)
	c=$(ratios "$T/res/b1.hello" "$T/res/b1.off" 5 | median)
	row "B1 with isolation off" "$(wrk_cell "$T/res/b1.off" latency)" "hello-fcgi, as above" \
		"$(fmt "$r" '%.2f') (CPU $(fmt "$c" '%.2f'))" "report" "-"
fi
if want B1 && [ -n "$DUCK" ]; then
	r=$(ratios "$T/res/b1.duck" "$T/res/b1.hello" 1 | median)
	c=$(ratios "$T/res/b1.hello" "$T/res/b1.duck" 5 | median)
	s=$(ratios "$T/res/b1.duck" "$T/res/b1.ayb" 1 | median)
	row "B1 on a DuckDB database (same table; $(fmt "$s" '%.2f')x SQLite's req/s)" \
		"$(wrk_cell "$T/res/b1.duck" latency)" "hello-fcgi, as above" \
		"$(fmt "$r" '%.2f') (CPU $(fmt "$c" '%.2f'))" "report" "-"
fi
if want B2; then
	wrk_row "B2 GET /health, 32 conn." "$T/res/b2.ayb" "$T/res/b2.hello" hello-fcgi 0.95
fi
if want B3; then
	a=$(median <"$T/res/b3.ayb") f=$(median <"$T/res/b3.floor")
	ratio=$(ratios "$T/res/b3.ayb" "$T/res/b3.floor" 1 | median)
	row "B3 100k rows x 4 columns (TEXT, INTEGER), one response" "$(fmt "$a" '%.3f') s" \
		"sqlite3 -json $(fmt "$f" '%.3f') s" "$(fmt "$ratio" '%.2f')x" "≤ 1.2x" \
		"$(verdict "$ratio" '<=' 1.2)"
	a=$(median <"$T/res/b3m.ayb") f=$(median <"$T/res/b3m.floor")
	ratio=$(ratios "$T/res/b3m.ayb" "$T/res/b3m.floor" 1 | median)
	row "B3 100k rows of REAL, INTEGER, unicode TEXT, BLOB, a third NULL" "$(fmt "$a" '%.3f') s" \
		"sqlite3 -json $(fmt "$f" '%.3f') s" "$(fmt "$ratio" '%.2f')x" "≤ 1.5x" \
		"$(verdict "$ratio" '<=' 1.5)"
	for tm in b3:"100k rows x 4 columns" b3m:"100k rows of DOUBLE, BIGINT, unicode TEXT, BLOB"; do
		[ -n "$DUCK" ] || break
		k=${tm%%:*}
		a=$(median <"$T/res/$k.duck") f=$(median <"$T/res/$k.floor")
		ratio=$(ratios "$T/res/$k.duck" "$T/res/$k.floor" 1 | median)
		s=$(ratios "$T/res/$k.duck" "$T/res/$k.ayb" 1 | median)
		row "B3 on a DuckDB database: ${tm#*:} ($(fmt "$s" '%.2f')x SQLite's time)" \
			"$(fmt "$a" '%.3f') s" "sqlite3 -json of the SQLite table $(fmt "$f" '%.3f') s" \
			"$(fmt "$ratio" '%.2f')x" "report" "-"
	done
	[ -n "$DUCK" ] && row "B3 on a DuckDB database: peak RSS" \
		"ayb-duckdb-worker $B3_RSS_DUCK MB (DuckDB's memory_limit: 128 MiB)" "-" "-" "report" "-"
	rss=$(awk -v a="$B3_RSS_FCGI" -v b="$B3_RSS_WORKER" 'BEGIN { print (a + 0 > b + 0 ? a : b) }')
	row "B3 peak RSS" "ayb-api.fcgi $B3_RSS_FCGI MB, ayb-query-worker $B3_RSS_WORKER MB" "-" "-" "< 32 MB" \
		"$(verdict "$rss" '<=' 32)"
fi
if want B4; then
	a=$(col "$T/res/b4.ayb" 1 | median) f=$(median <"$T/res/b4.floor")
	r=$(ratios "$T/res/b4.ayb" "$T/res/b4.floor" 1 | median)
	row "B4 one-row INSERT, synchronous=FULL, 8 conn." "$(wrk_cell "$T/res/b4.ayb" latency)" \
		"insert-loop: $(fmt "$f" '%.0f') inserts/s" "$(fmt "$r" '%.2f')" "≥ 1.0" "$(verdict "$r" '>=' 1.0)"
fi
if want B4-continuous; then
	# The server's CPU leaves out the writer and the shipper, which run
	# outside lighttpd's tree: the ratio is throughput's.
	r=$(ratios "$T/res/b4c.on" "$T/res/b4c.off" 1 | median)
	row "B4-continuous one-row INSERT, shipping on, 8 conn." \
		"$(wrk_cell "$T/res/b4c.on" latency)" "shipping off: $(wrk_cell "$T/res/b4c.off" latency)" \
		"$(fmt "$r" '%.2f')" "≥ 0.8" "$(verdict "$r" '>=' 0.8)"
fi
if want B5; then
	wrk_row "B5 point query, 100,010 entities and tokens" "$T/res/b5.ayb" "$T/res/b1.ayb" \
		"B1 (10 entities)" 0.9
fi
if want B6; then
	a=$(median <"$T/res/b6.ayb") f=$(median <"$T/res/b6.floor")
	ratio=$(ratios "$T/res/b6.ayb" "$T/res/b6.floor" 1 | median)
	row "B6 snapshot of a $SNAP_SIZE MB database to S3" "ayb-snapshot $(fmt "$a" '%.2f') s" \
		"VACUUM INTO + zstd -3 + aws s3 cp $(fmt "$f" '%.2f') s" "$(fmt "$ratio" '%.2f')x" "≤ 1.2x" \
		"$(verdict "$ratio" '<=' 1.2)"
fi
if want B7; then
	h=$(median <"$T/res/b7.health") q=$(median <"$T/res/b7.query")
	row "B7 first request, plain CGI: GET /health" "$(fmt "$h" '%.1f') ms" "-" "-" "< 20 ms" "$(verdict "$h" '<=' 20)"
	row "B7 first request, plain CGI: point query" "$(fmt "$q" '%.1f') ms" "-" "-" "< 20 ms" "$(verdict "$q" '<=' 20)"
fi
if want B8; then
	if want B1; then
		wrk_row "B8 point queries over $((B8E * B8D)) databases of $B8E entities, 32 conn." \
			"$T/res/b8.ayb" "$T/res/b1.ayb" "B1 (one database)" 0.5 latency
	else
		row "B8 point queries over $((B8E * B8D)) databases of $B8E entities, 32 conn." \
			"$(wrk_cell "$T/res/b8.ayb" latency)" "-" "-" "≥ 0.5 of B1" "(run with B1)"
	fi
	peak=$(sort -n "$T/res/b8.samples" | tail -1)
	row "B8 server tree at its peak (lighttpd, FastCGI, workers, writers)" \
		"RSS $(echo "$peak" | cut -d' ' -f1) MB, $(echo "$peak" | cut -d' ' -f2) fds, $(echo "$peak" | cut -d' ' -f3) processes" \
		"-" "-" "< 512 MB" "$(verdict "$(echo "$peak" | cut -d' ' -f1)" '<=' 512)"
	row "B8 on disk per database after the run (file, -wal, -shm, writer files)" \
		"$((B8_DISK / (B8E * B8D + 2))) bytes with its directories; $B8_BESIDE -wal/-shm left, $B8_LIVE workers alive" \
		"4096-byte file" "-" "none beside an idle database" \
		"$(verdict "$B8_BESIDE" '<=' $((2 * B8_LIVE)))"
fi
if want B10; then
	for b in b1 b4; do
		r=$(ratios "$T/res/b10.$b.pg" "$T/res/b10.$b.sqlite" 1 | median)
		c=$(ratios "$T/res/b10.$b.sqlite" "$T/res/b10.$b.pg" 5 | median)
		name="B10 B1 point query, metadata in PostgreSQL"
		[ $b = b4 ] && name="B10 B4 one-row INSERT, metadata in PostgreSQL"
		row "$name" "$(wrk_cell "$T/res/b10.$b.pg" latency)" \
			"SQLite metadata: $(wrk_cell "$T/res/b10.$b.sqlite" latency)" \
			"$(fmt "$r" '%.2f') (CPU $(fmt "$c" '%.2f'))" "report" "-"
	done
fi
if want B11; then
	for s in front:"through the nginx front, landing on its node" \
		hop:"through the front, forwarded by X-Accel-Redirect (one hop)" \
		curl:"reaching another node, forwarded by it with libcurl"; do
		k=${s%%:*}
		r=$(ratios "$T/res/b11.$k" "$T/res/b11.direct" 1 | median)
		c=$(ratios "$T/res/b11.direct" "$T/res/b11.$k" 5 | median)
		row "B11 B1 on several machines: ${s#*:}" "$(wrk_cell "$T/res/b11.$k" latency)" \
			"the node itself: $(wrk_cell "$T/res/b11.direct" latency)" \
			"$(fmt "$r" '%.2f') (CPU $(fmt "$c" '%.2f'))" "report" "-"
	done
fi
if want B9; then
	a=$(median <"$T/res/b9.batch") f=$(median <"$T/res/b9.single")
	r=$(ratios "$T/res/b9.single" "$T/res/b9.batch" 1 | median)
	row "B9 100 one-row INSERTs: one batch request against 100 requests (one connection)" \
		"batch $(fmt "$a" '%.4f') s, $(fmt "$(awk -v a="$a" 'BEGIN { print a * 1e4 }')" '%.0f') µs/row" \
		"100 requests $(fmt "$f" '%.4f') s, $(fmt "$(awk -v f="$f" 'BEGIN { print f * 1e4 }')" '%.0f') µs/row" \
		"$(fmt "$r" '%.1f')x fewer s/row" "≥ 20x" "$(verdict "$r" '>=' 20)"
fi

{
	echo "ayb-c $(git -C "$here" describe --always --dirty 2>/dev/null || echo '(no git)'), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), load average $LOAD0 at the start"
	echo "bench/run.sh -r $RUNS -d $SECS -s $SNAP_MB: medians of $RUNS rounds; each ratio is the median of the per-round ratios"
	echo
	echo "| benchmark | ayb-c | floor | ratio | target | result |"
	echo "|---|---|---|---|---|---|"
	cat "$ROWS"
} >"$T/report.md"
cat "$T/report.md"
[ -n "$REPORT" ] && cp "$T/report.md" "$REPORT"
exit 0
