#!/bin/sh
# What browsing a big table costs (README "Explore"): one public table of
# ROWS rows (default 1,000,000) behind lighttpd and ayb-api.fcgi, and the
# time of single requests: the schema (its count bounded), the first page,
# a page deep in the table through its cursor (keyset: as cheap as the
# first), the same depth by position for comparison (sqlite3 OFFSET on the
# file), a sort on an unindexed column (a full scan per page: what a reader
# can make the server do, bounded by the query time limit), a filter, and
# the CSV download of a filtered view.
#
#   bench/explore.sh [ROWS]
#
# Needs a built tree (top_builddir, default: this checkout).  Each figure is
# the median of 5 requests, in milliseconds.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$here}"
: "${top_srcdir:=$here}"
export top_builddir top_srcdir
ROWS=${1:-1000000}

. "$top_srcdir/tests/e2e/lib.sh"

e2e_setup
e2e_start_server
TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
api POST /v1/alice/big.sqlite/create -d '' -H "Authorization: Bearer $TOKEN" \
	-H 'db-type: sqlite' -H 'public-sharing-level: read-only'
FILE=$T/data/databases/alice/big.sqlite/current/big.sqlite
sqlite3 "$FILE" "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, s TEXT);
INSERT INTO t(k, s) WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c
WHERE i < $ROWS) SELECT (i * 7919) % 100003, 'row ' || i FROM c;"

# ms PATH: the median wall time of 5 anonymous GETs, in ms.
ms() {
	for _i in 1 2 3 4 5; do
		curl -s -o /dev/null -w '%{time_total}\n' "$URL$1"
	done | sort -n | sed -n 3p | awk '{ printf "%.1f", $1 * 1000 }'
}
deep=$((ROWS - 100))
printf '| request (%s rows) | median ms |\n|---|---|\n' "$ROWS"
printf '| schema (count capped at 100,000) | %s |\n' "$(ms /v1/alice/big.sqlite/schema)"
printf '| first page, 50 rows | %s |\n' "$(ms /v1/alice/big.sqlite/table/t)"
printf '| page after row %s (keyset) | %s |\n' "$deep" "$(ms "/v1/alice/big.sqlite/table/t?_after=$deep")"
t0=$(date +%s%N)
sqlite3 "$FILE" "SELECT * FROM t ORDER BY id LIMIT 51 OFFSET $deep" >/dev/null
printf '| the same page by OFFSET, sqlite3 on the file | %s |\n' \
	"$(awk -v d=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')"
printf '| sorted by an unindexed column, first page | %s |\n' \
	"$(ms '/v1/alice/big.sqlite/table/t?_sort=k')"
printf '| sorted by it, page after row 500000 | %s |\n' \
	"$(ms '/v1/alice/big.sqlite/table/t?_sort=k&_after=500000')"
printf '| filter k__lt=10 (a scan) | %s |\n' "$(ms '/v1/alice/big.sqlite/table/t?k__lt=10')"
printf '| CSV download of k__lt=1000 (about %s rows) | %s |\n' "$((ROWS / 100))" \
	"$(ms '/alice/big.sqlite/table/t?k__lt=1000&_format=csv')"
