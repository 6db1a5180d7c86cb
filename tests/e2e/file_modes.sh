#!/bin/sh
# What ayb creates is owner-only whatever the umask (README "Isolation",
# file modes): data_path from `ayb server`, the SQLite metadata file with its
# -wal and -shm, and a hosted database's directories and files.
# e2e-pg: the SQLite metadata file is the point; the rest is the same with either store
. "$(dirname "$0")/lib.sh"

umask 022
e2e_setup
# A data_path (and metadata directory) that `ayb server` has to create.
DATA=$T/fresh/data
sed -i "s|^data_path = .*|data_path = \"$DATA\"|" "$T/ayb.conf"
sed -i "s|^database_url = .*|database_url = \"sqlite://$DATA/ayb.sqlite\"|" "$T/ayb.conf"
e2e_start_server

# mode FILE NAME: FILE's permission bits are 700 for a directory, 600 for a file.
mode() {
	if [ -d "$1" ]; then want=700; else want=600; fi
	is "$(stat -c %a "$1" 2>&1)" "$want" "$2 is $want"
}

mode "$DATA" "data_path"
ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"
mode "$DATA/ayb.sqlite" "the metadata file"
mode "$DATA/ayb.sqlite-wal" "its -wal"
mode "$DATA/ayb.sqlite-shm" "its -shm"
api POST /v1/alice/t.sqlite/create -H "Authorization: Bearer $ALICE" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access' -d ''
is "$STATUS" 201 "create alice/t.sqlite"
api POST /v1/alice/t.sqlite/query -H "Authorization: Bearer $ALICE" --data-binary 'CREATE TABLE t(x)'
is "$STATUS" 200 "the first write creates the file"
V=$(readlink -f "$DATA/databases/alice/t.sqlite/current")
mode "$DATA/databases" "databases/"
mode "$DATA/databases/alice/t.sqlite" "the database's directory"
mode "$V" "its version directory"
mode "$V/t.sqlite" "the hosted database"
mode "$V/t.sqlite-wal" "its -wal"
mode "$V/t.sqlite-shm" "its -shm"

tap_done
