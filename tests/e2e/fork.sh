#!/bin/sh
# Forking a database (README "The HTTP API"): who may fork (public levels x
# grants), where to (only an entity the caller may create databases for),
# what the fork starts as (a private copy with no grants, files of its own),
# a fork diverging from its source, the errors, and `ayb client
# fork_database`.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server

O=$(register_user e2e-owner o@example.org) || bail "register owner"
B=$(register_user e2e-second b@example.org) || bail "register B"
C=$(register_user e2e-third c@example.org) || bail "register C"
AO="Authorization: Bearer $O"
AB="Authorization: Bearer $B"
SRC=/v1/e2e-owner/src.sqlite
Q="'"

api POST $SRC/create -d '' -H "$AO" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
api POST $SRC/query -H "$AO" --data-binary 'CREATE TABLE t(x)'
for i in 1 2 3; do api POST $SRC/query -H "$AO" --data-binary "INSERT INTO t VALUES ($i)"; done

fork() { # TOKEN_HEADER SOURCE_PATH FORK_TO
	api POST "$2/fork" -d '' -H "$1" -H "fork-to: $3"
}
public() { api PATCH $SRC/update -d '' -H "$AO" -H "public-sharing-level: $1"; }
grant() { api POST $SRC/share -d '' -H "$AO" -H 'entity-for-permission: e2e-second' -H "sharing-level: $1"; }

# ---- who may fork: every public level with every grant of B's ---------------------
for pub in no-access fork read-only; do
	public $pub
	for g in no-access read-only read-write manager; do
		grant $g
		name=f-$pub-$g.sqlite
		fork "$AB" $SRC "e2e-second/$name"
		if [ $pub = no-access ] && [ $g = no-access ]; then
			is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"e2e-owner/src.sqlite","record_type":"database"}' \
				"public $pub, grant $g: no fork (the source looks missing)"
			api POST /v1/e2e-second/$name/query -H "$AB" --data-binary 'SELECT 1'
			is "$STATUS" 404 "public $pub, grant $g: nothing was created"
			continue
		fi
		is "$STATUS $BODY" '201 {"entity":"e2e-second","database":"'$name'","database_type":"sqlite","forked_from":"e2e-owner/src.sqlite"}' \
			"public $pub, grant $g: B forks"
		api POST /v1/e2e-second/$name/query -H "$AB" --data-binary 'SELECT group_concat(x) FROM t'
		is "$STATUS $BODY" '200 {"fields":["group_concat(x)"],"rows":[["1,2,3"]]}' \
			"public $pub, grant $g: the fork holds the rows"
	done
done
grant no-access
public no-access

# The fork starts private, with no grants, owned by B.
api GET /v1/e2e-second/f-fork-no-access.sqlite/details -H "$AB"
is "$STATUS $BODY" '200 {"entity_slug":"e2e-second","database_slug":"f-fork-no-access.sqlite","database_type":"sqlite","highest_query_access_level":"ReadWrite","can_manage_database":true,"public_sharing_level":"no-access"}' \
	"the fork is B's, private"
api GET /v1/e2e-second/f-read-only-manager.sqlite/permissions -H "$AB"
is "$STATUS $BODY" '200 {"permissions":[]}' "the fork has no grants"
api GET /v1/e2e-second/f-read-only-manager.sqlite/details -H "$AO"
is "$STATUS" 404 "the source's owner cannot see B's fork"
api POST /v1/e2e-second/f-fork-no-access.sqlite/fork -d '' -H "$AO" -H 'fork-to: e2e-owner/back.sqlite'
is "$STATUS" 404 "nor fork it back"

# ---- where to ---------------------------------------------------------------------------
public fork
fork "$AB" $SRC e2e-owner/mine.sqlite
is "$STATUS $BODY" '403 {"type":"Other","message":"Authenticated entity e2e-second can'$Q't create a database for entity e2e-owner"}' \
	"B cannot fork into the owner's entity"
fork "$AB" $SRC e2e-third/mine.sqlite
is "$STATUS $BODY" '403 {"type":"Other","message":"Authenticated entity e2e-second can'$Q't create a database for entity e2e-third"}' \
	"nor into a third entity"
fork "$AB" $SRC nobody/mine.sqlite
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"nobody","record_type":"entity"}' \
	"nor into an entity that does not exist"
fork "$AB" $SRC e2e-second/f-fork-read-only.sqlite
is "$STATUS $BODY" '409 {"type":"Other","message":"Database already exists"}' \
	"a name that is taken: 409"
api POST /v1/e2e-second/f-fork-read-only.sqlite/query -H "$AB" --data-binary 'SELECT count(*) FROM t'
is "$BODY" '{"fields":["count(*)"],"rows":[["3"]]}' "the database of that name is untouched"
api POST $SRC/fork -d '' -H "$AB"
is "$STATUS $BODY" '400 {"type":"Other","message":"Missing required `fork-to` header"}' "no fork-to"
for bad in e2e-second /x.sqlite e2e-second/a/b; do
	fork "$AB" $SRC "$bad"
	is "$STATUS $BODY" '400 {"type":"Other","message":"Invalid `fork-to` header: expected <entity>/<database>"}' \
		"fork-to '$bad' is refused"
done
fork "$AB" $SRC e2e-second/
is "$STATUS $BODY" '400 {"type":"InvalidSlug","message":"A database slug can'$Q't be empty"}' \
	"an empty database slug"
fork "$AB" $SRC 'e2e-second/bad name'
is "$STATUS $BODY" '400 {"type":"InvalidSlug","message":"Invalid database slug: bad name. Only letters, numbers, underscores, hyphens, and periods are allowed"}' \
	"an invalid database slug"
api POST $SRC/fork -d '' -H 'fork-to: e2e-second/anon.sqlite'
is "$STATUS" 401 "anonymous: 401"
api POST /v1/e2e-second/anon.sqlite/query -H "$AB" --data-binary 'SELECT 1'
is "$STATUS" 404 "none of the refused forks made a database"
is "$(meta_sql "SELECT count(*) FROM database WHERE slug IN ('mine.sqlite','anon.sqlite','back.sqlite')")" 0 \
	"nor a row in the metadata"

# Forking one's own database, and B's fork of the fork.
fork "$AO" $SRC e2e-owner/copy.sqlite
is "$STATUS" 201 "the owner forks its own database"
fork "$AB" /v1/e2e-second/f-fork-no-access.sqlite e2e-second/second-gen.sqlite
is "$STATUS $BODY" '201 {"entity":"e2e-second","database":"second-gen.sqlite","database_type":"sqlite","forked_from":"e2e-second/f-fork-no-access.sqlite"}' \
	"a fork of a fork"

# ---- a fork diverges from its source ------------------------------------------------------
FORK=/v1/e2e-owner/copy.sqlite
api POST $SRC/query -H "$AO" --data-binary 'INSERT INTO t VALUES (100)'
api POST $FORK/query -H "$AO" --data-binary 'INSERT INTO t VALUES (200)'
api POST $SRC/query -H "$AO" --data-binary 'SELECT group_concat(x) FROM t'
is "$BODY" '{"fields":["group_concat(x)"],"rows":[["1,2,3,100"]]}' "the source sees its write, not the fork's"
api POST $FORK/query -H "$AO" --data-binary 'SELECT group_concat(x) FROM t'
is "$BODY" '{"fields":["group_concat(x)"],"rows":[["1,2,3,200"]]}' "the fork sees its write, not the source's"
api POST $FORK/query -H "$AO" --data-binary 'DROP TABLE t'
api POST $SRC/query -H "$AO" --data-binary 'SELECT count(*) FROM t'
is "$BODY" '{"fields":["count(*)"],"rows":[["4"]]}' "dropping the fork's table leaves the source's"
src_file=$(readlink -f "$T/data/databases/e2e-owner/src.sqlite/current")/src.sqlite
fork_file=$(readlink -f "$T/data/databases/e2e-owner/copy.sqlite/current")/copy.sqlite
is "$(stat -c %i "$src_file" | grep -c "^$(stat -c %i "$fork_file")\$")" 0 "the fork's file is not its source's"
is "$(stat -c %h "$fork_file")" 1 "and no hard link to it"
is "$(stat -c %a "$fork_file")" 600 "the fork's file is owner-only, as every tenant file"

# A fork taken while the source is being written is a consistent copy: rows
# 1..n were inserted one by one, in order, so the fork holds 1..k for some k
# with no gap, and passes SQLite's integrity check.
api POST $SRC/query -H "$AO" --data-binary 'CREATE TABLE seq(x INTEGER PRIMARY KEY)'
(
	for i in $(seq 1 200); do
		curl -sS -o /dev/null -X POST -H "$AO" --data-binary "INSERT INTO seq VALUES ($i)" \
			"$URL$SRC/query"
	done
) &
writer=$!
fork "$AO" $SRC e2e-owner/during.sqlite
is "$STATUS" 201 "a fork while the source is being written"
wait $writer
api POST /v1/e2e-owner/during.sqlite/query -H "$AO" \
	--data-binary 'SELECT count(*) = coalesce(max(x), 0) AND count(*) <= 200 FROM seq'
is "$BODY" '{"fields":["count(*) = coalesce(max(x), 0) AND count(*) <= 200"],"rows":[["1"]]}' \
	"the fork holds a gapless prefix of the writes"
api POST /v1/e2e-owner/during.sqlite/query -H "$AO" --data-binary 'PRAGMA integrity_check'
is "$BODY" '{"fields":["integrity_check"],"rows":[["ok"]]}' "and passes the integrity check"
api POST $SRC/query -H "$AO" --data-binary 'SELECT count(*) FROM seq'
is "$BODY" '{"fields":["count(*)"],"rows":[["200"]]}' "the source has every write"

# A database never written forks into an empty one.
api POST /v1/e2e-owner/empty.sqlite/create -d '' -H "$AO" -H 'db-type: sqlite' -H 'public-sharing-level: fork'
fork "$AB" /v1/e2e-owner/empty.sqlite e2e-second/from-empty.sqlite
is "$STATUS" 201 "a database never written forks"
api POST /v1/e2e-second/from-empty.sqlite/query -H "$AB" --data-binary 'SELECT count(*) FROM sqlite_master'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["0"]]}' "into an empty database"
api POST /v1/e2e-second/from-empty.sqlite/query -H "$AB" --data-binary 'CREATE TABLE mine(y)'
is "$STATUS" 200 "which B writes"

# ---- the web UI: a Fork card where the level allows -----------------------------------------
CB="auth=e2e-second:$B"
page() { api GET "$1" -b "$2"; }
page /e2e-owner/src.sqlite "$CB"
like "$BODY" '<form method="post" action="/e2e-owner/src.sqlite/fork"' "UI: B sees the Fork card (public fork)"
like "$BODY" 'You can request access from the database owner or fork a copy.' \
	"UI: and is told a copy can be forked"
CSRF=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
ui_fork() { # COOKIE NAME [CURL_ARGS...]
	_c=$1 _n=$2
	shift 2
	api POST /e2e-owner/src.sqlite/fork -b "$_c" "$@" --data-urlencode "csrf=$CSRF" \
		--data-urlencode "database_slug=$_n"
}
ui_fork "$CB" ui.sqlite
is "$STATUS $(header Location)" "303 /e2e-second/ui.sqlite" "UI: the form forks, then shows the fork"
api POST /v1/e2e-second/ui.sqlite/query -H "$AB" --data-binary 'SELECT count(*) FROM t'
is "$BODY" '{"fields":["count(*)"],"rows":[["4"]]}' "UI: the fork holds the rows"
ui_fork "$CB" ui.sqlite -H 'HX-Request: true'
is "$STATUS" 409 "UI: a name taken, from the page script: 409"
like "$BODY" 'Database already exists' "UI: with the reason in place of the form's results"
ui_fork "$CB" 'bad name'
is "$STATUS" 400 "UI: an invalid name: 400"
like "$BODY" 'Invalid database slug: bad name' "UI: with the reason"
ui_fork "$CB" ui2.sqlite -H 'HX-Request: true'
is "$STATUS $(header HX-Redirect)" "200 /e2e-second/ui2.sqlite" "UI: from the page script, HX-Redirect to the fork"
public no-access
page /e2e-owner/src.sqlite "$CB"
is "$STATUS" 404 "UI: a private source is not even shown to B"
ui_fork "$CB" ui3.sqlite
is "$STATUS" 404 "UI: nor forked by B"
page /e2e-owner/src.sqlite ''
is "$STATUS" 404 "UI: nor to a visitor"
public fork
page /e2e-owner/src.sqlite ''
case "$BODY" in *'action="/e2e-owner/src.sqlite/fork"'*) r=1 ;; *) r=0 ;; esac
ok $r "UI: no Fork card for a visitor who is not logged in"
ui_fork '' ui4.sqlite
like "$STATUS" '40' "UI: and no fork without a login ($STATUS)"
page /e2e-owner/src.sqlite "auth=e2e-owner:$O"
like "$BODY" 'action="/e2e-owner/src.sqlite/fork"' "UI: the owner may fork its own database"

# ---- ayb client fork_database ---------------------------------------------------------------
export AYB_SERVER_URL=$URL AYB_API_TOKEN=$B
run fork_database e2e-owner/src.sqlite e2e-second/cli.sqlite
is "$OUT/$RC" "Forked e2e-owner/src.sqlite to e2e-second/cli.sqlite$NL/0" "fork_database"
run query e2e-second/cli.sqlite 'SELECT count(*) AS n FROM t' --format csv
is "$OUT/$RC" "n${NL}4$NL${NL}Rows: 1$NL/0" "the CLI's fork holds the rows"
run fork_database e2e-owner/src.sqlite e2e-second/cli.sqlite
is "$ERR/$RC" "Error: Database already exists/1" "fork_database to a taken name"
run fork_database e2e-owner/src.sqlite e2e-owner/cli.sqlite
is "$ERR/$RC" "Error: Authenticated entity e2e-second can't create a database for entity e2e-owner/1" \
	"fork_database into another entity"
run fork_database e2e-owner/src.sqlite cli.sqlite
is "$RC" 2 "fork_database with a target that is not entity/database: usage error"
like "$ERR" "invalid value 'cli.sqlite' for '<fork_to>'" "which names the argument"

tap_done
