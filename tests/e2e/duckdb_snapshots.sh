#!/bin/sh
# DuckDB databases in snapshots and forks (README "DuckDB databases"):
# ayb-snapshot copies one with ATTACH ... (READ_ONLY) and COPY FROM DATABASE
# in a worker, checks the copy, stores it zstd-compressed under ayb's key
# layout beside a SQLite database's in the same pass, uploads an unchanged
# database once; restore swaps the version atomically; a fork is a DuckDB
# database of its own.  Skipped in a build without libduckdb.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3.sh"

has_duckdb || { echo "1..0 # SKIP built without DuckDB"; exit 0; }

SNAP=$top_builddir/cron/ayb-snapshot
HEX64='[0-9a-f]\{64\}'
s3_start
e2e_setup "$(s3_config 'interval = "1h"' 'max_snapshots = 3')"
e2e_start_server
export AYB_SERVER_URL=$URL

A=$(register_user e2e-duck a@example.org) || bail "register"
B=$(register_user e2e-other b@example.org) || bail "register B"
AA="Authorization: Bearer $A"
DB=/v1/e2e-duck/test.duckdb
DBDIR=$T/data/databases/e2e-duck/test.duckdb
PREFIX=bucket/sqlite/e2e-duck/test.duckdb/
q() { api POST $DB/query -H "$AA" --data-binary "$1"; }
count() { q 'SELECT count(*) FROM t'; printf '%s' "$BODY" | sed 's/.*\[\["\([0-9]*\)"\]\].*/\1/'; }
snap() {
	OUT=$("$SNAP" --config "$T/ayb.conf" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}
uploaded() {
	printf '%s\n' "$OUT" | sed -n "s/^Uploading new snapshot with hash \($HEX64\)\.\$/\1/p" | tail -1
}

api POST $DB/create -d '' -H "$AA" -H 'db-type: duckdb' -H 'public-sharing-level: fork'
q 'CREATE TABLE t(n INTEGER, note VARCHAR, d DATE)'
q "INSERT INTO t VALUES (1, 'one', DATE '2024-01-01')"
api POST /v1/e2e-duck/lite.sqlite/create -d '' -H "$AA" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
api POST /v1/e2e-duck/lite.sqlite/query -H "$AA" --data-binary 'CREATE TABLE s(x)'

# ---- one pass, both kinds -------------------------------------------------------------------
snap
is "$RC|$ERR" "0|" "ayb-snapshot: one pass over a DuckDB and a SQLite database"
like "$OUT" "2 uploaded, 0 unchanged" "both uploaded"
ID1=$(printf '%s\n' "$OUT" | grep -A3 'test.duckdb' | sed -n "s/^Uploading new snapshot with hash \($HEX64\)\.\$/\1/p")
[ -n "$ID1" ]; ok $? "the DuckDB database's snapshot id"
is "$(s3_keys "$PREFIX")" "$PREFIX$ID1" "under ayb's key layout"
s3_aws s3 cp --only-show-errors "s3://$S3_BUCKET/$PREFIX$ID1" "$T/snap.zst"
zstd -q -d -f "$T/snap.zst" -o "$T/snap.duckdb"
ok $? "zstd -d decompresses it"
is "$(dd if="$T/snap.duckdb" bs=1 skip=8 count=4 2>/dev/null)" DUCK "a DuckDB file"
is "$(b2sum -l 256 "$T/snap.duckdb" | cut -d' ' -f1)" "$ID1" "the id is the BLAKE2b-256 of the file"

snap --database e2e-duck/test.duckdb
like "$OUT" "Snapshot with hash $ID1 already exists, not uploading again." "unchanged: not uploaded again"

q "INSERT INTO t VALUES (2, 'two', DATE '2024-01-02')"
snap --database e2e-duck/test.duckdb
ID2=$(uploaded)
[ -n "$ID2" ] && [ "$ID2" != "$ID1" ]; ok $? "a change makes a new snapshot"
is "$(count)" 2 "two rows now"

# ---- restore ----------------------------------------------------------------------------------
before=$(readlink "$DBDIR/current")
api POST $DB/restore_snapshot -H "$AA" -d "$ID1"
is "$STATUS $BODY" "200 {}" "restore the first snapshot"
after=$(readlink "$DBDIR/current")
[ "$before" != "$after" ]; ok $? "current points at a new version"
is "$(count)" 1 "the restored database has the snapshot's rows"
q "SELECT note, d FROM t"
is "$BODY" '{"fields":["note","d"],"rows":[["one","2024-01-01"]]}' "and its values"
"$AYB" client --token "$A" restore_snapshot e2e-duck/test.duckdb "$ID2" >"$T/out" 2>&1
is "$?|$(cat "$T/out")" "0|Restored e2e-duck/test.duckdb to snapshot $ID2" "ayb client restore_snapshot"
is "$(count)" 2 "restored to the second"

# A SQLite snapshot is not restored into a DuckDB database's place as-is:
# its check runs as SQLite, the engine its file says, and the database's
# queries then fail clearly rather than read another kind's file.

# ---- fork ---------------------------------------------------------------------------------------
api POST $DB/fork -d '' -H "Authorization: Bearer $B" -H 'fork-to: e2e-other/mine.duckdb'
is "$STATUS $BODY" '201 {"entity":"e2e-other","database":"mine.duckdb","database_type":"duckdb","forked_from":"e2e-duck/test.duckdb"}' \
	"fork a DuckDB database"
api POST /v1/e2e-other/mine.duckdb/query -H "Authorization: Bearer $B" --data-binary "INSERT INTO t VALUES (3, 'three', NULL)"
is "$STATUS $BODY" '200 {"fields":["Count"],"rows":[["1"]]}' "the fork takes writes"
api POST /v1/e2e-other/mine.duckdb/query -H "Authorization: Bearer $B" --data-binary 'SELECT count(*) FROM t'
is "$BODY" '{"fields":["count_star()"],"rows":[["3"]]}' "the fork has the rows and its own"
is "$(count)" 2 "the source is untouched"
api GET /v1/e2e-other/mine.duckdb/details -H "Authorization: Bearer $B"
like "$BODY" '"database_type":"duckdb"' "the fork is a DuckDB database"
is "$(stat -c %a "$(readlink -f "$T/data/databases/e2e-other/mine.duckdb/current")/mine.duckdb")" 600 \
	"the fork's file is owner-only"

# ---- export and import ------------------------------------------------------------------
curl -sS -o "$T/export.duckdb" -w '%{http_code}' -H "$AA" "$URL$DB/export" >"$T/code"
is "$(cat "$T/code")" 200 "export a DuckDB database"
is "$(dd if="$T/export.duckdb" bs=1 skip=8 count=4 2>/dev/null)" DUCK "as its DuckDB file"
api GET "$DB/export?format=sql" -H "$AA"
is "$STATUS" 400 "no SQL export of a DuckDB database"
like "$BODY" "not as SQL" "says why"
q "INSERT INTO t VALUES (9, 'nine', NULL)"
api POST $DB/import -H "$AA" -H "Content-Type: application/octet-stream" --data-binary @"$T/export.duckdb"
is "$STATUS" 200 "import the exported file"
is "$(count)" 2 "the database is the exported one again"
api POST /v1/e2e-duck/lite.sqlite/query -H "$AA" --data-binary 'INSERT INTO s VALUES (1)'
lite="$(readlink -f "$T/data/databases/e2e-duck/lite.sqlite/current")/lite.sqlite"
api POST $DB/import -H "$AA" -H "Content-Type: application/octet-stream" --data-binary @"$lite"
is "$STATUS" 400 "an SQLite file is refused by a DuckDB database"
like "$BODY" "not a DuckDB database" "says why"
api POST /v1/e2e-duck/lite.sqlite/import -H "$AA" -H "Content-Type: application/octet-stream" --data-binary @"$T/export.duckdb"
is "$STATUS" 400 "a DuckDB file is refused by a SQLite database"
is "$(count)" 2 "nothing changed"

tap_done
