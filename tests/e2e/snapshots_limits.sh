#!/bin/sh
# A hostile database against snapshots (README "Isolation"): an expression
# index whose every evaluation compares about 20 GB of bytes makes PRAGMA
# integrity_check, which evaluates it for each row, run for many seconds.
# The check (and VACUUM INTO) run in a sandboxed worker under the query
# limits (here a 1 s timeout): restoring a snapshot of it through the API
# ends with the limit's error and the live database untouched, and an
# ayb-snapshot pass stops that database at the limit and still snapshots
# another one.  A database over max_file_size_mb (adopted, or the limit
# lowered since) is still snapshotted and restored whole.  Against the S3
# server snapshots.sh uses.
# e2e-pg: the metadata store plays no part in a worker's limits (snapshots.sh has its twin)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3.sh"

SNAP=$top_builddir/cron/ayb-snapshot
HEX64='[0-9a-f]\{64\}'
LIMIT='Query timed out: it ran longer than 1000 ms (the server'"'"'s limit)'

s3_start
e2e_setup "$(s3_config 'interval = "1h"' 'max_snapshots = 3')
isolation {
  query_timeout_ms = 1000
  max_file_size_mb = 1
}"
e2e_start_server

sql() {
	api POST "/v1/alice/$1/query" -H "Authorization: Bearer $ALICE" --data-binary "$2"
}
snap() {
	OUT=$("$SNAP" --config "$T/ayb.conf" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}

# hostile FILE: 16 rows x and an index on instr(printf('%.*c', 1000000,
# 'a'), x), each x twenty thousand 'a's and a 'b', so that every evaluation
# slides x along a megabyte of 'a's (about 0.4 s of CPU, the rows together
# several seconds).  A tenant builds it with one INSERT per row, each well
# within the query timeout; sqlite3 builds it here at once, making the
# index with a cheap expression of the same values (no x is found in either
# string: 0 for every row) and then giving it the costly one in the schema,
# which is what a check evaluates.
hostile() {
	sqlite3 "$1" <<'SQL'
CREATE TABLE t(x TEXT);
WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 16)
INSERT INTO t SELECT printf('%.*c', 20000 + n, 'a') || 'b' FROM c;
CREATE INDEX costly ON t(instr(printf('%.*c', 1, 'a'), x));
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = 'CREATE INDEX costly ON t(instr(printf(''%.*c'', 1000000, ''a''), x))'
	WHERE name = 'costly';
SQL
}
hostile "$T/hostile.sqlite" || bail "cannot build the hostile database"
is "$(sqlite3 -readonly "$T/hostile.sqlite" 'PRAGMA quick_check')" ok \
	"the hostile database is a sound file (quick_check evaluates no index)"

ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"

# ---- (a) restoring a snapshot of it ---------------------------------------------------------
api POST /v1/alice/test.sqlite/create -H "Authorization: Bearer $ALICE" \
	-H 'db-type: sqlite' -H 'public-sharing-level: no-access' -d ''
is "$STATUS" 201 "create alice/test.sqlite"
sql test.sqlite 'CREATE TABLE kept(n)'
sql test.sqlite 'INSERT INTO kept VALUES (1), (2)'
DBDIR=$T/data/databases/alice/test.sqlite
before=$(readlink "$DBDIR/current")
ID=$(b2sum -l 256 "$T/hostile.sqlite" | cut -d' ' -f1)
zstd -q -f "$T/hostile.sqlite" -o "$T/hostile.zst"
s3_aws s3 cp --only-show-errors "$T/hostile.zst" "s3://$S3_BUCKET/bucket/sqlite/alice/test.sqlite/$ID"
ok $? "a snapshot of the hostile database is in S3"
api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" -d "$ID"
is "$STATUS $BODY" "400 {\"type\":\"Other\",\"message\":\"Snapshot $ID was not restored: its integrity check stopped: $LIMIT\"}" \
	"restoring it ends at the query timeout, and says so"
is "$(readlink "$DBDIR/current")" "$before" "nothing was swapped"
is "$(ls "$DBDIR" | grep -vc '^current$')" 1 "no version directory is left behind"
sql test.sqlite 'SELECT count(*) FROM kept'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["2"]]}' "the live database keeps its rows"
api GET /health
is "$STATUS" 200 "the server answers"

# ---- (b) an ayb-snapshot pass over it and another database ---------------------------------
api POST /v1/alice/hostile.sqlite/create -H "Authorization: Bearer $ALICE" \
	-H 'db-type: sqlite' -H 'public-sharing-level: no-access' -d ''
is "$STATUS" 201 "create alice/hostile.sqlite"
cp "$T/hostile.sqlite" "$(readlink -f "$T/data/databases/alice/hostile.sqlite/current")/hostile.sqlite"
sql hostile.sqlite 'SELECT count(*) FROM t'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["16"]]}' "it holds the hostile file"
snap
is "$RC" 1 "the pass fails"
like "$ERR" "Unable to snapshot database alice/hostile.sqlite: Snapshot failed: its integrity check stopped: $LIMIT" \
	"the hostile database stops at the query timeout"
like "$OUT" "1 uploaded, 0 unchanged, 0 not due, 0 busy, 0 skipped, 1 failed" \
	"the pass summary counts it failed, and the other database uploaded"
printf '%s\n' "$OUT" | grep -q "^Uploading new snapshot with hash $HEX64\.\$"
ok $? "test.sqlite was snapshotted in the same pass"
is "$(s3_keys bucket/sqlite/alice/hostile.sqlite/)" "" "nothing of the hostile database was stored"
is "$(ls "$T/data/snapshots/alice/hostile.sqlite" | grep -c '^work\.')" 0 "no work directory left behind"

# ---- (c) a database larger than max_file_size_mb (1 MiB here) ----------------------------
api POST /v1/alice/big.sqlite/create -H "Authorization: Bearer $ALICE" \
	-H 'db-type: sqlite' -H 'public-sharing-level: no-access' -d ''
is "$STATUS" 201 "create alice/big.sqlite"
sqlite3 "$(readlink -f "$T/data/databases/alice/big.sqlite/current")/big.sqlite" 'CREATE TABLE b (v);
	WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000)
	INSERT INTO b SELECT randomblob(1000) FROM c;'
snap --database alice/big.sqlite
is "$RC $ERR" "0 " "a database of 2 MiB over the 1 MiB limit is snapshotted"
BIG=$(s3_keys bucket/sqlite/alice/big.sqlite/ | sed 's|.*/||')
[ -n "$BIG" ]; ok $? "and stored"
sql big.sqlite 'DELETE FROM b'
api POST /v1/alice/big.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" -d "$BIG"
is "$STATUS" 200 "and restored"
sql big.sqlite 'SELECT count(*) FROM b'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["2000"]]}' "whole"

tap_done
