#!/bin/sh
# Out of disk, with a real server: data_path (the hosted files, and the
# metadata store when it is SQLite) on an 8 MiB tmpfs that a filler file
# fills up.  A write then answers 507 Insufficient Storage in ayb's envelope,
# not the tenant's 400 "Database file too large", and is logged; so does
# creating a database (its metadata, or its directory).
# /health says data_path is full, reads still work, and once the filler is
# gone writes work again and every acknowledged row is there.  A tenant's own
# file size limit on a disk with room stays its 400.
. "$(dirname "$0")/lib.sh"

# Mounting needs root (CI runs as root).  A loop device would need the same
# privilege as a tmpfs, so there is no other way to try here.
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP mounting a small tmpfs for data_path needs root"; exit 0; }
if ! mount -t tmpfs -o size=8m,mode=755 ayb-e2e-full "$T/data" 2>"$T/mount.err"; then
	echo "1..0 # SKIP cannot mount a tmpfs here: $(head -1 "$T/mount.err")"
	exit 0
fi
# A worker still closing its files keeps the mount busy for a moment: then
# it is detached at once and goes when the last file closes.
trap 'e2e_stop_server; umount "$T/data" 2>/dev/null || umount -l "$T/data"; _e2e_cleanup' EXIT

export AYB_SERVER_PROCS=2
e2e_setup 'isolation {
  max_file_size_mb = 2
}'
e2e_start_server

TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"
api POST /v1/alice/db.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "setup: alice/db.sqlite"
api POST /v1/alice/db.sqlite/query -H "$AUTH" --data-binary 'CREATE TABLE t (i INTEGER PRIMARY KEY, pad BLOB)'
is "$STATUS" 200 "setup: table t"

# insert I: a row of 3000 bytes (a new page in the WAL at every commit);
# appends "I STATUS" to $T/writes.
: >"$T/writes"
insert() {
	api POST /v1/alice/db.sqlite/query -H "$AUTH" \
		--data-binary "INSERT INTO t VALUES ($1, zeroblob(3000))"
	echo "$1 $STATUS" >>"$T/writes"
}
query() {
	api POST /v1/alice/db.sqlite/query -H "$AUTH" --data-binary "$1"
}
faults() {
	grep -c "ayb-api: 5" "$T/server.log"
}

# The tenant's own limit, on a disk with room: its 400, not logged.
query 'INSERT INTO t VALUES (1000, zeroblob(3000000))'
is "$STATUS $BODY" '400 {"type":"Other","message":"Database file too large: it would grow beyond 2 MiB (the server'"'"'s limit)"}' \
	"a write beyond the file size limit: 400, the tenant's limit"
is "$(faults)" 0 "not logged as a server fault"
api GET /health
is "$STATUS $BODY" '200 {"status":"ok"}' "/health: ok"

# A database in use, as on a running server (one that no process has open
# when the disk fills cannot even be read: SQLite must rebuild its -shm).
for i in $(seq 1 20); do insert "$i"; done
is "$(awk '$2 != 200' "$T/writes")" "" "20 writes with room on the disk"

# A database created but never queried: its file does not exist yet.
api POST /v1/alice/fresh.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "setup: alice/fresh.sqlite"

# ---- fill the disk: every byte, then every inode ------------------------------------
cat /dev/zero >"$T/data/filler" 2>/dev/null
avail=$(df --output=avail -B1 "$T/data" | tail -1 | tr -d ' ')
is "$avail" 0 "data_path is full (no bytes left)"
mount -o remount,nr_inodes="$(df --output=iused "$T/data" | tail -1 | tr -d ' ')" "$T/data"
ok $? "and no inode left"

query 'INSERT INTO t VALUES (1001, zeroblob(100000))'
is "$STATUS $BODY" '507 {"type":"Other","message":"Insufficient storage: the server'"'"'s disk is full, so the database could not be written; try again later"}' \
	"a write on the full disk: 507, the server's fault, not the tenant's limit"
is "$(header content-type)" "application/json" "in ayb's envelope"
like "$(grep 'ayb-api: 507 POST /v1/alice/db.sqlite/query: ' "$T/server.log")" \
	"Other: Insufficient storage: the server's disk is full" "logged"
# Small writes succeed while they fit where the database's WAL already has
# room (the database's writer keeps the file open, so its WAL is reused, not
# recreated), then get the 507 too.
i=21
while [ $i -le 400 ]; do
	insert "$i"
	[ "$STATUS" = 507 ] && break
	i=$((i + 1))
done
is "$STATUS" 507 "small writes too: 507, once the WAL's room is used"
is "$(awk '$1 > 20 && $1 < '$i' && $2 != 200' "$T/writes")" "" "(and 200 before that)"
acked=$(awk '$2 == 200' "$T/writes" | wc -l)

query 'SELECT count(*) FROM t'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["'"$acked"'"]]}' \
	"reads still work, and see exactly the acknowledged writes"
api GET /v1/entity/alice -H "$AUTH"
is "$STATUS" 200 "reads of the metadata store still work"

api POST /v1/alice/fresh.sqlite/query -H "$AUTH" --data-binary 'CREATE TABLE x (a)'
is "$STATUS $BODY" '507 {"type":"Other","message":"Insufficient storage: the server'"'"'s disk is full, so the database could not be written; try again later"}' \
	"the first query of a new database, whose file cannot be created: 507"

# Creating a database writes the metadata store, then the database's
# directory under data_path; on the full disk the first on it refuses.
if [ "${AYB_E2E_METADATA:-sqlite}" = pg ]; then
	want='IO error: Os { code: 28, kind: StorageFull'
else
	want="Insufficient storage: the server's disk is full, so the metadata store could not be written"
fi
api POST /v1/alice/new.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 507 "creating a database on the full disk: 507"
like "$BODY" "{\"type\":\"Other\",\"message\":\"$want" "in ayb's envelope, saying why"
like "$(grep 'ayb-api: 507 POST /v1/alice/new.sqlite/create: ' "$T/server.log")" "$want" "logged"

api GET /health
is "$STATUS $BODY" '200 {"status":"degraded","data_path":"full"}' "/health says data_path is full"

# ---- free the space ------------------------------------------------------------------
rm "$T/data/filler"
mount -o remount,nr_inodes=100000 "$T/data"
api GET /health
is "$STATUS $BODY" '200 {"status":"ok"}' "/health: ok again"
last=$i
for i in $(seq $((last + 1)) $((last + 5))); do insert "$i"; done
is "$(awk '$1 > '$last' { print $2 }' "$T/writes" | sort -u)" 200 "writes work again"
api POST /v1/alice/new.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "creating a database works again"
api POST /v1/alice/fresh.sqlite/query -H "$AUTH" --data-binary 'CREATE TABLE x (a)'
is "$STATUS" 200 "and a new database's first query"

query 'SELECT i FROM t ORDER BY i'
have=$(printf '%s\n' "$BODY" | grep -o '\["[0-9]*"\]' | tr -d '["]')
is "$have" "$(awk '$2 == 200 { print $1 }' "$T/writes" | sort -n)" \
	"exactly the acknowledged writes are in the database"
e2e_stop_server
have=$(sqlite3 "$T/data/databases/alice/db.sqlite/current/db.sqlite" 'SELECT i FROM t ORDER BY i')
is "$have" "$(awk '$2 == 200 { print $1 }' "$T/writes" | sort -n)" "and in the file once the server stopped"

tap_done
