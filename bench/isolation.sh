#!/bin/sh
# What isolation costs: throughput of a point query through lighttpd and
# ayb-api.fcgi (`ayb server`) with isolation off, with the pool of
# per-database workers (isolation.mode = "pool", the default) and with a
# fresh forked worker per query (isolation.mode = "fork"), all in one run,
# the variants interleaved round by round so drifts in a shared machine's
# speed hit them alike.  /health (FastCGI, no database) is the floor.
#
#   bench/isolation.sh [ROUNDS [SECONDS [CONNECTIONS]]]    default 3 5 16
#
# Needs wrk and a built tree (top_builddir, default: this checkout).  Prints
# one table: median requests/s per variant and its cost against "off".
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$here}"
: "${top_srcdir:=$here}"
export top_builddir top_srcdir
ROUNDS=${1:-3}
SECS=${2:-5}
CONNS=${3:-16}
command -v wrk >/dev/null || { echo "bench: wrk not found (apt-get install wrk)" >&2; exit 1; }

. "$top_srcdir/tests/e2e/lib.sh"

# serve MODE: (re)starts `ayb server` with isolation off, pool or fork.
serve() {
	e2e_stop_server
	case $1 in
	off) e2e_setup 'isolation { enabled = false }' ;;
	*) e2e_setup "isolation { mode = \"$1\" }" ;;
	esac
	e2e_start_server
}

# rate URL [LUA]: requests/s of one wrk run.
rate() {
	if [ -n "${2:-}" ]; then
		wrk -t2 -c"$CONNS" -d"${SECS}s" -s "$2" "$1"
	else
		wrk -t2 -c"$CONNS" -d"${SECS}s" "$1"
	fi | awk '/^Requests\/sec:/ { printf "%d\n", $2 }'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

serve off
TOKEN=$(register_user bench bench@example.org) || bail "cannot register"
AUTH="Authorization: Bearer $TOKEN"
api POST /v1/bench/point.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access'
[ "$STATUS" = 201 ] || bail "create: $STATUS $BODY"
api POST /v1/bench/point.sqlite/query -H "$AUTH" \
	--data-binary 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)'
api POST /v1/bench/point.sqlite/query -H "$AUTH" --data-binary \
	"INSERT INTO t (name, score) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) SELECT 'name-' || i, i / 7.0 FROM n"
[ "$STATUS" = 200 ] || bail "fill: $STATUS $BODY"

LUA=$T/point.lua
cat >"$LUA" <<LUA
wrk.method = "POST"
wrk.body = "SELECT id, name, score FROM t WHERE id = 4242"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

echo "# $ROUNDS rounds of ${SECS}s, wrk -t2 -c$CONNS, $(nproc) CPUs, kernel $(uname -r)" >&2
for r in $(seq "$ROUNDS"); do
	for mode in off pool fork; do
		serve "$mode"
		api POST /v1/bench/point.sqlite/query -H "$AUTH" \
			--data-binary 'SELECT id, name, score FROM t WHERE id = 4242'
		[ "$STATUS" = 200 ] || bail "$mode: $STATUS $BODY"
		wrk -t2 -c"$CONNS" -d1s -s "$LUA" "$URL/v1/bench/point.sqlite/query" >/dev/null
		q=$(rate "$URL/v1/bench/point.sqlite/query" "$LUA")
		echo "$q" >>"$T/query.$mode"
		if [ "$mode" = off ]; then
			rate "$URL/health" >>"$T/health"
		fi
		echo "# round $r $mode: $q req/s" >&2
	done
done
e2e_stop_server

off=$(median <"$T/query.off")
printf '\n%-34s %12s %10s   %s\n' "variant" "median req/s" "vs off" "runs"
printf '%-34s %12s %10s   %s\n' "/health (FastCGI floor, no query)" "$(median <"$T/health")" "" \
	"$(tr '\n' ' ' <"$T/health")"
for mode in off pool fork; do
	m=$(median <"$T/query.$mode")
	printf '%-34s %12s %9s%%   %s\n' "point query, isolation $mode" "$m" \
		"$(awk -v a="$m" -v b="$off" 'BEGIN { printf "%+.1f", b ? (a - b) * 100 / b : 0 }')" \
		"$(tr '\n' ' ' <"$T/query.$mode")"
done
