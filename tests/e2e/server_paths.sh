#!/bin/sh
# No answer shows where the server keeps its data (README "Isolation", what
# callers see): PRAGMA database_list in every form, a restore that fails
# writing the new file (against the S3 test server), a broken configuration.
# e2e-pg: only hosted files and snapshots are involved; the metadata store plays no part
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3.sh"

SNAP=$top_builddir/cron/ayb-snapshot

# The server may write files of at most 1 MiB (soft limit, which the query
# workers raise for themselves; SIGXFSZ ignored, so a write past it fails
# with EFBIG instead of killing the process): a restore of a bigger
# database then fails half-way, a server-side write error with a path.
_start_limited() {
	(trap '' XFSZ; ulimit -S -f 2048; exec "$AYB" server --config "$T/ayb.conf") \
		>"$T/server.log" 2>&1 &
	SERVER_PID=$!
}

s3_start
e2e_setup "$(s3_config)"
e2e_start_on_free_port _start_limited
DATA=$T/data

ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"
api POST /v1/alice/t.sqlite/create -H "Authorization: Bearer $ALICE" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access' -d ''
is "$STATUS" 201 "create alice/t.sqlite"
sql() {
	api POST /v1/alice/t.sqlite/query -H "Authorization: Bearer $ALICE" --data-binary "$1"
}
# no_path WHAT: the last answer does not name data_path.
no_path() {
	case "$BODY" in
	*"$DATA"*) ok 1 "$1: no server path"; echo "#   got: $BODY" ;;
	*) ok 0 "$1: no server path" ;;
	esac
}

# ---- PRAGMA database_list ------------------------------------------------------------------
sql 'CREATE TABLE t(x)'
is "$STATUS" 200 "the first write creates the file"
sql 'PRAGMA database_list'
is "$STATUS $BODY" '200 {"fields":["seq","name","file"],"rows":[["0","main",null]]}' \
	"PRAGMA database_list: the file column is null"
sql 'pragma MAIN.Database_List'
is "$STATUS $BODY" '200 {"fields":["seq","name","file"],"rows":[["0","main",null]]}' \
	"the same in another spelling"
sql 'EXPLAIN PRAGMA database_list'
is "$STATUS" 200 "EXPLAIN PRAGMA database_list runs"
no_path "EXPLAIN PRAGMA database_list (its program held the path as a constant)"
sql 'SELECT * FROM pragma_database_list'
is "$STATUS $BODY" '200 {"fields":["seq","name","file"],"rows":[["0","main",null]]}' \
	"the table-valued form: null too"
sql "SELECT upper(file) || 'x', length(file) FROM pragma_database_list WHERE file IS NOT NULL"
is "$STATUS $BODY" '200 {"fields":["upper(file) || '"'x'"'","length(file)"],"rows":[]}' \
	"an expression over it, or a filter on it, sees null"
sql 'CREATE VIEW v AS SELECT * FROM pragma_database_list'
sql 'SELECT file FROM v'
is "$STATUS $BODY" '200 {"fields":["file"],"rows":[[null]]}' "through a view: null"
sql 'SELECT name FROM pragma_database_list'
is "$STATUS $BODY" '200 {"fields":["name"],"rows":[["main"]]}' "the name stays"
sql 'SELECT count(*) FROM pragma_database_list'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["1"]]}' "and the row count"

# ---- a restore that fails writing ----------------------------------------------------------
sql "INSERT INTO t WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)
     SELECT randomblob(1000) FROM c"
is "$STATUS" 200 "3 MB of rows"
ID=$("$SNAP" --config "$T/ayb.conf" --database alice/t.sqlite 2>"$T/snap.err" |
	sed -n 's/^Uploading new snapshot with hash \([0-9a-f]*\)\.$/\1/p')
[ -n "$ID" ]
ok $? "ayb-snapshot uploads a snapshot" || cat "$T/snap.err"
api POST /v1/alice/t.sqlite/restore_snapshot -H "Authorization: Bearer $ALICE" -d "$ID"
is "$STATUS" 500 "a restore that cannot write its file: 500"
like "$BODY" '"type":"SnapshotError","message":"Cannot write databases/alice/t.sqlite/' \
	"the message names the file below data_path"
like "$BODY" '/t.sqlite: File too large"' "... and the reason"
no_path "the failed restore"
sql 'SELECT count(*) FROM t'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["3000"]]}' \
	"the live database stays as it was"

# ---- a configuration that cannot be used ---------------------------------------------------
# As plain CGI every request reads the file again, so it breaks for the next one.
e2e_stop_server
e2e_start_cgi_server
echo 'bogus = 1' >>"$T/ayb.conf"
api GET /health
is "$STATUS $BODY" '500 {"type":"ConfigurationError","message":"The server'"'"'s configuration cannot be used; its error log says why"}' \
	"a broken configuration: 500 without the file's path"
grep -q "ayb-api: 500 GET /health: ConfigurationError: Invalid configuration file $T/ayb.conf" \
	"$T/server.log"
ok $? "the error log has the whole message"

tap_done
