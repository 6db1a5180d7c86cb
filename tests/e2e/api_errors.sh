#!/bin/sh
# One check per bad input: the right status, ayb's JSON envelope, and
# nothing created on disk or in the metadata store.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server

TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"
TOKEN_B=$(register_user bob bob@example.org) || bail "cannot register bob"
api POST /v1/alice/db.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "setup: alice/db.sqlite"
api POST /v1/alice/db.sqlite/query -H "$AUTH" --data-binary 'CREATE TABLE t(x)'
is "$STATUS" 200 "setup: the first query creates the file"

# Snapshot of what exists, compared at the end: bad input must change nothing.
state() {
	(cd "$T/data" && find databases | sort)
	meta_sql 'SELECT slug FROM entity ORDER BY id; SELECT entity_id, slug FROM database ORDER BY id; SELECT email_address FROM authentication_method ORDER BY id;'
}
before=$(state)

envelope() { # STATUS TYPE MESSAGE NAME
	is "$STATUS $BODY" "$1 {\"type\":\"$2\",\"message\":\"$3\"}" "$4"
}

# ---- register: headers -------------------------------------------------------------
api POST /v1/register -d '' -H 'email-address: a@example.org' -H 'entity-type: user'
envelope 400 Other 'Missing required `entity` header' "register without entity"
api POST /v1/register -d '' -H 'entity: carol' -H 'entity-type: user'
envelope 400 Other 'Missing required `email-address` header' "register without email-address"
api POST /v1/register -d '' -H 'entity: carol' -H 'email-address: c@example.org'
envelope 400 Other 'Missing required `entity-type` header' "register without entity-type"
api POST /v1/register -d '' -H 'entity: carol' -H 'email-address: c@example.org' -H 'entity-type: robot'
envelope 400 Other 'Unknown value: robot' "register with an unknown entity-type"
api POST /v1/register -d '' -H 'entity: carol' -H 'email-address: not-an-address' -H 'entity-type: user'
is "$STATUS" 400 "register with an invalid email address"
like "$BODY" '"type":"Other"' "invalid email address envelope"

# ---- register: slugs ----------------------------------------------------------------
api POST /v1/register -d '' -H 'entity: ..' -H 'email-address: c@example.org' -H 'entity-type: user'
envelope 400 InvalidSlug 'Invalid entity slug: ..' "entity slug .."
api POST /v1/register -d '' -H 'entity: a/b' -H 'email-address: c@example.org' -H 'entity-type: user'
envelope 400 InvalidSlug 'Invalid entity slug: a/b. Only letters, numbers, underscores, hyphens, and periods are allowed' "entity slug with /"
api POST /v1/register -d '' -H 'entity: %2e%2e' -H 'email-address: c@example.org' -H 'entity-type: user'
envelope 400 InvalidSlug 'Invalid entity slug: %2e%2e. Only letters, numbers, underscores, hyphens, and periods are allowed' "entity slug %2e%2e"
long=$(printf 'a%.0s' $(seq 200))
api POST /v1/register -d '' -H "entity: $long" -H 'email-address: c@example.org' -H 'entity-type: user'
envelope 400 InvalidSlug "A entity slug can't be longer than 128 bytes, but this one is 200 bytes" "entity slug of 200 characters"
for name in register Log_In ROOT API v1; do
	lower=$(printf '%s' "$name" | tr A-Z a-z)
	api POST /v1/register -d '' -H "entity: $name" -H 'email-address: c@example.org' -H 'entity-type: user'
	envelope 400 RegistrationError "Username '$lower' is reserved and cannot be used" "reserved name $name"
done

# ---- duplicate entity ------------------------------------------------------------------
api POST /v1/register -d '' -H 'entity: alice' -H 'email-address: mallory@example.org' -H 'entity-type: user'
envelope 409 Other 'alice has already been registered' "register a taken entity with another address"

# ---- emailed tokens -----------------------------------------------------------------------
api POST /v1/confirm -d ''
envelope 400 Other 'Missing required `authentication-token` header' "confirm without a token"
api POST /v1/confirm -d '' -H 'authentication-token: garbage'
envelope 401 Other 'Invalid or expired token' "confirm with a garbled token"
api POST /v1/register -d '' -H 'entity: alice' -H 'email-address: alice@example.org' -H 'entity-type: user'
good=$(email_token alice@example.org)
api POST /v1/confirm -d '' -H "authentication-token: ${good}x"
envelope 401 Other 'Invalid or expired token' "confirm with one extra character"
wrong=$(printf '%s' "$good" | sed 's/^\(.\{10\}\)./\1A/;t;s/^/x/')
[ "$wrong" = "$good" ] && wrong=$(printf '%s' "$good" | sed 's/^\(.\{10\}\)./\1B/')
api POST /v1/confirm -d '' -H "authentication-token: $wrong"
envelope 401 Other 'Invalid or expired token' "confirm with a changed character"

# ---- log in -----------------------------------------------------------------------------
api POST /v1/log_in -d ''
envelope 400 Other 'Missing required `entity` header' "log in without entity"
api POST /v1/log_in -d '' -H 'entity: nobody'
envelope 404 Other 'No account or email authentication method for nobody' "log in an unknown entity"

# ---- bearer tokens ---------------------------------------------------------------------
api POST /v1/alice/db.sqlite/query --data-binary 'SELECT 1'
envelope 401 Unauthorized 'Missing Authorization header: expected `Bearer <token>`' "query without a token"
is "$(header www-authenticate)" Bearer "401 asks for a bearer token"
api POST /v1/alice/db.sqlite/query --data-binary 'SELECT 1' -H "Authorization: Basic $TOKEN"
envelope 401 Unauthorized 'Invalid Authorization header: expected `Bearer <token>`' "query with a Basic header"
api POST /v1/alice/db.sqlite/query --data-binary 'SELECT 1' -H 'Authorization: Bearer short'
envelope 401 Unauthorized 'Invalid Authorization header: expected `Bearer <token>`' "query with a too short token"
api POST /v1/alice/db.sqlite/query --data-binary 'SELECT 1' -H 'Authorization: Bearer abcdefghijkl'
envelope 401 Other 'Error parsing API token: WrongNumberOfParts(1)' "query with a token of one part"
api POST /v1/alice/db.sqlite/query --data-binary 'SELECT 1' -H 'Authorization: Bearer ayb_unknown1_secret'
is "$STATUS $BODY" '401 {"type":"RecordNotFound","id":"unknown1","record_type":"api_token"}' "query with an unknown token"
short=$(printf '%s' "$TOKEN" | cut -d_ -f2)
api POST /v1/alice/db.sqlite/query --data-binary 'SELECT 1' -H "Authorization: Bearer ayb_${short}_WrongSecret"
envelope 401 InvalidToken 'Invalid API token' "query with a wrong secret"
api GET /v1/entity/alice -H 'Authorization: Token abc'
envelope 401 Other 'Invalid Authorization header: expected `Bearer <token>`' "optional auth with a malformed header"
api GET /v1/entity/alice -H "Authorization: Bearer ayb_${short}_WrongSecret"
envelope 401 InvalidToken 'Invalid API token' "optional auth never downgrades a bad token to anonymous"
# The token and the database come from the store in one statement; the
# token's errors still come first, whatever the path names.
api POST /v1/nobody/nope.sqlite/query --data-binary 'SELECT 1' -H 'Authorization: Bearer ayb_unknown1_secret'
is "$STATUS $BODY" '401 {"type":"RecordNotFound","id":"unknown1","record_type":"api_token"}' \
	"an unknown token wins over a missing entity"
api POST /v1/alice/nope.sqlite/query --data-binary 'SELECT 1' -H "Authorization: Bearer ayb_${short}_WrongSecret"
envelope 401 InvalidToken 'Invalid API token' "a wrong secret wins over a missing database"
api POST /v1/bob/nope.sqlite/query --data-binary 'SELECT 1' -H 'Authorization: Bearer ayb_unknown1_secret'
is "$STATUS" 401 "an unknown token wins over a missing database"

# ---- create ---------------------------------------------------------------------------------
create() { # PATH-SLUG [HEADERS...]
	_slug=$1
	shift
	api POST "/v1/alice/$_slug/create" -d '' -H "$AUTH" "$@"
}
create '%2e%2e' -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
envelope 400 InvalidSlug 'Invalid database slug: ..' "database slug %2e%2e"
create 'a%2Fb' -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
envelope 400 InvalidSlug 'Invalid database slug: a/b. Only letters, numbers, underscores, hyphens, and periods are allowed' "database slug with an encoded /"
create 'a%00b' -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 400 "lighttpd itself refuses a NUL in the path"
# Behind a server that lets %00 through, ayb-api.fcgi refuses it too.
out=$(env -i AYB_CONFIG="$T/ayb.conf" REQUEST_METHOD=POST REQUEST_URI='/v1/alice/a%00b/create' \
	CONTENT_LENGTH=0 HTTP_AUTHORIZATION="Bearer $TOKEN" HTTP_DB_TYPE=sqlite \
	HTTP_PUBLIC_SHARING_LEVEL=no-access "$FCGI" </dev/null | tr -d '\r')
like "$out" "Status: 400" "database slug with a NUL: 400"
like "$out" '{"type":"InvalidSlug","message":"Invalid database slug: a' "database slug with a NUL: InvalidSlug"
create "$long" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
envelope 400 InvalidSlug "A database slug can't be longer than 128 bytes, but this one is 200 bytes" "database slug of 200 characters"
create new.sqlite -H 'public-sharing-level: no-access'
envelope 400 Other 'Missing required `db-type` header' "create without db-type"
if ! has_duckdb; then
	create new.sqlite -H 'db-type: duckdb' -H 'public-sharing-level: no-access'
	envelope 400 Other 'Database type duckdb is not supported by this server (only sqlite)' \
		"create a duckdb database (a build without DuckDB)"
fi
create new.sqlite -H 'db-type: postgres' -H 'public-sharing-level: no-access'
envelope 400 Other 'Unknown value: postgres' "create with an unknown db-type"
create new.sqlite -H 'db-type: sqlite'
envelope 400 Other 'Missing required `public-sharing-level` header' "create without public-sharing-level"
create new.sqlite -H 'db-type: sqlite' -H 'public-sharing-level: everyone'
envelope 400 Other 'Unknown value: everyone' "create with an unknown public-sharing-level"
create db.sqlite -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
envelope 409 Other 'Database already exists' "create a duplicate database"
api POST /v1/alice/new.sqlite/create -d '' -H "Authorization: Bearer $TOKEN_B" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
envelope 403 Other "Authenticated entity bob can't create a database for entity alice" "create for another entity"
api POST /v1/nobody/new.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"nobody","record_type":"entity"}' "create for a missing entity"

# ---- query ---------------------------------------------------------------------------------
api POST /v1/alice/db.sqlite/query -H "$AUTH" --data-binary 'SELEC 1'
envelope 400 Other 'SqliteFailure(Error { code: Unknown, extended_code: 1 }, Some(\"near \\\"SELEC\\\": syntax error\"))' "SQL syntax error"
api POST /v1/alice/db.sqlite/query -H "$AUTH" --data-binary 'SELECT * FROM missing'
envelope 400 Other 'SqliteFailure(Error { code: Unknown, extended_code: 1 }, Some(\"no such table: missing\"))' "missing table"
api POST /v1/alice/db.sqlite/query -H "$AUTH" --data-binary "ATTACH 'x.db' AS x"
is "$STATUS $BODY" '403 {"type":"Other","message":"Forbidden operation: ATTACH is not allowed on this server"}' "ATTACH is refused"
api POST /v1/alice/nope.sqlite/query -H "$AUTH" --data-binary 'SELECT 1'
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"alice/nope.sqlite","record_type":"database"}' "query a missing database"
api POST /v1/nobody/db.sqlite/query -H "$AUTH" --data-binary 'SELECT 1'
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"nobody","record_type":"entity"}' "query a missing entity"
api POST /v1/alice/db.sqlite/query -H "Authorization: Bearer $TOKEN_B" --data-binary 'SELECT 1'
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"alice/db.sqlite","record_type":"database"}' "query another's private database"

# Bodies over 256 KiB are refused before they are read; the server lives on.
head -c 262145 /dev/zero | tr '\0' ' ' >"$T/big.sql"
api POST /v1/alice/db.sqlite/query -H "$AUTH" --data-binary "@$T/big.sql"
envelope 413 Other 'Request body is too large (limit 262144 bytes)' "query body over 256 KiB"
api GET /health
is "$STATUS" 200 "health still answers after a refused body"
head -c 262144 /dev/zero | tr '\0' ' ' >"$T/edge.sql"
printf 'SELECT 1' | dd of="$T/edge.sql" conv=notrunc 2>/dev/null
api POST /v1/alice/db.sqlite/query -H "$AUTH" --data-binary "@$T/edge.sql"
is "$STATUS $BODY" '200 {"fields":["1"],"rows":[["1"]]}' "a query of exactly 256 KiB runs"

# ---- profile -----------------------------------------------------------------------------
patch() { api PATCH /v1/entity/alice -H "$AUTH" "$@"; }
patch -H 'Content-Type: application/json' --data-binary '{}'
envelope 400 EmptyUpdateError 'No fields provided to update. Please specify at least one field to update.' "empty profile update"
patch --data-binary '{"display_name":"A"}'
envelope 400 Other 'Content type error: the body must be sent as application/json' "profile update without JSON content type"
patch -H 'Content-Type: application/json' --data-binary '{"display_name":'
envelope 400 Other 'Json deserialize error: expected a JSON object' "malformed JSON"
patch -H 'Content-Type: application/json' --data-binary '{"display_name":5}'
envelope 400 Other '`display_name` must be a string or null' "non-string profile value"
patch -H 'Content-Type: application/json' --data-binary "{\"display_name\":\"$(printf 'x%.0s' $(seq 36))\"}"
envelope 400 Other "display_name can't be longer than 35 characters" "display name over 35 characters"
# A byte that is not UTF-8 would be served raw and make GET /v1/entity/... invalid JSON.
for f in display_name description organization location; do
	printf '{"%s":"a\377b"}' "$f" >"$T/bad-utf8.json"
	patch -H 'Content-Type: application/json' --data-binary "@$T/bad-utf8.json"
	envelope 400 Other "$f must be valid UTF-8" "$f with a byte that is not UTF-8"
done
printf '{"links":"[{\\"url\\":\\"http://a.example/\377\\"}]"}' >"$T/bad-utf8.json"
patch -H 'Content-Type: application/json' --data-binary "@$T/bad-utf8.json"
envelope 400 Other "links must be valid UTF-8" "a link with a byte that is not UTF-8"
printf '{"description":"\355\240\200"}' >"$T/bad-utf8.json"
patch -H 'Content-Type: application/json' --data-binary "@$T/bad-utf8.json"
envelope 400 Other "description must be valid UTF-8" "a raw UTF-16 surrogate is not UTF-8"
patch -H 'Content-Type: application/json' --data-binary '{"links":"[{\"url\":\"not a url\"}]"}'
like "$STATUS $BODY" '400 {"type":"Other","message":"Failed to parse URL: ' "link that is not a URL"
api PATCH /v1/entity/bob -H "$AUTH" -H 'Content-Type: application/json' --data-binary '{"display_name":"B"}'
envelope 403 Other "Authenticated entity alice can't update the profile of entity bob" "update another entity's profile"
api GET /v1/entity/nobody
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"nobody","record_type":"entity"}' "details of a missing entity"

# ---- routing ------------------------------------------------------------------------------
api GET /v1/nothing/here
is "$STATUS:$BODY" "404:" "unknown path: 404, empty body"
api GET /v1/register
is "$STATUS:$BODY" "404:" "wrong method: 404, empty body"

is "$(state)" "$before" "bad input created nothing on disk or in metadata"

# 128 bytes, ayb's cap since its #822: stored whole on both stores (migration 6 widens
# PostgreSQL's columns), queried, listed; 129 bytes are refused with ayb's message.
d128=$(printf 'd%.0s' $(seq 128))
create "$d128" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "a 128-byte database slug is created"
api POST "/v1/alice/$d128/query" -H "$AUTH" --data-binary 'SELECT 1'
is "$STATUS $BODY" '200 {"fields":["1"],"rows":[["1"]]}' "a 128-byte database slug is queried"
api GET /v1/entity/alice -H "$AUTH"
like "$BODY" "{\"slug\":\"$d128\",\"database_type\":\"sqlite\"}" "a 128-byte database slug is listed"
create "${d128}d" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
envelope 400 InvalidSlug "A database slug can't be longer than 128 bytes, but this one is 129 bytes" "database slug of 129 bytes"
e128=$(printf 'e%.0s' $(seq 128))
api POST /v1/register -d '' -H "entity: $e128" -H 'email-address: long@example.org' -H 'entity-type: user'
api POST /v1/confirm -d '' -H "authentication-token: $(email_token long@example.org)"
like "$STATUS $BODY" "200 {\"entity\":\"$e128\"," "a 128-byte entity slug registers"
api GET /v1/entity/alice -H "$AUTH"
like "$BODY" '"display_name":null' "bad profile updates changed nothing"

# ---- an expired emailed token: a server whose tokens live one second -----------------------
e2e_stop_server
sed -i 's/token_expiration_seconds = 3600/token_expiration_seconds = 1/' "$T/ayb.conf"
e2e_start_server
api POST /v1/log_in -d '' -H 'entity: alice'
expiring=$(email_token alice@example.org)
sleep 2.5 # the token must age past its one-second lifetime
api POST /v1/confirm -d '' -H "authentication-token: $expiring"
envelope 401 Other 'Invalid or expired token' "confirm with an expired token"

tap_done
