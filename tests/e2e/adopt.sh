#!/bin/sh
# `ayb admin adopt` (README "Moving from ayb"): an ayb server's metadata store
# and data_path, as ayb leaves them (tests/e2e/ayb_fixture.sh), are taken over
# in place; then every token, grant, public level, OAuth code and query works
# through the API and the CLI as it did under ayb.  A dry run and a second
# adoption change nothing; a store that is not ayb's is refused untouched.
# tests/e2e/pg/adopt.sh runs it all with the store in PostgreSQL.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/ayb_fixture.sh"

e2e_setup
ayb_fixture_build

# adopt ARGS...: `ayb admin adopt ARGS`, setting OUT, ERR and RC.
adopt() {
	OUT=$("$AYB" admin adopt "$@" 2>"$T/stderr"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=$(printf '%s' "${OUT%rc=*}")
	ERR=$(cat "$T/stderr")
}

# store_state: the metadata store's schema and rows, to compare before and after.
store_state() {
	if [ "${AYB_E2E_METADATA:-sqlite}" = pg ]; then
		meta_sql "SELECT table_name, column_name, data_type, character_maximum_length
			FROM information_schema.columns WHERE table_schema = 'public'
			ORDER BY table_name, column_name;
			SELECT * FROM entity ORDER BY id; SELECT * FROM api_token ORDER BY short_token;
			SELECT * FROM entity_database_permission ORDER BY entity_id, database_id;
			SELECT code FROM oauth_authorization_request;"
	else
		sqlite3 "$T/data/ayb.sqlite" .dump
	fi
}

# ---- before adopting -------------------------------------------------------------
out=$("$AYB" server --config "$T/ayb.conf" 2>&1 </dev/null)
rc=$?
is "$rc $(printf '%s' "$out" | grep -c 'ayb admin adopt')" "1 1" \
	"ayb server refuses an ayb store not yet adopted, saying what to run"

# Not ayb's: a store with an `entity` table but no _sqlx_migrations, and one
# that never held anything.
if [ "${AYB_E2E_METADATA:-sqlite}" = pg ]; then
	pg_createdb unrelated
	pg_psql unrelated -c 'CREATE TABLE entity (id INT, slug TEXT)'
	other_url=$(pg_url unrelated)
	other_state() { pg_psql unrelated -c "SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' ORDER BY 1"; }
else
	sqlite3 "$T/unrelated.sqlite" 'CREATE TABLE entity (id INT, slug TEXT)'
	other_url=sqlite://$T/unrelated.sqlite
	other_state() { sqlite3 "$T/unrelated.sqlite" .dump; }
fi
sed "s|^database_url = .*|database_url = \"$other_url\"|" "$T/ayb.conf" >"$T/other.conf"
before=$(other_state)
adopt --config "$T/other.conf"
is "$RC" 1 "an unrelated database is refused"
is "$ERR" "Error: Not an ayb metadata store: it has no _sqlx_migrations table (ayb's record of its migrations); nothing was changed" \
	"  with a message saying why"
is "$(other_state)" "$before" "  and left as it was"
sed "s|^database_url = .*|database_url = \"sqlite://$T/nothing-here.sqlite\"|" "$T/ayb.conf" \
	>"$T/missing.conf"
adopt --config "$T/missing.conf"
is "$RC $ERR" "1 Error: No metadata store at $T/nothing-here.sqlite: nothing to adopt" \
	"a metadata file that does not exist is refused"
[ ! -e "$T/nothing-here.sqlite" ]
ok $? "  and not created"
adopt --config "$T/nope.conf" --dry-run
is "$RC" 1 "a configuration file that does not exist is refused"
adopt --config "$T/ayb.conf" --dryrun
is "$RC" 2 "an unknown option is a usage error"

# An ayb older than its migration 2025122602 marked revoked tokens in
# api_token.status: adopting it would revive them, so it is refused.
meta_sql 'ALTER TABLE api_token ADD COLUMN status SMALLINT' >/dev/null
adopt --config "$T/ayb.conf"
is "$RC $ERR" "1 Error: This ayb metadata store predates ayb's migration 2025122602 (api_token.status): upgrade ayb and start it once, then adopt" \
	"an ayb store from before ayb's 2025122602 is refused"
meta_sql 'ALTER TABLE api_token DROP COLUMN status' >/dev/null
meta_sql "UPDATE _sqlx_migrations SET success = FALSE WHERE version = 2025122602" >/dev/null
adopt --config "$T/ayb.conf"
is "$RC $ERR" "1 Error: ayb's migrations did not all succeed (1 failed in _sqlx_migrations): start ayb once to finish them, then adopt" \
	"one whose migrations did not all succeed too"
meta_sql "UPDATE _sqlx_migrations SET success = TRUE WHERE version = 2025122602" >/dev/null

# ---- a dry run ---------------------------------------------------------------------
before=$(store_state)
link_before=$(readlink "$T/data/databases/acme/shared.sqlite/current")
adopt --config "$T/ayb.conf" --dry-run
is "$RC" 0 "a dry run succeeds"
is "$OUT" "$DATABASE_URL: ayb's metadata store (10 ayb migrations applied), dry run: nothing is changed
  entities: 3 users, 1 organizations
  email addresses: 4
  databases: 6 (0 DuckDB)
  API tokens: 6 (1 revoked, 1 scoped to one database)
  grants: 3
  OAuth authorization codes: 1
data_path $T/data: 3 databases with a file, 1 not written yet, 1 re-pointed, 1 missing
acme/shared.sqlite: \`current\` pointed outside data_path; would be re-pointed at the same version here
bob/case.sqlite: no databases/bob/case.sqlite/current under data_path: queries will fail until it is restored
Dry run: run again without --dry-run to adopt." "  and says what it would do"
is "$(store_state)" "$before" "  the store is unchanged"
is "$(readlink "$T/data/databases/acme/shared.sqlite/current")" "$link_before" \
	"  and so is the data directory"

# ---- adopting ------------------------------------------------------------------------
adopt --config "$T/ayb.conf"
is "$RC" 0 "adopt succeeds"
like "$OUT" "Adopted: ayb-c serves this store and data_path from now on." "  and says so"
like "$OUT" "acme/shared.sqlite: \`current\` pointed outside data_path; re-pointed" \
	"  re-pointing the link into a former data_path"
case $(readlink "$T/data/databases/acme/shared.sqlite/current") in
"$T/data/databases/acme/shared.sqlite/"*) ok 0 "  which now names the version here" ;;
*) ok 1 "  which now names the version here" ;;
esac
is "$(meta_sql 'SELECT count(*) FROM _sqlx_migrations')" 10 "ayb's bookkeeping is kept"
is "$(meta_sql 'SELECT count(*) FROM oauth_authorization_request
	WHERE code = '"'$OAUTH_CODE'")" 0 "the pending OAuth code is no longer at rest as itself"

before=$(store_state)
adopt --config "$T/ayb.conf"
is "$RC" 0 "a second adopt succeeds"
is "$OUT" "$DATABASE_URL is already ayb-c's (adopted, or made by ayb-c): nothing to change in it.
data_path $T/data: 4 databases with a file, 1 not written yet, 0 re-pointed, 1 missing
bob/case.sqlite: no databases/bob/case.sqlite/current under data_path: queries will fail until it is restored" \
	"  and says there is nothing to do"
is "$(store_state)" "$before" "  changing nothing"

# The database ayb filed under "Bob", moved where README "Moving from ayb"
# says: the next adopt re-points its link, still naming "Bob".
mkdir -p "$T/data/databases/bob"
mv "$T/data/databases/Bob/case.sqlite" "$T/data/databases/bob/"
adopt --config "$T/ayb.conf"
like "$RC $OUT" "0 $DATABASE_URL is already ayb-c's (adopted, or made by ayb-c): nothing to change in it.
data_path $T/data: 4 databases with a file, 1 not written yet, 1 re-pointed, 0 missing
bob/case.sqlite: \`current\` pointed outside data_path; re-pointed" \
	"a database moved out of its capitalised directory is re-pointed by the next adopt"

# ---- served by ayb-c -------------------------------------------------------------------
e2e_start_server
A="Authorization: Bearer $TOKEN_ALICE"
q() { # WHO DB SQL
	api POST "/v1/$2/query" -H "Authorization: Bearer $1" --data-binary "$3"
}
api GET /v1/entity/alice -H "$A"
like "$STATUS $BODY" '200 {"slug":"alice","profile":{"display_name":"Alice Liddell"' \
	"alice's token works; her profile is kept"
like "$BODY" '"databases":[{"slug":"fresh.sqlite","database_type":"sqlite"},{"slug":"forkable.sqlite","database_type":"sqlite"},{"slug":"public.sqlite","database_type":"sqlite"},{"slug":"notes.sqlite","database_type":"sqlite"}]' \
	"  her databases, newest first"
q "$TOKEN_ALICE" alice/notes.sqlite 'SELECT body FROM note ORDER BY id'
is "$STATUS $BODY" '200 {"fields":["body"],"rows":[["first"],["second"]]}' \
	"her database's rows, written by ayb, are read"
q "$TOKEN_ALICE" alice/notes.sqlite "INSERT INTO note (body) VALUES ('third')"
is "$STATUS" 200 "  and written to"
q "$TOKEN_REVOKED" alice/notes.sqlite 'SELECT 1'
is "$STATUS $BODY" '401 {"type":"InvalidToken","message":"API token has been revoked"}' \
	"the revoked token stays revoked"
q "$TOKEN_SCOPED" alice/notes.sqlite 'SELECT count(*) FROM note'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["3"]]}' \
	"the scoped token reads its database"
q "$TOKEN_SCOPED" alice/notes.sqlite "DELETE FROM note"
is "$STATUS" 403 "  but may not write it (read-only scope)"
q "$TOKEN_SCOPED" alice/public.sqlite 'SELECT 1'
is "$STATUS" 404 "  nor touch another database"
q "$TOKEN_BOB" alice/notes.sqlite 'SELECT count(*) FROM note'
is "$STATUS" 200 "bob's read-only grant reads"
q "$TOKEN_BOB" alice/notes.sqlite "INSERT INTO note (body) VALUES ('bob')"
is "$STATUS $BODY" '403 {"type":"NoWriteAccessError","message":"Attempted to write to database while in read-only mode"}' \
	"  and may not write"
q "$TOKEN_CAROL" alice/notes.sqlite "INSERT INTO note (body) VALUES ('carol')"
is "$STATUS" 200 "carol's read-write grant writes"
q "$TOKEN_BOB" alice/public.sqlite 'SELECT v FROM fact'
is "$STATUS $BODY" '200 {"fields":["v"],"rows":[["3.14"]]}' "a read-only public database is read by anyone"
q "$TOKEN_BOB" alice/public.sqlite "DELETE FROM fact"
is "$STATUS" 403 "  and written by no one else"
api POST /v1/alice/forkable.sqlite/fork -d '' -H "Authorization: Bearer $TOKEN_BOB" \
	-H 'fork-to: bob/copy.sqlite'
q "$TOKEN_BOB" bob/copy.sqlite 'SELECT x FROM t'
is "$STATUS $BODY" '200 {"fields":["x"],"rows":[["42"]]}' "a fork-level public database is forked"
q "$TOKEN_ACME" acme/shared.sqlite 'SELECT step FROM plan'
is "$STATUS $BODY" '200 {"fields":["step"],"rows":[["ship"]]}' \
	"the organization's database behind the re-pointed link is read"
q "$TOKEN_BOB" bob/case.sqlite 'SELECT v FROM c'
is "$STATUS $BODY" '200 {"fields":["v"],"rows":[["found"]]}' "  and served"
q "$TOKEN_ALICE" alice/fresh.sqlite 'CREATE TABLE t (x)'
is "$STATUS" 200 "a database ayb created and never wrote is written at last"
d128=$(printf 'd%.0s' $(seq 128))
api POST "/v1/alice/$d128/create" -d '' -H "$A" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access'
is "$STATUS" 201 "a 128-byte database slug fits the adopted store's columns"
run --url "$URL" --token "$TOKEN_ALICE" query "alice/$d128" --format csv 'SELECT 7 AS n'
like "$RC $OUT" "0 n
7
" "  and the CLI queries it"
api GET /v1/alice/notes.sqlite/permissions -H "$A"
is "$STATUS $BODY" '200 {"permissions":[{"entity_slug":"carol","sharing_level":"read-write"},{"entity_slug":"bob","sharing_level":"read-only"}]}' \
	"grants list in the order ayb gave them"
api GET /v1/acme/shared.sqlite/permissions -H "Authorization: Bearer $TOKEN_BOB"
is "$STATUS" 200 "bob's manager grant manages"

# The pending authorization code is exchanged as it would have been by ayb.
api POST /v1/oauth/token -H 'Content-Type: application/json' -d \
	"{\"grant_type\":\"authorization_code\",\"code\":\"$OAUTH_CODE\",\"redirect_uri\":\"$OAUTH_REDIRECT\",\"code_verifier\":\"$OAUTH_VERIFIER\"}"
like "$STATUS $BODY" '200 {"access_token":"ayb_' "the OAuth code in flight is exchanged"
app=$(printf '%s' "$BODY" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
q "$app" alice/notes.sqlite 'SELECT count(*) FROM note'
is "$STATUS" 200 "  for a token that reads its database"

# ---- the CLI, with the same tokens ---------------------------------------------------------
run --url "$URL" --token "$TOKEN_ALICE" query alice/notes.sqlite 'SELECT body FROM note ORDER BY id'
is "$RC $(printf '%s\n' "$OUT" | sed 's/ *$//')" "0  body
--------
 first
 second
 third
 carol

Rows: 4" "ayb client query with alice's adopted token"
run --url "$URL" --token "$TOKEN_ALICE" list_tokens
is "$RC $(printf '%s\n' "$OUT" | grep -c '^ [A-Za-z0-9]\{8,12\} ')" "0 3" \
	"list_tokens: her live tokens, the revoked one left out"
like "$OUT" "alice/notes.sqlite" "  the scoped one naming its database"
run --url "$URL" --token "$TOKEN_REVOKED" list alice
is "$RC $ERR" "1 Error: API token has been revoked" "the revoked token fails in the CLI too"
run --url "$URL" --token "$TOKEN_BOB" query alice/notes.sqlite "DELETE FROM note"
is "$RC $ERR" "1 Error: Attempted to write to database while in read-only mode" \
	"bob's read-only grant, from the CLI"
run --url "$URL" log_in alice
like "$RC $OUT" "0 Check your email to finish logging in alice" "log_in mails alice's address"
[ "$(email_token alice@example.org)" ]
ok $? "  which ayb had recorded"
run --url "$URL" confirm "$(email_token alice@example.org)"
is "$RC" 0 "  and its token confirms"
api POST /v1/register -d '' -H 'entity: alice' -H 'email-address: mallory@example.org' \
	-H 'entity-type: user'
is "$STATUS $BODY" '409 {"type":"Other","message":"alice has already been registered"}' \
	"registering alice again with another address fails"

e2e_stop_server
tap_done
