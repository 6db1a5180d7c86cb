#!/bin/sh
# Peak memory of a snapshot and of a restore, by database size: shows that
# both stream (the peak stays flat while the database grows tenfold).
#
#   bench/snapshot_memory.sh [SIZE_MB...]     (default: 20 200)
#
# Run from a configured build tree (or set top_builddir).  For each size it
# fills a hosted database with half random, half repetitive rows, then
# measures with /usr/bin/time -v:
#   - `ayb-snapshot --database` (VACUUM INTO, integrity check, hash, zstd,
#     upload to the loopback S3 test server);
#   - a restore_snapshot request served by ayb-api.fcgi as plain CGI
#     (download, zstd -d, integrity check, swap).
# Needs what tests/e2e/snapshots.sh needs (node, sqlite3, lighttpd) and
# /usr/bin/time (Debian package `time`).  Not part of `make check`.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
export top_builddir top_srcdir
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/s3.sh"

[ -x /usr/bin/time ] || bail "/usr/bin/time is missing (apt-get install time)"
SNAP=$top_builddir/cron/ayb-snapshot
SIZES=${*:-20 200}

s3_start
e2e_setup "$(s3_config 'interval = "1h"' 'max_snapshots = 3')"
e2e_start_server
TOKEN=$(register_user bench bench@example.org) || bail "cannot register"

# peak FILE: "Maximum resident set size" of a /usr/bin/time -v report, in MiB.
peak() {
	awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"
}
elapsed() {
	sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1"
}

printf '%-8s %-12s %-14s %-10s %-14s %-10s\n' "size" "compressed" "snapshot RSS" "time" "restore RSS" "time"
for mb in $SIZES; do
	db=db$mb.sqlite
	api POST "/v1/bench/$db/create" -d '' -H "Authorization: Bearer $TOKEN" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access'
	api POST "/v1/bench/$db/query" -H "Authorization: Bearer $TOKEN" --data-binary \
		'CREATE TABLE t(id INTEGER PRIMARY KEY, noise BLOB, text TEXT)'
	file="$(readlink "$T/data/databases/bench/$db/current")/$db"
	# Each row: 512 random bytes and 512 bytes of repeated text, about 1 KiB.
	sqlite3 "$file" "PRAGMA journal_mode=WAL; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT $((mb * 1000)))
		INSERT INTO t(noise, text) SELECT randomblob(512), printf('%.512c', 'x') FROM n;" >/dev/null
	size=$(du -m "$file" | cut -f1)

	/usr/bin/time -v -o "$T/snap.time" "$SNAP" --config "$T/ayb.conf" --database "bench/$db" >"$T/snap.out" 2>&1 ||
		{ cat "$T/snap.out"; bail "snapshot failed"; }
	id=$(sed -n 's/^Uploading new snapshot with hash \([0-9a-f]*\)\.$/\1/p' "$T/snap.out")
	compressed=$(du -m "$T/s3/bucket/"*.data | sort -n | tail -1 | cut -f1)

	printf '%s' "$id" >"$T/id"
	env -i PATH="$PATH" AYB_CONFIG="$T/ayb.conf" REQUEST_METHOD=POST \
		REQUEST_URI="/v1/bench/$db/restore_snapshot" CONTENT_LENGTH=64 \
		HTTP_AUTHORIZATION="Bearer $TOKEN" GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
		/usr/bin/time -v -o "$T/restore.time" "$FCGI" <"$T/id" >"$T/restore.out" 2>&1
	grep -q '^{}' "$T/restore.out" || { cat "$T/restore.out"; bail "restore failed"; }

	printf '%-8s %-12s %-14s %-10s %-14s %-10s\n' "${size} MB" "${compressed} MB" \
		"$(peak "$T/snap.time") MiB" "$(elapsed "$T/snap.time")" \
		"$(peak "$T/restore.time") MiB" "$(elapsed "$T/restore.time")"
	rm -f "$T"/s3/bucket/*.data
done
