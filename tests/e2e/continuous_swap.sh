#!/bin/sh
# Continuous backup of a replaced file (README "Snapshots"): an import, a
# restore to an instant and a fork each start a new generation whose base is
# the new file before they answer, so that S3 alone, once the spool is
# shipped, rebuilds the new content at any instant after the swap and the
# old one before it, with no write after the swap.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3.sh"

s3_start
e2e_setup "$(s3_config | sed '$d'
echo '  continuous {
    enabled = true
    sync_interval = "200ms"
  }
}')"
e2e_start_server
export AYB_SERVER_URL=$URL
ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"
export AYB_API_TOKEN=$ALICE
AUTH="Authorization: Bearer $ALICE"
DB=/v1/alice/s.sqlite
"$AYB" client create_database alice/s.sqlite >/dev/null
sql() {
	api POST "$DB/query" -H "$AUTH" --data-binary "$1"
}
now_ms() { date +%s%3N; }
iso() { date -u -d "@$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ; }
# past MS: readiness for an instant strictly before what comes next.
past() {
	while [ "$(now_ms)" -le "$1" ]; do :; done
}
# shipped DB: readiness, the database's spool holds nothing but its lock.
shipped() {
	_i=0
	while [ -n "$(ls "$T/data/continuous/alice/$1" | grep -v '^lock$')" ] && [ $_i -lt 1000 ]; do
		sleep 0.01
		_i=$((_i + 1))
	done
	is "$(ls "$T/data/continuous/alice/$1")" lock "$2: the spool is shipped"
}
# rebuilt DB [INSTANT]: the ids of DB rebuilt from S3 alone (at INSTANT).
rebuilt() {
	rm -rf "$T/at"
	"$AYB" admin rebuild_from_s3 --config "$T/ayb.conf" --to "$T/at" ${2:+--at "$(iso "$2")"} \
		>"$T/rebuild.out" 2>&1
	sqlite3 "$T/at/alice/$1" 'SELECT group_concat(id, " ") FROM (SELECT id FROM t ORDER BY id)' \
		2>&1
}

sql 'CREATE TABLE t(id INTEGER PRIMARY KEY)'
sql 'INSERT INTO t VALUES (1), (2)'
is "$STATUS" 200 "two rows written"
OLD=$(now_ms)
past "$OLD"

# ---- an import -----------------------------------------------------------------------------
sqlite3 "$T/new.db" 'CREATE TABLE t(id INTEGER PRIMARY KEY); INSERT INTO t VALUES (10), (11);'
api POST "$DB/import" -H "$AUTH" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$T/new.db"
is "$STATUS $BODY" "200 {}" "a file imported over them"
IMPORTED=$(now_ms)
shipped s.sqlite "the import"
is "$(rebuilt s.sqlite)" "10 11" "rebuilt from S3 alone: the imported file, with no write since"
is "$(rebuilt s.sqlite "$IMPORTED")" "10 11" "at an instant after the import: the imported file"
is "$(rebuilt s.sqlite "$OLD")" "1 2" "at an instant before it: the rows it replaced"
printf 'not a database at all' >"$T/junk"
api POST "$DB/import" -H "$AUTH" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$T/junk"
is "$STATUS $BODY" '400 {"type":"Other","message":"The file is not an SQLite database"}' \
	"a file that is not a database is refused"
is "$(ls "$T/data/continuous/alice/s.sqlite")" lock "and starts no generation"
sql 'SELECT count(*), sum(id) FROM t'
like "$BODY" '"rows":[["2","21"]]' "nor touches the database"
past "$IMPORTED"

# ---- a restore to an instant ---------------------------------------------------------------
OUT=$("$AYB" client restore_snapshot alice/s.sqlite --at "$(iso "$OLD")" 2>&1)
is "$?: $OUT" "0: Restored alice/s.sqlite to its state at $(iso "$OLD")" "restored to before the import"
RESTORED=$(now_ms)
shipped s.sqlite "the restore"
is "$(rebuilt s.sqlite)" "1 2" "rebuilt from S3 alone: the restored file"
is "$(rebuilt s.sqlite "$RESTORED")" "1 2" "at an instant after the restore: the restored file"
is "$(rebuilt s.sqlite "$IMPORTED")" "10 11" "at an instant before it: the import"
sql 'INSERT INTO t VALUES (3)'
is "$STATUS" 200 "a write after the restore"
shipped s.sqlite "the write"
is "$(rebuilt s.sqlite)" "1 2 3" "goes on from the restored file"

# ---- a fork: the new database is in S3 before its first write -------------------------------
api POST "$DB/fork" -H "$AUTH" -H 'fork-to: alice/f.sqlite' -d ''
is "$STATUS" 201 "alice/s.sqlite forked to alice/f.sqlite"
shipped f.sqlite "the fork"
is "$(rebuilt f.sqlite)" "1 2 3" "rebuilt from S3 alone: the fork"
tap_done
