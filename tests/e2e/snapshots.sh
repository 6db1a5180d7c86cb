#!/bin/sh
# Snapshots end to end (README "Snapshots"): ayb-snapshot against an S3 server
# that checks every signature, list and restore through the API and
# `ayb client`, an independent client (awscli, zstd, sqlite3, b2sum) reading
# what was stored, scheduling and the overlap lock, and the faults: a wrong
# secret, an upload cut short, S3 down, a restore under running queries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3.sh"

SNAP=$top_builddir/cron/ayb-snapshot
NL='
'
HEX64='[0-9a-f]\{64\}'

# Every listing of more than two snapshots takes several pages.
s3_start --page-size 2
e2e_setup "$(s3_config 'interval = "1h"' 'max_snapshots = 3')"
e2e_start_server
export AYB_SERVER_URL=$URL

run() {
	OUT=$("$AYB" client "$@" 2>"$T/stderr"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=${OUT%rc=*}
	ERR=$(cat "$T/stderr")
}
# snap ARGS...: ayb-snapshot with the test's config; OUT, ERR, RC.
snap() {
	OUT=$("$SNAP" --config "$T/ayb.conf" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}
# uploaded: the id of the last "Uploading new snapshot" line of OUT.
uploaded() {
	printf '%s\n' "$OUT" | sed -n "s/^Uploading new snapshot with hash \($HEX64\)\.\$/\1/p" | tail -1
}
sql() {
	api POST "/v1/alice/$1/query" -H "Authorization: Bearer $ALICE" --data-binary "$2"
}
count() {
	sql test.sqlite 'SELECT count(*) FROM t'
	printf '%s' "$BODY" | sed -n 's/^{"fields":\["count(\*)"\],"rows":\[\["\([0-9]*\)"\]\]}$/\1/p'
}
# ids: the snapshot ids the API lists, newest first, one per line.
ids() {
	api GET /v1/alice/test.sqlite/list_snapshots -H "Authorization: Bearer $ALICE"
	printf '%s' "$BODY" | grep -o "\"snapshot_id\":\"$HEX64\"" | cut -d'"' -f4
}
puts() {
	grep -c ' PUT ' "$T/s3.log"
}
PREFIX=bucket/sqlite/alice/test.sqlite/
DBDIR=$T/data/databases/alice/test.sqlite
WORK=$T/data/snapshots/alice/test.sqlite

ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"
BOB=$(register_user bob bob@example.org) || bail "cannot register bob"
export AYB_API_TOKEN=$ALICE
run create_database alice/test.sqlite sqlite read-only
is "$RC" 0 "create alice/test.sqlite (public read-only: bob sees it)"

# ---- who may list and restore ------------------------------------------------------------
api GET /v1/alice/test.sqlite/list_snapshots -H "Authorization: Bearer $BOB"
is "$STATUS $BODY" "403 {\"type\":\"Other\",\"message\":\"Authenticated entity bob can't manage snapshots on database alice/test.sqlite\"}" \
	"a reader may not list snapshots"
api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $BOB" -d "$(printf '%064d' 0)"
is "$STATUS" 403 "nor restore one"
run --token "$BOB" list_snapshots alice/test.sqlite
is "$ERR/$RC" "Error: Authenticated entity bob can't manage snapshots on database alice/test.sqlite/1" \
	"ayb client list_snapshots passes the refusal on"
api GET /v1/alice/test.sqlite/list_snapshots
is "$STATUS" 401 "no token: 401"
api GET /v1/alice/nope.sqlite/list_snapshots -H "Authorization: Bearer $ALICE"
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"alice/nope.sqlite","record_type":"database"}' \
	"an unknown database"
api GET /v1/alice/test.sqlite/list_snapshots -H "Authorization: Bearer $ALICE"
is "$STATUS $BODY" '200 {"snapshots":[]}' "the owner lists none yet"
run list_snapshots alice/test.sqlite
is "$OUT/$RC" "No snapshots for alice/test.sqlite$NL/0" "ayb client: no snapshots"

# ---- making snapshots --------------------------------------------------------------------
snap --database alice/test.sqlite
is "$RC" 0 "a database never written has nothing to snapshot"
like "$OUT" "0 uploaded, 0 unchanged, 0 not due, 0 busy, 1 skipped, 0 failed" "and says it skipped it"
is "$(s3_keys "$PREFIX")" "" "nothing stored"

sql test.sqlite 'CREATE TABLE t(n INTEGER, note TEXT)'
sql test.sqlite "INSERT INTO t VALUES (1, 'one')"
meta_sql "UPDATE database SET changed_at = NULL WHERE slug = 'test.sqlite'"
snap --database alice/test.sqlite
ID1=$(uploaded)
[ -n "$(meta_sql "SELECT changed_at FROM database WHERE slug = 'test.sqlite'")" ]
ok $? "a snapshot of new content records when the database changed (Explore's order)"
is "$RC" 0 "first snapshot"
like "$OUT" "Trying to back up alice/test.sqlite" "logs what it backs up"
[ -n "$ID1" ]; ok $? "Uploading new snapshot with hash <64 hex>"
api GET /v1/alice/test.sqlite/list_snapshots -H "Authorization: Bearer $ALICE"
printf '%s' "$BODY" | grep -q "^{\"snapshots\":\[{\"last_modified_at\":\"[0-9-]*T[0-9:]*\(\.[0-9]\{3\}\|\.[0-9]\{6\}\|\.[0-9]\{9\}\)\?Z\",\"snapshot_id\":\"$ID1\"}\]}\$"
ok $? "list_snapshots: last_modified_at (RFC 3339, Z) and snapshot_id"
LIST1=$BODY
[ -z "$(ls "$WORK" | grep '^work\.')" ]; ok $? "no work directory left behind"

npw=$(puts)
snap --database alice/test.sqlite
like "$OUT" "Snapshot with hash $ID1 already exists, not uploading again." "an unchanged database is not uploaded again"
api GET /v1/alice/test.sqlite/list_snapshots -H "Authorization: Bearer $ALICE"
is "$BODY" "$LIST1" "still one snapshot, same Last-Modified"
is "$(puts)" "$npw" "no PUT reached S3"

sql test.sqlite "INSERT INTO t VALUES (2, 'two')"
snap --database alice/test.sqlite
ID2=$(uploaded)
[ -n "$ID2" ] && [ "$ID2" != "$ID1" ]; ok $? "a change makes a new snapshot"
is "$(ids | tr '\n' ' ')" "$ID2 $ID1 " "listed newest first"
run list_snapshots alice/test.sqlite --format csv
printf '%s' "$OUT" | grep -q "^Name,Last modified${NL}$ID2,[0-9-]*T[0-9:.]*+00:00${NL}$ID1,[0-9-]*T[0-9:.]*+00:00$NL\$"
ok $? "ayb client list_snapshots --format csv"
run list_snapshots alice/test.sqlite
like "$OUT" "Name" "ayb client list_snapshots table"
like "$OUT" "$ID2" "shows the ids"

sql test.sqlite "INSERT INTO t VALUES (3, 'three')"
snap --database alice/test.sqlite
ID3=$(uploaded)
sql test.sqlite "INSERT INTO t VALUES (4, 'four')"
snap --database alice/test.sqlite
ID4=$(uploaded)
like "$OUT" "Pruning 1 oldest snapshots" "the fourth snapshot prunes one (max_snapshots = 3)"
is "$(ids | tr '\n' ' ')" "$ID4 $ID3 $ID2 " "the oldest is gone from the listing"
is "$(s3_keys "$PREFIX")" "$(printf '%s\n' "$PREFIX$ID2" "$PREFIX$ID3" "$PREFIX$ID4" | sort)" \
	"and from the bucket (awscli): ayb's key layout <bucket>/<prefix>/<entity>/<database>/<id>"

# ---- an independent client reads what was stored --------------------------------------------
s3_aws s3 cp --only-show-errors "s3://$S3_BUCKET/$PREFIX$ID4" "$T/newest.zst"
ok $? "awscli downloads the newest snapshot"
zstd -q -d -f "$T/newest.zst" -o "$T/newest.sqlite"
ok $? "zstd -d decompresses it"
is "$(sqlite3 -readonly "$T/newest.sqlite" 'PRAGMA integrity_check')" ok "sqlite3: integrity_check ok"
is "$(sqlite3 -readonly "$T/newest.sqlite" 'SELECT group_concat(note) FROM t')" "one,two,three,four" \
	"sqlite3 reads the rows"
is "$(b2sum -l 256 "$T/newest.sqlite" | cut -d' ' -f1)" "$ID4" "the id is the BLAKE2b-256 of the file"

# ---- restore ---------------------------------------------------------------------------------
before=$(readlink "$DBDIR/current")
run restore_snapshot alice/test.sqlite "$ID2"
is "$OUT/$RC" "Restored alice/test.sqlite to snapshot $ID2$NL/0" "ayb client restore_snapshot"
after=$(readlink "$DBDIR/current")
[ "$before" != "$after" ]; ok $? "current points at a new version"
is "$(ls "$after")" "test.sqlite" "the new version holds the file alone (no -wal or -shm carried over)"
[ ! -e "$before" ]; ok $? "the old version is deleted"
is "$(count)" 2 "the restored database has the snapshot's rows"

run restore_snapshot alice/test.sqlite "$ID1"
is "$ERR/$RC" "Error: Snapshot $ID1 does not exist for alice/test.sqlite/1" "restoring a pruned snapshot"
api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" -d "$ID1"
is "$STATUS $BODY" '404 {"type":"SnapshotDoesNotExistError"}' "the API's answer"
is "$(count)" 2 "the database is untouched"
nlog=$(wc -l <"$T/s3.log")
for bad in nope "../../$ID2" "$(echo "$ID2" | tr a-f A-F)" "$ID2/x" "${ID2}0" ""; do
	api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" --data-binary "$bad"
	is "$STATUS $BODY" '404 {"type":"SnapshotDoesNotExistError"}' "restore of the non-id '$bad'"
done
is "$(wc -l <"$T/s3.log")" "$nlog" "ids of the wrong shape never reach S3"
api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" --data-binary "$ID3$NL"
is "$STATUS $BODY" "200 {}" "a trailing newline around the id is fine"
is "$(count)" 3 "restored to the third snapshot"

snap --database alice/test.sqlite
ID5=$(uploaded)
[ -n "$ID5" ] && ! printf '%s\n' "$ID1" "$ID2" "$ID3" "$ID4" | grep -qx "$ID5"
ok $? "a restored database makes a new, distinct snapshot"
is "$(ids | wc -l)" 3 "still at most max_snapshots"

# Objects that are not snapshots, under ids of the right shape.
AAA=$(printf 'a%.0s' $(seq 64))
BBB=$(printf 'b%.0s' $(seq 64))
CCC=$(printf 'c%.0s' $(seq 64))
head -c 4096 /dev/urandom >"$T/garbage"
echo 'not a database' | zstd -q >"$T/text.zst"
head -c $(($(stat -c %s "$T/newest.zst") / 2)) "$T/newest.zst" >"$T/cut.zst"
s3_aws s3 cp --only-show-errors "$T/garbage" "s3://$S3_BUCKET/$PREFIX$AAA"
s3_aws s3 cp --only-show-errors "$T/text.zst" "s3://$S3_BUCKET/$PREFIX$BBB"
s3_aws s3 cp --only-show-errors "$T/cut.zst" "s3://$S3_BUCKET/$PREFIX$CCC"
before=$(readlink "$DBDIR/current")
api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" -d "$AAA"
like "$STATUS $BODY" "502 {\"type\":\"SnapshotError\",\"message\":\"Snapshot $AAA is not a valid zstd stream" \
	"an object that is not zstd is refused"
api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" -d "$BBB"
like "$STATUS $BODY" "502 {\"type\":\"SnapshotError\",\"message\":\"Snapshot $BBB is not an intact SQLite database: file is not a database" \
	"an object that is not a database is refused"
api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" -d "$CCC"
like "$STATUS $BODY" "502 {\"type\":\"SnapshotError\",\"message\":\"Snapshot $CCC is truncated" \
	"a truncated object is refused"
is "$(readlink "$DBDIR/current")" "$before" "the database stays as it was"
is "$(ls "$DBDIR" | grep -vc '^current$')" 1 "and no version directory is left behind"
is "$(count)" 3 "with its rows"
s3_aws s3 rm --only-show-errors "s3://$S3_BUCKET/$PREFIX$AAA"
s3_aws s3 rm --only-show-errors "s3://$S3_BUCKET/$PREFIX$BBB"
s3_aws s3 rm --only-show-errors "s3://$S3_BUCKET/$PREFIX$CCC"

run share alice/test.sqlite bob manager
run --token "$BOB" list_snapshots alice/test.sqlite --format csv
like "$OUT" "$ID5," "a manager lists snapshots"

# ---- passes over every database: the interval -------------------------------------------------
run create_database alice/other.sqlite
sql other.sqlite 'CREATE TABLE o(x)'
snap
is "$RC" 0 "a pass"
like "$OUT" "1 uploaded, 0 unchanged, 1 not due, 0 busy, 0 skipped, 0 failed" \
	"snapshots what was never snapshotted, not what was within the interval"
snap
like "$OUT" "0 uploaded, 0 unchanged, 2 not due" "nothing is due right after"
OUT=$(AYB__SNAPSHOTS__AUTOMATION__INTERVAL=1ms "$SNAP" --config "$T/ayb.conf")
like "$OUT" "0 uploaded, 2 unchanged, 0 not due" "a short interval: both due, both unchanged"

mkdir -p "$T/data/databases/alice/ghost.sqlite"
: >"$T/data/databases/stray"
OUT=$(AYB__SNAPSHOTS__AUTOMATION__INTERVAL=1ms "$SNAP" --config "$T/ayb.conf" 2>"$T/stderr")
RC=$?
is "$RC" 1 "a stray file fails the pass"
like "$(cat "$T/stderr")" "Unexpected file where entity directory expected: $T/data/databases/stray" "and is named"
like "$OUT" "Not a known database alice/ghost.sqlite" "a directory without metadata is skipped"
like "$OUT" "2 unchanged" "the other databases are still done"
rm -rf "$T/data/databases/stray" "$T/data/databases/alice/ghost.sqlite" "$T/data/snapshots/alice/ghost.sqlite"

# ---- the lock: overlapping runs never snapshot one database twice -----------------------------
# This shell holds the lock, as a run in progress would.
exec 9>>"$WORK/lock"
flock -n 9
ok $? "the test holds the lock"
snap --database alice/test.sqlite
is "$RC" 0 "a database being snapshotted elsewhere is not an error"
like "$OUT" "Snapshot of alice/test.sqlite is already running in another process, skipping" "it is skipped"
exec 9>&-

sql test.sqlite "INSERT INTO t VALUES (5, 'five')"
rm -f "$WORK/last-run" "$T/data/snapshots/alice/other.sqlite/last-run"
npw=$(puts)
"$SNAP" --config "$T/ayb.conf" >"$T/run1" 2>&1 &
P1=$!
"$SNAP" --config "$T/ayb.conf" >"$T/run2" 2>&1 &
P2=$!
wait "$P1"
r1=$?
wait "$P2"
r2=$?
is "$r1/$r2" 0/0 "two overlapping passes both succeed"
is "$(cat "$T/run1" "$T/run2" | grep -c '^Trying to back up alice/test.sqlite$')" 1 "only one of them snapshots test.sqlite"
is "$(cat "$T/run1" "$T/run2" | grep -c '^Trying to back up alice/other.sqlite$')" 1 "only one of them snapshots other.sqlite"
is "$(($(puts) - npw))" 1 "one upload in all (test.sqlite changed, other.sqlite did not)"
ID6=$(ids | head -1)
C6=$(count)

# ---- faults: nothing partial, nothing touched --------------------------------------------------
keys=$(s3_keys "$PREFIX")
sql test.sqlite "INSERT INTO t VALUES (6, 'six')"
OUT=$(AYB__SNAPSHOTS__SECRET_ACCESS_KEY=wrong-secret-value "$SNAP" --config "$T/ayb.conf" \
	--database alice/test.sqlite 2>&1)
RC=$?
is "$RC" 1 "a wrong secret: non-zero exit"
like "$OUT" "Unable to snapshot database alice/test.sqlite: Failed to list snapshots: S3 answered 403 SignatureDoesNotMatch" \
	"with S3's reason"
case "$OUT" in *wrong-secret-value* | *"$S3_SECRET"*) ok 1 "no secret in the output" ;; *) ok 0 "no secret in the output" ;; esac
like "$OUT" "ayb-snapshot: 1 failed:" "the summary lists the failure"
is "$(s3_keys "$PREFIX")" "$keys" "nothing stored"
is "$(count)" $((C6 + 1)) "the database is untouched"

s3_stop
s3_start --page-size 2 --fault drop-put
snap --database alice/test.sqlite
is "$RC" 1 "an upload cut short: non-zero exit"
like "$ERR" "Failed to upload snapshot ${PREFIX}" "names the object"
like "$ERR" "cannot complete the request to $S3_URL" "and why"
s3_stop
s3_start --page-size 2
is "$(s3_keys "$PREFIX")" "$keys" "no partial object is listed"
[ -z "$(ls "$WORK" | grep '^work\.')" ]; ok $? "no work directory left behind"

s3_stop
snap --database alice/test.sqlite
is "$RC" 1 "S3 down: non-zero exit"
like "$ERR" "Failed to list snapshots: cannot complete the request to $S3_URL" "a clear message"
api GET /v1/alice/test.sqlite/list_snapshots -H "Authorization: Bearer $ALICE"
like "$STATUS $BODY" "503 {\"type\":\"S3ConnectionError\",\"message\":\"Failed to list snapshots: cannot complete the request to $S3_URL" \
	"list_snapshots: 503 S3ConnectionError"
before=$(readlink "$DBDIR/current")
api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" -d "$ID6"
like "$STATUS $BODY" "503 {\"type\":\"S3ConnectionError\",\"message\":\"Failed to retrieve snapshot $PREFIX$ID6" \
	"restore_snapshot: 503 S3ConnectionError"
is "$(readlink "$DBDIR/current")" "$before" "the database is untouched"
is "$(ls "$DBDIR" | grep -vc '^current$')" 1 "no version directory left behind"
is "$(count)" $((C6 + 1)) "with its rows"
run list_snapshots alice/test.sqlite
like "$ERR" "Error: " "ayb client says so"
[ "$RC" -ne 0 ]; ok $? "with a non-zero exit"
s3_start --page-size 2

# ---- restore while queries run -----------------------------------------------------------------
snap --database alice/test.sqlite
ID7=$(uploaded)
C7=$(count)
[ -n "$ID7" ] && [ "$C7" != "$C6" ]; ok $? "two snapshots with different row counts ($C6, $C7)"
# Two clients query in a loop while the database is restored back and forth.
query_loop() {
	for _n in $(seq 60); do
		curl -sS -o "$T/q$1.body" -w '%{http_code}\n' -X POST "$URL/v1/alice/test.sqlite/query" \
			-H "Authorization: Bearer $ALICE" --data-binary 'SELECT count(*) FROM t' >>"$T/q$1.status"
		printf '%s\n' "$(cat "$T/q$1.body")" >>"$T/q$1.out"
	done
}
query_loop 1 &
L1=$!
query_loop 2 &
L2=$!
restores_ok=0
for id in $ID6 $ID7 $ID6 $ID7 $ID6; do
	api POST /v1/alice/test.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" -d "$id"
	[ "$STATUS $BODY" = "200 {}" ] && restores_ok=$((restores_ok + 1))
done
wait "$L1" "$L2"
is "$restores_ok" 5 "five restores under load succeed"
good=0
clean=0
bad=0
for k in 1 2; do
	paste -d' ' "$T/q$k.status" "$T/q$k.out" >"$T/q$k.all"
done
while read -r code body; do
	case "$code $body" in
	"200 {\"fields\":[\"count(*)\"],\"rows\":[[\"$C6\"]]}" | "200 {\"fields\":[\"count(*)\"],\"rows\":[[\"$C7\"]]}")
		good=$((good + 1)) ;;
	[45]??\ \{\"type\":\"*\"}) clean=$((clean + 1)); echo "# a clean error: $code $body" ;;
	*) bad=$((bad + 1)); echo "# unexpected: $code $body" ;;
	esac
done <<EOF
$(cat "$T/q1.all" "$T/q2.all")
EOF
is "$((good + clean + bad))" 120 "every query answered"
is "$bad" 0 "each one with one snapshot's rows or a clean JSON error ($good ok, $clean errors)"
[ "$good" -gt 0 ]; ok $? "queries kept working"
is "$(count)" "$C6" "afterwards: the last restored snapshot's row count"
s3_aws s3 cp --only-show-errors "s3://$S3_BUCKET/$PREFIX$ID6" "$T/six.zst" && zstd -q -d -f "$T/six.zst" -o "$T/six.sqlite"
live="$(readlink "$DBDIR/current")/test.sqlite"
is "$(sqlite3 -readonly "$live" 'PRAGMA integrity_check')" ok "the live file is intact"
is "$(sqlite3 -readonly "$live" 'SELECT * FROM t ORDER BY n')" "$(sqlite3 -readonly "$T/six.sqlite" 'SELECT * FROM t ORDER BY n')" \
	"and holds exactly the snapshot's data"
api GET /health
is "$STATUS" 200 "the server is fine"

tap_done
