#!/bin/sh
# Snapshots and the server around them: a server without [snapshots] says
# so, [snapshots] without automation schedules nothing but allows one-off
# snapshots (here with virtual-host addressing), and `ayb server` runs
# `ayb-snapshot --loop` beside lighttpd when automation is configured, and
# stops it on exit.  Also ayb-snapshot's usage errors.
# e2e-pg: the metadata store plays no part beyond what snapshots.sh's twin covers
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3.sh"

SNAP=$top_builddir/cron/ayb-snapshot
NL='
'
# Virtual-host requests arrive as Host: bucket.localhost, which libcurl
# resolves to 127.0.0.1 itself (no DNS).
s3_start --vhost-suffix localhost
export AYB_SERVER_URL

run() {
	OUT=$("$AYB" client "$@" 2>"$T/stderr"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=${OUT%rc=*}
	ERR=$(cat "$T/stderr")
}
snap() {
	OUT=$("$SNAP" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}
# wait_for N: polls list_snapshots (as `ayb client` does) until it lists N
# snapshots; 20 s at most.
wait_for() {
	_i=0
	while [ $_i -lt 200 ]; do
		api GET /v1/carol/loop.sqlite/list_snapshots -H "Authorization: Bearer $CAROL"
		[ "$(printf '%s' "$BODY" | grep -o '"snapshot_id"' | wc -l)" -eq "$1" ] && return 0
		_i=$((_i + 1))
		sleep 0.1
	done
	return 1
}

# ---- ayb-snapshot's usage -----------------------------------------------------------------
snap --help
is "$RC" 0 "--help"
like "$OUT" "Usage: ayb-snapshot" "prints the usage"
snap --bogus
is "$RC" 2 "an unknown option is a usage error"
snap --loop --database a/b
is "$RC" 2 "--loop with --database is a usage error"

# ---- no [snapshots] ------------------------------------------------------------------------
e2e_setup
AYB_SERVER_URL=$URL
e2e_start_server
CAROL=$(register_user carol carol@example.org) || bail "cannot register carol"
export AYB_API_TOKEN=$CAROL
run create_database carol/db.sqlite
api GET /v1/carol/db.sqlite/list_snapshots -H "Authorization: Bearer $CAROL"
is "$STATUS $BODY" '503 {"type":"Other","message":"Snapshots are not configured on this server"}' \
	"list_snapshots says snapshots are not configured (ayb answers an empty list)"
api POST /v1/carol/db.sqlite/restore_snapshot -H "Authorization: Bearer $CAROL" -d "$(printf '%064d' 0)"
is "$STATUS $BODY" '503 {"type":"Other","message":"Snapshots are not configured on this server"}' \
	"so does restore_snapshot (ayb silently does nothing)"
run list_snapshots carol/db.sqlite
is "$ERR/$RC" "Error: Snapshots are not configured on this server/1" "ayb client shows it"
snap --config "$T/ayb.conf"
is "$RC" 2 "ayb-snapshot without [snapshots]: exit 2"
like "$ERR" "Snapshots are not configured: add a snapshots section to $T/ayb.conf" "and why"
e2e_stop_server

# ---- [snapshots] without automation, virtual-host addressing --------------------------------------
S3_URL=http://localhost:$S3_PORT
cat >>"$T/ayb.conf" <<CONF
$(s3_config | sed 's/force_path_style = true/force_path_style = false/')
CONF
S3_URL=http://127.0.0.1:$S3_PORT
e2e_start_server
# The loop would have been started before lighttpd answered /health.
pgrep -f "ayb-snapshot --config $T/ayb.conf" >/dev/null
is "$?" 1 "no automation: ayb server starts no snapshot loop"
snap --config "$T/ayb.conf"
is "$RC" 2 "a pass without automation: exit 2"
like "$ERR" "snapshots.automation is not configured in $T/ayb.conf, so nothing is scheduled" "and why"
api POST /v1/carol/db.sqlite/query -H "Authorization: Bearer $CAROL" --data-binary 'CREATE TABLE t(x)'
api POST /v1/carol/db.sqlite/query -H "Authorization: Bearer $CAROL" --data-binary 'INSERT INTO t VALUES (1)'
snap --config "$T/ayb.conf" --database CAROL/db.sqlite
is "$RC" 0 "a one-off snapshot (--database, entity case folded)"
ID=$(printf '%s\n' "$OUT" | sed -n 's/^Uploading new snapshot with hash \([0-9a-f]*\)\.$/\1/p')
is "$(s3_keys sqlite/carol/)" "sqlite/carol/db.sqlite/$ID" \
	"virtual-host style: keys are <prefix>/<entity>/<database>/<id>, no bucket inside"
grep -q "PUT /sqlite/carol/db.sqlite/$ID 200" "$T/s3.log"
ok $? "the upload went to the bucket's host name"
run list_snapshots carol/db.sqlite --format csv
like "$OUT" "$ID," "listed through the API"
api POST /v1/carol/db.sqlite/query -H "Authorization: Bearer $CAROL" --data-binary 'DELETE FROM t'
run restore_snapshot carol/db.sqlite "$ID"
is "$OUT" "Restored carol/db.sqlite to snapshot $ID$NL" "and restored"
run query carol/db.sqlite 'SELECT count(*) AS n FROM t' --format csv
like "$OUT" "n${NL}1" "with its row"
snap --config "$T/ayb.conf" --database carol/../x
is "$RC" 2 "--database with a bad slug: usage error"
snap --config "$T/ayb.conf" --database carolonly
is "$RC" 2 "--database without a slash: usage error"
e2e_stop_server

# ---- automation: ayb server runs the loop ------------------------------------------------------------
e2e_setup "$(s3_config 'interval = "1s"' 'max_snapshots = 2')"
sed 's/^  endpoint_url = .*/  endpoint_url = "http:\/\/127.0.0.1:1"/; s/force_path_style = true/force_path_style = false/' \
	"$T/ayb.conf" >"$T/bad.conf"
OUT=$("$AYB" server --config "$T/bad.conf" 2>&1)
is "$?" 1 "ayb server refuses snapshot settings that cannot work"
like "$OUT" "is an IP address, which cannot carry the bucket in its host name: set snapshots.force_path_style = true" \
	"before serving anything"

AYB_SERVER_URL=$URL
e2e_start_server
CAROL=$(register_user carol carol@example.org) || bail "cannot register carol"
export AYB_API_TOKEN=$CAROL
run create_database carol/loop.sqlite
api POST /v1/carol/loop.sqlite/query -H "Authorization: Bearer $CAROL" --data-binary 'CREATE TABLE t(x)'
loop_pid=$(pgrep -f "ayb-snapshot --config $T/ayb.conf --loop")
[ -n "$loop_pid" ]; ok $? "ayb server started ayb-snapshot --loop"
wait_for 1
ok $? "the loop made the first snapshot"
api POST /v1/carol/loop.sqlite/query -H "Authorization: Bearer $CAROL" --data-binary 'INSERT INTO t VALUES (1)'
wait_for 2
ok $? "and the next after a change"
newest=$(printf '%s' "$BODY" | grep -o '"snapshot_id":"[0-9a-f]*"' | head -1)
api POST /v1/carol/loop.sqlite/query -H "Authorization: Bearer $CAROL" --data-binary 'INSERT INTO t VALUES (2)'
_i=0
while [ $_i -lt 200 ]; do
	api GET /v1/carol/loop.sqlite/list_snapshots -H "Authorization: Bearer $CAROL"
	[ "$(printf '%s' "$BODY" | grep -o '"snapshot_id":"[0-9a-f]*"' | head -1)" != "$newest" ] && break
	_i=$((_i + 1))
	sleep 0.1
done
[ $_i -lt 200 ]; ok $? "a third change makes a third snapshot"
is "$(printf '%s' "$BODY" | grep -o '"snapshot_id"' | wc -l)" 2 "and max_snapshots = 2 holds"
like "$(cat "$T/server.log")" "Creating snapshots..." "the loop logs its passes in the server's log"
e2e_stop_server
kill -0 "$loop_pid" 2>/dev/null
is "$?" 1 "stopping ayb server stops the loop"

tap_done
