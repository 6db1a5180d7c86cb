#!/bin/sh
# The permission rules of README "Sharing and permissions" through the
# HTTP API, with three entities: the owner A, B and C.  Where ayb reveals a private database ("can't access",
# "can't query"), ayb-c answers as if it did not exist.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server

A=$(register_user e2e-first a@example.org) || bail "register A"
B=$(register_user e2e-second b@example.org) || bail "register B"
C=$(register_user e2e-third c@example.org) || bail "register C"
AA="Authorization: Bearer $A"
AB="Authorization: Bearer $B"
AC="Authorization: Bearer $C"
DB=/v1/e2e-first/test.sqlite
MISSING='404 {"type":"RecordNotFound","id":"e2e-first/test.sqlite","record_type":"database"}'

api POST $DB/create -d '' -H "$AA" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
api POST /v1/e2e-first/another.sqlite/create -d '' -H "$AA" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
api POST $DB/query -H "$AA" --data-binary 'CREATE TABLE t(x)'
for i in 1 2 3 4; do api POST $DB/query -H "$AA" --data-binary "INSERT INTO t VALUES ($i)"; done
api POST /v1/e2e-first/another.sqlite/query -H "$AA" --data-binary 'CREATE TABLE secret(x)'

q() { api POST "$2" -H "$1" --data-binary "$3"; }
details() { api GET "$2/details" -H "$1"; }
listed() { api GET /v1/entity/e2e-first -H "$1"; printf '%s' "$BODY" | grep -o '"databases":\[[^]]*\]'; }
share() { api POST $DB/share -d '' -H "$1" -H "entity-for-permission: $2" -H "sharing-level: $3"; }
public() { api PATCH $DB/update -d '' -H "$1" -H "public-sharing-level: $2"; }

# 1. Owner.
q "$AA" $DB/query 'SELECT count(*) FROM t'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["4"]]}' "1 owner queries"
details "$AA" $DB
is "$STATUS $BODY" '200 {"entity_slug":"e2e-first","database_slug":"test.sqlite","database_type":"sqlite","highest_query_access_level":"ReadWrite","can_manage_database":true,"public_sharing_level":"no-access"}' "1 owner details"

# 2. Private by default.
q "$AB" $DB/query 'SELECT 1'
is "$STATUS $BODY" "$MISSING" "2 B cannot query a private database (it looks missing)"
is "$(listed "$AB")" '"databases":[]' "2 B sees no database"
details "$AB" $DB
is "$STATUS $BODY" "$MISSING" "2 B gets no details"

# 3. Update by a non-manager / the owner.
public "$AB" read-only
is "$STATUS $BODY" "$MISSING" "3 B cannot update what B cannot see"
public "$AA" fork
is "$STATUS $BODY" '200 {}' "3 owner sets fork"

# 4. fork: listed, no query, details with null level.
q "$AB" $DB/query 'SELECT 1'
is "$STATUS $BODY" '403 {"type":"Other","message":"Authenticated entity e2e-second can'"'"'t query database e2e-first/test.sqlite"}' "4 fork: no query"
is "$(listed "$AB")" '"databases":[{"slug":"test.sqlite","database_type":"sqlite"}]' "4 fork: listed"
details "$AB" $DB
like "$BODY" '"highest_query_access_level":null,"can_manage_database":false,"public_sharing_level":"fork"' "4 fork: details, null level"
public "$AB" read-only
is "$STATUS $BODY" '403 {"type":"Other","message":"Authenticated entity e2e-second can'"'"'t update database e2e-first/test.sqlite"}' "3 a non-manager cannot update a visible database"

# 5. read-only.
public "$AA" read-only
q "$AB" $DB/query 'SELECT count(*) FROM t'
is "$BODY" '{"fields":["count(*)"],"rows":[["4"]]}' "5 read-only: B reads"
q "$AB" $DB/query 'INSERT INTO t VALUES (5)'
is "$STATUS $BODY" '403 {"type":"NoWriteAccessError","message":"Attempted to write to database while in read-only mode"}' "5 read-only: B cannot write"
# Pragmas that write the file although SQLite starts them on a read-only
# connection: the caller's 403, as for any write, not a 500 logged as the
# server's fault.  Reading the journal mode stays open to B; the owner may
# still change it and checkpoint.
NOWRITE='403 {"type":"NoWriteAccessError","message":"Attempted to write to database while in read-only mode"}'
for p in 'PRAGMA journal_mode=DELETE' 'PRAGMA journal_mode=WAL' "PRAGMA main.journal_mode('memory')" \
	'PRAGMA wal_checkpoint(TRUNCATE)' 'PRAGMA wal_checkpoint' 'PRAGMA main.wal_checkpoint(PASSIVE)'; do
	q "$AB" $DB/query "$p"
	is "$STATUS $BODY" "$NOWRITE" "5 read-only: B cannot run $p"
done
q "$AB" $DB/query 'PRAGMA journal_mode'
is "$STATUS $BODY" '200 {"fields":["journal_mode"],"rows":[["wal"]]}' "5 read-only: B reads the journal mode"
is "$(grep -c 'ayb-api: 5' "$T/server.log")" 0 "5 read-only: none of it is logged as a server fault"
# The server keeps every file in WAL mode (its writer holds the file open):
# the owner may set WAL again, and is told plainly that nothing else goes.
q "$AA" $DB/query "PRAGMA journal_mode=WAL"
is "$STATUS $BODY" '200 {"fields":["journal_mode"],"rows":[["wal"]]}' \
	"5 the owner may run PRAGMA journal_mode=WAL"
for p in 'PRAGMA journal_mode=DELETE:DELETE' "PRAGMA main.journal_mode('memory'):memory" \
	'PRAGMA journal_mode = off:off'; do
	q "$AA" $DB/query "${p%:*}"
	is "$STATUS $BODY" '403 {"type":"Other","message":"Forbidden operation: PRAGMA journal_mode='"${p##*:}"' is not allowed on this server"}' \
		"5 not even the owner may run ${p%:*}"
done
q "$AA" $DB/query 'PRAGMA temp.journal_mode=DELETE'
is "$STATUS" 200 "5 the temp schema's journal is the connection's own"
q "$AA" $DB/query 'PRAGMA journal_mode'
is "$STATUS $BODY" '200 {"fields":["journal_mode"],"rows":[["wal"]]}' "5 the file stays in WAL mode"
for p in 'PRAGMA wal_checkpoint(TRUNCATE)' 'PRAGMA wal_checkpoint'; do
	q "$AA" $DB/query "$p"
	is "$STATUS $BODY" '200 {"fields":["busy","log","checkpointed"],"rows":[["0","0","0"]]}' \
		"5 the owner may run $p"
done
details "$AB" $DB
like "$BODY" '"highest_query_access_level":"ReadOnly"' "5 read-only: details ReadOnly"
q "$AB" /v1/e2e-first/another.sqlite/query 'SELECT 1'
is "$STATUS" 404 "5 the owner's other database stays hidden"
api POST $DB/query --data-binary 'SELECT 1'
is "$STATUS" 401 "15 anonymous callers cannot query, even a public database"

# 6. Back to no-access.
public "$AA" no-access
q "$AB" $DB/query 'SELECT 1'
is "$STATUS $BODY" "$MISSING" "6 no-access again: no query"
is "$(listed "$AB")" '"databases":[]' "6 no-access again: not listed"

# 7. Nobody changes the owner's access.
share "$AA" e2e-first read-only
is "$STATUS $BODY" '403 {"type":"CantSetOwnerPermissions","message":"e2e-first owns e2e-first/test.sqlite, so their permissions can'"'"'t be changed"}' "7 not even the owner"

# 8. read-only grant.
share "$AA" e2e-second read-only
is "$STATUS:$BODY" '204:' "8 share read-only: 204, empty"
q "$AB" $DB/query 'SELECT count(*) FROM t'
is "$BODY" '{"fields":["count(*)"],"rows":[["4"]]}' "8 read-only grant reads"
q "$AB" $DB/query 'DELETE FROM t'
is "$STATUS" 403 "8 read-only grant cannot write"
details "$AB" $DB
like "$BODY" '"highest_query_access_level":"ReadOnly","can_manage_database":false' "8 details ReadOnly"
public "$AB" read-only
like "$BODY" "can't update database e2e-first/test.sqlite" "8 no update"
share "$AB" e2e-third read-only
is "$STATUS $BODY" '403 {"type":"Other","message":"Authenticated entity e2e-second can'"'"'t set permissions for database e2e-first/test.sqlite"}' "8 no sharing"
share "$AB" e2e-first read-only
like "$BODY" '"type":"CantSetOwnerPermissions"' "7 nor B on the owner"
q "$AC" $DB/query 'SELECT 1'
is "$STATUS" 404 "8 C still has nothing"

# 9. read-write grant.
share "$AA" e2e-second read-write
public "$AA" read-only
q "$AB" $DB/query 'INSERT INTO t VALUES (5)'
is "$STATUS $BODY" '200 {"fields":[],"rows":[]}' "9 read-write grant writes even on a public read-only database"
public "$AA" no-access
details "$AB" $DB
like "$BODY" '"highest_query_access_level":"ReadWrite","can_manage_database":false' "9 details ReadWrite"
api GET $DB/permissions -H "$AB"
is "$STATUS $BODY" '403 {"type":"Other","message":"Authenticated entity e2e-second can'"'"'t list permissions for database e2e-first/test.sqlite"}' "9 no grant list"

# 10. manager.
share "$AA" e2e-second manager
details "$AB" $DB
like "$BODY" '"highest_query_access_level":"ReadWrite","can_manage_database":true' "10 manager details"
api GET $DB/permissions -H "$AB"
is "$STATUS $BODY" '200 {"permissions":[{"entity_slug":"e2e-second","sharing_level":"manager"}]}' "10 manager lists grants"
api GET /v1/e2e-first/another.sqlite/permissions -H "$AB"
is "$STATUS" 404 "10 nothing on the owner's other database"

# 11. What a manager can do.
public "$AB" read-only
is "$STATUS" 200 "11 manager sets the public level"
q "$AC" $DB/query 'INSERT INTO t VALUES (6)'
is "$STATUS" 403 "11 C then reads only"
share "$AB" e2e-third read-only
is "$STATUS" 204 "11 manager shares with C"
api GET $DB/permissions -H "$AA"
is "$BODY" '{"permissions":[{"entity_slug":"e2e-second","sharing_level":"manager"},{"entity_slug":"e2e-third","sharing_level":"read-only"}]}' "grants listed in the order given"
share "$AB" e2e-third no-access
is "$STATUS" 204 "11 manager revokes C"
public "$AA" no-access
q "$AC" $DB/query 'SELECT 1'
is "$STATUS" 404 "11 C lost everything"
share "$AB" e2e-first manager
like "$BODY" '"type":"CantSetOwnerPermissions"' "11 the manager cannot touch the owner"
share "$AB" e2e-third no-access
is "$STATUS" 204 "removing a grant that does not exist is fine"

# 12. The owner revokes the manager.
share "$AA" e2e-second no-access
api GET $DB/permissions -H "$AA"
is "$BODY" '{"permissions":[]}' "12 no grants left"
q "$AB" $DB/query 'SELECT 1'
is "$STATUS" 404 "12 the ex-manager lost query"
api GET $DB/permissions -H "$AB"
is "$STATUS" 404 "12 and grant listing"

# 13-14. Anonymous and invalid tokens on optional endpoints.
public "$AA" read-only
api GET /v1/entity/e2e-first
like "$BODY" '"databases":[{"slug":"test.sqlite","database_type":"sqlite"}]' "13 anonymous: only public databases listed"
api GET $DB/details
is "$STATUS $BODY" '200 {"entity_slug":"e2e-first","database_slug":"test.sqlite","database_type":"sqlite","highest_query_access_level":null,"can_manage_database":false,"public_sharing_level":"read-only"}' "13 anonymous details of a public database"
api GET /v1/e2e-first/another.sqlite/details
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"e2e-first/another.sqlite","record_type":"database"}' "13 anonymous details of a private one"
short_a=$(printf '%s' "$A" | cut -d_ -f2)
api GET $DB/details -H "Authorization: Bearer ayb_${short_a}_bad"
is "$STATUS $BODY" '401 {"type":"InvalidToken","message":"Invalid API token"}' "14 a bad token is never anonymous"

# ---- bad input --------------------------------------------------------------------
share "$AA" e2e-second admin
is "$STATUS $BODY" '400 {"type":"Other","message":"Unknown value: admin"}' "unknown sharing level"
share "$AA" nobody read-only
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"nobody","record_type":"entity"}' "share with a missing entity"
api POST /v1/e2e-first/nope.sqlite/share -d '' -H "$AA" -H 'entity-for-permission: e2e-second' -H 'sharing-level: read-only'
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"e2e-first/nope.sqlite","record_type":"database"}' "share on a missing database"
api POST $DB/share -d '' -H "$AA" -H 'sharing-level: read-only'
is "$STATUS $BODY" '400 {"type":"Other","message":"Missing required `entity-for-permission` header"}' "share without a grantee"
api POST $DB/share -d '' -H "$AA" -H 'entity-for-permission: e2e-second'
is "$STATUS $BODY" '400 {"type":"Other","message":"Missing required `sharing-level` header"}' "share without a level"
public "$AA" everyone
is "$STATUS $BODY" '400 {"type":"Other","message":"Unknown value: everyone"}' "unknown public level"
api PATCH $DB/update -d '' -H "$AA"
is "$STATUS $BODY" '400 {"type":"EmptyUpdateError","message":"No fields provided to update. Please specify at least one field to update."}' "update with nothing to change"
api GET $DB/permissions -H "$AA"
is "$BODY" '{"permissions":[]}' "bad input changed no grant"

# 16. Tokens.
A2=$(register_user e2e-first a@example.org)
api GET /v1/tokens -H "$AA"
is "$STATUS" 200 "list tokens"
n=$(printf '%s' "$BODY" | grep -o '"short_token"' | wc -l)
is "$n" 2 "both live tokens are listed"
short_a2=$(printf '%s' "$A2" | cut -d_ -f2)
like "$BODY" "{\"short_token\":\"$short_a2\",\"scoped_database\":null,\"permission_level\":null,\"app_name\":null,\"created_at\":\"" "token fields"
printf '%s' "$BODY" | grep -Eq '"created_at":"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+","expires_at":null,"revoked_at":null'
ok $? "naive UTC timestamps"
first=$(printf '%s' "$BODY" | sed -n 's/^{"tokens":\[{"short_token":"\([^"]*\)".*/\1/p')
is "$first" "$short_a2" "newest token first"
api DELETE /v1/tokens/$short_a2 -H "Authorization: Bearer $A2"
is "$STATUS $BODY" '200 {}' "a token revokes itself"
api GET /v1/tokens -H "Authorization: Bearer $A2"
is "$STATUS $BODY" '401 {"type":"InvalidToken","message":"API token has been revoked"}' "the revoked token is refused"
api GET /v1/tokens -H "$AA"
is "$(printf '%s' "$BODY" | grep -o '"short_token"' | wc -l)" 1 "and disappears from the list"
api DELETE /v1/tokens/$short_a2 -H "$AA"
is "$STATUS $BODY" "404 {\"type\":\"RecordNotFound\",\"id\":\"$short_a2\",\"record_type\":\"api_token\"}" "revoking twice"
short_b=$(printf '%s' "$B" | cut -d_ -f2)
api DELETE /v1/tokens/$short_b -H "$AA"
is "$STATUS $BODY" "404 {\"type\":\"RecordNotFound\",\"id\":\"$short_b\",\"record_type\":\"api_token\"}" "revoking someone else's token"
api GET /v1/entity/e2e-second -H "$AB"
is "$STATUS" 200 "which keeps working"
api GET /v1/tokens
is "$STATUS" 401 "anonymous token listing"

# ---- scoped tokens (minted by OAuth later; inserted directly here) -------------------
scoped() { # SHORT SECRET LEVEL: a token of A scoped to test.sqlite
	hash=$(printf '%s' "$2" | sha256sum | cut -d' ' -f1)
	meta_sql "INSERT INTO api_token (short_token, entity_id, hash, database_id, query_permission_level, app_name, created_at) SELECT '$1', e.id, '$hash', d.id, $3, 'My App', '2026-01-01 00:00:00' FROM entity e JOIN database d ON d.entity_id = e.id WHERE e.slug = 'e2e-first' AND d.slug = 'test.sqlite'"
}
scoped ScopedRO1 SecretReadOnly1 0
scoped ScopedRW1 SecretReadWrite1 1
SRO="Authorization: Bearer ayb_ScopedRO1_SecretReadOnly1"
SRW="Authorization: Bearer ayb_ScopedRW1_SecretReadWrite1"
q "$SRO" $DB/query 'SELECT count(*) FROM t'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["5"]]}' "a read-only scoped token reads its database"
q "$SRO" $DB/query 'INSERT INTO t VALUES (7)'
is "$STATUS" 403 "but cannot write"
q "$SRW" $DB/query 'INSERT INTO t VALUES (7)'
is "$STATUS" 200 "a read-write scoped token writes"
q "$SRW" /v1/e2e-first/another.sqlite/query 'SELECT 1'
is "$STATUS" 404 "nothing on another database of the entity"
details "$SRO" $DB
like "$BODY" '"highest_query_access_level":"ReadWrite","can_manage_database":false' "details: the entity's level, no management"
public "$SRW" no-access
is "$STATUS" 403 "a scoped token cannot update the database"
share "$SRW" e2e-second read-only
is "$STATUS" 403 "nor share it"
api GET $DB/permissions -H "$SRW"
is "$STATUS" 403 "nor list its grants"
api POST /v1/e2e-first/new.sqlite/create -d '' -H "$SRW" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 403 "nor create databases"
api PATCH /v1/entity/e2e-first -H "$SRW" -H 'Content-Type: application/json' --data-binary '{"display_name":"x"}'
is "$STATUS" 403 "nor edit the profile"
api GET /v1/tokens -H "$SRW"
is "$STATUS" 403 "nor list tokens"
api DELETE /v1/tokens/$short_a -H "$SRW"
is "$STATUS" 403 "nor revoke others"
api GET /v1/entity/e2e-first -H "$SRW"
like "$BODY" '"databases":[{"slug":"test.sqlite","database_type":"sqlite"}],"permissions":{"can_create_database":false}' "entity page: only its database"
api DELETE /v1/tokens/ScopedRW1 -H "$SRW"
is "$STATUS" 200 "a scoped token may revoke itself"

tap_done
