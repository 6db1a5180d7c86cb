#!/bin/sh
# S3 failing in the middle of a snapshot upload, with a real server: the
# S3 test server cuts the connection, or answers 500, half-way through the
# object's PUT.  ayb-snapshot says so and exits non-zero, the previous
# snapshot stays listed and restorable, nothing partial is stored, the
# database keeps taking writes, and the next pass uploads a snapshot holding
# every acknowledged write.
# e2e-pg: the fault is S3's; the metadata store plays no part in it
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3.sh"

SNAP=$top_builddir/cron/ayb-snapshot
HEX64='[0-9a-f]\{64\}'
PREFIX=bucket/sqlite/alice/test.sqlite/

s3_start
e2e_setup "$(s3_config)"
e2e_start_server
ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $ALICE"
api POST /v1/alice/test.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "setup: alice/test.sqlite"

query() {
	api POST /v1/alice/test.sqlite/query -H "$AUTH" --data-binary "$1"
}
# insert FROM TO: rows FROM..TO, each with a random blob (so the snapshot is
# large enough to be cut half-way); the acknowledged ones go to $T/acked.
: >"$T/acked"
insert() {
	for _i in $(seq "$1" "$2"); do
		query "INSERT INTO t VALUES ($_i, randomblob(20000))"
		[ "$STATUS" = 200 ] && echo "$_i" >>"$T/acked"
	done
}
# rows: the rows of the database, one per line.
rows() {
	query 'SELECT i FROM t ORDER BY i'
	printf '%s\n' "$BODY" | grep -o '\["[0-9]*"\]' | tr -d '["]'
}
snap() {
	OUT=$("$SNAP" --config "$T/ayb.conf" --database alice/test.sqlite 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}
uploaded() {
	printf '%s\n' "$OUT" | sed -n "s/^Uploading new snapshot with hash \($HEX64\)\.\$/\1/p" | tail -1
}
ids() {
	api GET /v1/alice/test.sqlite/list_snapshots -H "$AUTH"
	printf '%s' "$BODY" | grep -o "\"snapshot_id\":\"$HEX64\"" | cut -d'"' -f4
}
restore() {
	api POST /v1/alice/test.sqlite/restore_snapshot -H "$AUTH" -d "$1"
}

query 'CREATE TABLE t (i INTEGER PRIMARY KEY, pad BLOB)'
is "$STATUS" 200 "setup: table t"
insert 1 10
snap
ID1=$(uploaded)
[ "$RC" = 0 ] && [ -n "$ID1" ]; ok $? "a first snapshot"
acked1=$(cat "$T/acked")

for fault in drop-put error-put; do
	insert 11 15
	s3_stop
	s3_start --fault "$fault"
	snap
	is "$RC" 1 "$fault: ayb-snapshot exits non-zero"
	like "$ERR" "Failed to upload snapshot $PREFIX" "$fault: and says the upload failed"
	echo "# $(printf '%s' "$ERR" | head -1)"
	grep -q "fault: .*PUT /$S3_BUCKET/$PREFIX" "$T/s3.log"
	ok $? "$fault: the fault struck during the upload"
	s3_stop
	s3_start
	is "$(ids)" "$ID1" "$fault: the previous snapshot is still the only one listed"
	is "$(s3_keys "$PREFIX")" "$PREFIX$ID1" "$fault: nothing partial is stored"
	query 'SELECT count(*) FROM t'
	is "$STATUS" 200 "$fault: the database still answers"
done
is "$(rows)" "$(cat "$T/acked")" "every acknowledged write is in the database"

insert 21 25
snap
ID2=$(uploaded)
[ "$RC" = 0 ] && [ -n "$ID2" ] && [ "$ID2" != "$ID1" ]; ok $? "the next pass uploads a new snapshot"
is "$(ids | tr '\n' ' ')" "$ID2 $ID1 " "listed with the previous one"
acked2=$(cat "$T/acked")

restore "$ID1"
is "$STATUS" 200 "the previous snapshot restores"
is "$(rows)" "$acked1" "with the writes acknowledged before it"
restore "$ID2"
is "$STATUS" 200 "the new snapshot restores"
is "$(rows)" "$acked2" "with every write acknowledged before it"

tap_done
