#!/bin/sh
# `ayb client` commands for sharing and tokens, with their exact output:
# update_database, database_details, share, list_database_permissions,
# list_tokens and revoke_token, and the errors they pass through.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server

export AYB_SERVER_URL=$URL

OLIVE=$(register_user olive olive@example.org) || bail "cannot register olive"
FRED=$(register_user fred fred@example.org) || bail "cannot register fred"
export AYB_API_TOKEN=$OLIVE
run create_database olive/db.sqlite
is "$OUT/$RC" "Successfully created olive/db.sqlite$NL/0" "create_database"

# ---- database_details and update_database ----------------------------------------------
run database_details olive/db.sqlite
is "$OUT/$RC" "Database: olive/db.sqlite${NL}Type: sqlite${NL}Access level: ReadWrite${NL}You have management permissions for this database$NL/0" \
	"database_details for the olive"

run update_database olive/db.sqlite --public_sharing_level read-only
is "$OUT/$RC" "Database olive/db.sqlite updated successfully$NL/0" "update_database"

OUT=$(env -u AYB_API_TOKEN "$AYB" client database_details olive/db.sqlite 2>&1)
is "$OUT" "Database: olive/db.sqlite${NL}Type: sqlite${NL}Access level: No query access" \
	"database_details without a token: public read-only database"

run --token "$FRED" database_details olive/db.sqlite
is "$OUT/$RC" "Database: olive/db.sqlite${NL}Type: sqlite${NL}Access level: ReadOnly$NL/0" \
	"database_details for another entity of a public read-only database"

# ---- share and list_database_permissions ------------------------------------------------
run list_database_permissions olive/db.sqlite
is "$OUT/$RC" "No shared permissions for olive/db.sqlite$NL/0" "no permissions yet"

run share olive/db.sqlite fred read-write
is "$OUT/$RC" "Permissions for fred on olive/db.sqlite updated successfully$NL/0" "share"

run list_database_permissions olive/db.sqlite
is "$OUT" " Entity | Sharing level $NL--------+---------------$NL fred   | read-write $NL" \
	"list_database_permissions table"
run list_database_permissions olive/db.sqlite --format csv
is "$OUT" "Entity,Sharing level${NL}fred,read-write$NL" "list_database_permissions CSV"

run --token "$FRED" query olive/db.sqlite "CREATE TABLE t(a)"
is "$OUT/$RC" "${NL}Rows: 0$NL/0" "the fred can write after share read-write"

run share olive/db.sqlite fred read-only
run --token "$FRED" query olive/db.sqlite "INSERT INTO t VALUES (1)"
is "$OUT|$ERR|$RC" "|Error: Attempted to write to database while in read-only mode|1" \
	"a write with read-only access"

run share olive/db.sqlite olive manager
is "$OUT|$ERR|$RC" "|Error: olive owns olive/db.sqlite, so their permissions can't be changed|1" \
	"the olive's permissions cannot change"

run --token "$FRED" update_database olive/db.sqlite --public_sharing_level fork
is "$RC|$OUT" "1|" "update_database without manage rights fails"
like "$ERR" "Error: " "update_database without manage rights: error on stderr"

run share olive/db.sqlite fred no-access
run list_database_permissions olive/db.sqlite
is "$OUT" "No shared permissions for olive/db.sqlite$NL" "no-access removes the grant"

# ---- tokens ----------------------------------------------------------------------------------
SHORT=$(printf '%s' "$OLIVE" | cut -d_ -f2)
run list_tokens --format csv
is "$RC" 0 "list_tokens"
is "$(printf '%s' "$OUT" | head -1)" "Short token,Scope,Permission,App,Created,Expires" "list_tokens CSV header"
printf '%s' "$OUT" | tail -n +2 | cut -d, -f1 | grep -qx "$SHORT"
ok $? "list_tokens lists the short token in use"
printf '%s' "$OUT" | tail -n +2 | grep "^$SHORT," | grep -q ",(all databases),(full access),,[^,]*,(never)$"
ok $? "list_tokens: unscoped token shows (all databases), (full access), no app, (never)"

run list_tokens
like "$OUT" " Short token " "list_tokens table header"

# A second token for the olive, revoked with the first.
"$AYB" client log_in olive >/dev/null 2>&1
SECOND=$(env -u AYB_API_TOKEN "$AYB" client --config "$T/second.json" confirm "$(email_token olive@example.org)" |
	sed -n 's/.* saved token \(.*\)$/\1/p')
SECOND_SHORT=$(printf '%s' "$SECOND" | cut -d_ -f2)
run revoke_token "$SECOND_SHORT"
is "$OUT/$RC" "Successfully revoked token $SECOND_SHORT$NL/0" "revoke_token"
run --token "$SECOND" list_tokens
is "$OUT|$ERR|$RC" "|Error: API token has been revoked|1" "a revoked token is refused"
run revoke_token "$SECOND_SHORT"
is "$OUT|$ERR|$RC" "|Error: API token $SECOND_SHORT not found|1" "revoking twice names the token"

tap_done
