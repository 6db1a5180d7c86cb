#!/bin/sh
# Export and import of whole databases end to end (README "The HTTP API":
# export, import): through lighttpd with curl and through `ayb client`.
# sqlite3 is the independent judge: a round trip must give the same
# `.dump`, ?format=sql must load into sqlite3 as the source's dump, and
# every refused import (not SQLite, truncated, corrupt, a hostile schema,
# over the size limit, a bad dump) must leave the database as it was.
. "$(dirname "$0")/lib.sh"

e2e_setup 'isolation {
  max_file_size_mb = 2
}'
e2e_start_server
export AYB_SERVER_URL=$URL

ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"
BOB=$(register_user bob bob@example.org) || bail "cannot register bob"
CAROL=$(register_user carol carol@example.org) || bail "cannot register carol"
export AYB_API_TOKEN=$ALICE
run create_database alice/src.sqlite sqlite no-access
is "$RC" 0 "create alice/src.sqlite"
run create_database alice/dst.sqlite sqlite no-access
is "$RC" 0 "create alice/dst.sqlite"
run share alice/src.sqlite bob read-only
is "$RC" 0 "bob may read alice/src.sqlite"
run share alice/dst.sqlite carol manager
is "$RC" 0 "carol manages alice/dst.sqlite"

sql() {
	api POST "/v1/alice/$1/query" -H "Authorization: Bearer ${3:-$ALICE}" --data-binary "$2"
}
# download PATH FILE CURL_ARGS...: GET into FILE; STATUS, and BODY when
# it is an error.
download() {
	_p=$1 _f=$2
	shift 2
	rm -f "$_f"
	STATUS=$(curl -sS -D "$T/headers" -o "$_f" -w '%{http_code}' "$@" "$URL$_p")
	BODY=
	[ "$STATUS" = 200 ] || BODY=$(cat "$_f")
}
# dump FILE: sqlite3's own dump of a database file.
dump() {
	sqlite3 "$1" .dump
}
# live DB: a copy of the database file as it is on disk now, for sqlite3.
live() {
	rm -f "$T/live.db"
	sqlite3 "$T/data/databases/alice/$1/current/$1" ".backup '$T/live.db'"
	echo "$T/live.db"
}

for q in \
	'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, r REAL, s TEXT, b BLOB)' \
	"INSERT INTO t (n, r, s, b) VALUES (9223372036854775807, 0.1, 'it''s', x'00ff10')" \
	"INSERT INTO t (n, r, s, b) VALUES (-9223372036854775808, 1e300, 'two
lines', NULL)" \
	"INSERT INTO t (n, r, s, b) VALUES (NULL, -2.5, 'é ✓ 😀', zeroblob(3))" \
	'CREATE TABLE "odd name" ("a b" TEXT, c INTEGER CHECK (c > 0), g INTEGER AS (c * 2))' \
	"INSERT INTO \"odd name\" VALUES ('x', 1)" \
	'CREATE INDEX t_s ON t (s)' \
	'CREATE VIEW v AS SELECT id, s FROM t' \
	'CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET n = 0 WHERE id = new.id AND new.n IS NULL; END'
do
	sql src.sqlite "$q"
	[ "$STATUS" = 200 ] || bail "setup query failed: $q: $STATUS $BODY"
done
dump "$(live src.sqlite)" >"$T/src.dump"

# ---- export ----------------------------------------------------------------------------
download /v1/alice/src.sqlite/export "$T/export.db" -H "Authorization: Bearer $ALICE"
is "$STATUS$BODY" 200 "the owner exports the database file"
is "$(header content-type)" "application/octet-stream" "as application/octet-stream"
is "$(header content-disposition)" 'attachment; filename="src.sqlite"' "as an attachment"
is "$(header content-length)" "$(stat -c %s "$T/export.db")" "with its length"
dump "$T/export.db" >"$T/export.dump"
cmp -s "$T/src.dump" "$T/export.dump"
ok $? "sqlite3 dumps the export as it dumps the live database"
is "$(sqlite3 "$T/export.db" 'PRAGMA integrity_check')" ok "the export is intact"
is "$(ls "$T/data/exports/alice/src.sqlite" | wc -l)" 0 "nothing of the export stays on the server"

download '/v1/alice/src.sqlite/export?format=sql' "$T/export.sql" -H "Authorization: Bearer $ALICE"
is "$STATUS" 200 "?format=sql exports SQL"
is "$(header content-type)" "application/sql" "as application/sql"
is "$(header content-disposition)" 'attachment; filename="src.sqlite.sql"' "named <db>.sql"
cmp -s "$T/export.sql" "$T/src.dump"
ok $? "the SQL is what sqlite3 .dump writes"
rm -f "$T/fromsql.db"
sqlite3 "$T/fromsql.db" <"$T/export.sql"
dump "$T/fromsql.db" >"$T/fromsql.dump"
cmp -s "$T/src.dump" "$T/fromsql.dump"
ok $? "loaded into sqlite3, the SQL gives the source's dump"

download /v1/alice/src.sqlite/export "$T/bob.db" -H "Authorization: Bearer $BOB"
is "$STATUS" 200 "a reader exports too"
api GET /v1/alice/src.sqlite/export -H "Authorization: Bearer $CAROL"
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"alice/src.sqlite","record_type":"database"}' \
	"a stranger does not see a private database"
api GET /v1/alice/src.sqlite/export
is "$STATUS" 401 "no token: 401"
api GET '/v1/alice/src.sqlite/export?format=csv' -H "Authorization: Bearer $ALICE"
is "$STATUS $BODY" '400 {"type":"Other","message":"Unknown export format: csv (sqlite or sql)"}' \
	"an unknown format is refused"
download /v1/alice/dst.sqlite/export "$T/empty.db" -H "Authorization: Bearer $ALICE"
is "$STATUS/$(stat -c %s "$T/empty.db")" "200/0" "a database never written exports as an empty file"

tap_done
