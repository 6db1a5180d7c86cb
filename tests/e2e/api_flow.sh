#!/bin/sh
# The whole API flow against a real lighttpd: register -> confirm -> create ->
# query -> entity details -> profile update -> log in, plus sharing through a
# public read-only database and CORS.  AYB_E2E_MODE=cgi runs the same flow
# with ayb-api.fcgi as a plain CGI program.
. "$(dirname "$0")/lib.sh"

e2e_setup
if [ "${AYB_E2E_MODE:-fastcgi}" = cgi ]; then
	e2e_start_cgi_server
	echo "# plain CGI mode"
else
	e2e_start_server
fi

api GET /health
is "$STATUS $BODY" '200 {"status":"ok"}' "health"
is "$(header content-type)" "application/json" "health is JSON"

# ---- register and confirm ---------------------------------------------------------
api POST /v1/register -d '' -H 'entity: E2E-First' -H 'email-address: E2E@Example.org' -H 'entity-type: user'
is "$STATUS $BODY" '200 {}' "register"
line=$(tail -1 "$EMAILS")
like "$line" '"to":"e2e@example.org"' "email goes to the lowercased address"
like "$line" '"subject":"Your login credentials"' "email subject"
like "$line" '"from":"ayb <noreply@localhost>"' "email sender without SMTP"
like "$line" '"content":["To complete your registration, visit","\thttp://localhost:'"$PORT"'/confirm/' "email link"
like "$line" '"","Or type","\tayb client confirm ' "email command line"
token=$(email_token e2e@example.org)
[ -n "$token" ]; ok $? "token found in the email"

api POST /v1/confirm -d '' -H "authentication-token: $token"
is "$STATUS" 200 "confirm"
printf '%s' "$BODY" | grep -Eq '^\{"entity":"e2e-first","token":"ayb_[1-9A-HJ-NP-Za-km-z]{1,11}_[1-9A-HJ-NP-Za-km-z]{1,33}"\}$'
ok $? "confirm returns the entity and an ayb_<short>_<secret> token"
TOKEN=$(printf '%s' "$BODY" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
AUTH="Authorization: Bearer $TOKEN"

# A confirmation link works once (within its lifetime too): a second use
# mints no API token, whoever has the link.
ntokens=$(meta_sql 'SELECT count(*) FROM api_token')
api POST /v1/confirm -d '' -H "authentication-token: $token"
is "$STATUS $BODY" '401 {"type":"Other","message":"Invalid or expired token"}' \
	"an emailed token used once is refused the second time"
is "$(meta_sql 'SELECT count(*) FROM api_token')" "$ntokens" "and mints no API token"
api GET /v1/entity/e2e-first -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "the token its first use minted still works"

# ---- create and query ------------------------------------------------------------------
api POST /v1/e2e-first/test.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS $BODY" '201 {"entity":"e2e-first","database":"test.sqlite","database_type":"sqlite"}' "create database"
dir=$T/data/databases/e2e-first/test.sqlite
[ -L "$dir/current" ] && [ -d "$dir/current" ]; ok $? "current links to a version directory"
basename "$(readlink "$dir/current")" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
ok $? "the version directory is a UUIDv7"
[ ! -e "$dir/current/test.sqlite" ]; ok $? "no database file before the first query"

api POST /v1/e2e-first/test.sqlite/query -H "$AUTH" --data-binary 'CREATE TABLE test_table(fname varchar, lname varchar)'
is "$STATUS $BODY" '200 {"fields":[],"rows":[]}' "create table"
for q in "INSERT INTO test_table (fname, lname) VALUES ('the first', 'the last')" \
	"INSERT INTO test_table (fname, lname) VALUES ('the first2', 'the last2')"; do
	api POST /v1/e2e-first/test.sqlite/query -H "$AUTH" --data-binary "$q"
	is "$STATUS $BODY" '200 {"fields":[],"rows":[]}' "insert"
done
api POST /v1/e2e-first/test.sqlite/query -H "$AUTH" --data-binary 'SELECT * FROM test_table'
is "$STATUS $BODY" '200 {"fields":["fname","lname"],"rows":[["the first","the last"],["the first2","the last2"]]}' "select"
api POST /v1/E2E-FiRST/test.sqlite/query -H "$AUTH" --data-binary "SELECT COUNT(*) AS the_count, 2.0 AS r, 0.1 AS s, NULL AS n, 'it''s \"q\" é' AS t FROM test_table"
is "$BODY" '{"fields":["the_count","r","s","n","t"],"rows":[["2","2","0.1",null,"it'"'"'s \"q\" é"]]}' "entity is case-insensitive; value rendering"
[ -f "$dir/current/test.sqlite" ]; ok $? "the database file exists after a read-write query"

# ---- entity details and profile ---------------------------------------------------------
api POST /v1/e2e-first/another.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' -H 'public-sharing-level: read-only'
is "$STATUS" 201 "create a public read-only database"
api GET /v1/entity/E2E-First -H "$AUTH"
is "$STATUS $BODY" '200 {"slug":"e2e-first","profile":{"display_name":null,"description":null,"organization":null,"location":null,"links":[]},"databases":[{"slug":"another.sqlite","database_type":"sqlite"},{"slug":"test.sqlite","database_type":"sqlite"}],"permissions":{"can_create_database":true}}' "entity details, newest database first"
api GET /v1/entity/e2e-first
is "$BODY" '{"slug":"e2e-first","profile":{"display_name":null,"description":null,"organization":null,"location":null,"links":[]},"databases":[{"slug":"another.sqlite","database_type":"sqlite"}],"permissions":{"can_create_database":false}}' "anonymous callers see only public databases"

api PATCH /v1/entity/e2e-first -H "$AUTH" -H 'Content-Type: application/json' \
	--data-binary '{"display_name":"Entity 0","location":"Earth","links":"[{\"url\":\"http://ayb.host/\"}]"}'
is "$STATUS $BODY" '200 {}' "update profile"
api PATCH /v1/entity/e2e-first -H "$AUTH" -H 'Content-Type: application/json' --data-binary '{"location":null}'
is "$STATUS $BODY" '200 {}' "null clears a field"
api GET /v1/entity/e2e-first -H "$AUTH"
like "$BODY" '"profile":{"display_name":"Entity 0","description":null,"organization":null,"location":null,"links":[{"url":"http://ayb.host/","verified":false}]}' "profile shows the update"
# Valid UTF-8 of every length is kept byte for byte; the limits count characters, not bytes.
name35=$(printf 'é%.0s' $(seq 35))
api PATCH /v1/entity/e2e-first -H "$AUTH" -H 'Content-Type: application/json' --data-binary \
	"{\"display_name\":\"$name35\",\"description\":\"Ångström, 日本語 😀 e\u0301\",\"links\":\"[{\\\"url\\\":\\\"http://ayb.host/ü\\\"}]\"}"
is "$STATUS $BODY" '200 {}' "update profile with multi-byte characters"
api GET /v1/entity/e2e-first -H "$AUTH"
like "$BODY" "\"profile\":{\"display_name\":\"$name35\",\"description\":\"Ångström, 日本語 😀 é\",\"organization\":null,\"location\":null,\"links\":[{\"url\":\"http://ayb.host/ü\",\"verified\":false}]}" \
	"multi-byte profile fields are served exactly"

# ---- log in ------------------------------------------------------------------------------
before=$(wc -l <"$EMAILS")
api POST /v1/log_in -d '' -H 'entity: E2E-FIRST'
is "$STATUS $BODY" '200 {}' "log in"
is "$(wc -l <"$EMAILS")" "$((before + 1))" "log in sends one email"
api POST /v1/confirm -d '' -H "authentication-token: $(email_token e2e@example.org)"
is "$STATUS" 200 "the log-in token confirms"
like "$BODY" '"entity":"e2e-first"' "log in confirms the same entity"

# Registering again with the verified address acts as log in; another
# address may register (nothing is stored) but cannot confirm.
api POST /v1/register -d '' -H 'entity: e2e-first' -H 'email-address: e2e@example.org' -H 'entity-type: user'
is "$STATUS" 200 "re-register with the verified address"
api POST /v1/register -d '' -H 'entity: e2e-second' -H 'email-address: other@example.org' -H 'entity-type: user'
api POST /v1/register -d '' -H 'entity: e2e-second' -H 'email-address: second@example.org' -H 'entity-type: organization'
other=$(email_token other@example.org)
api POST /v1/confirm -d '' -H "authentication-token: $(email_token second@example.org)"
is "$STATUS" 200 "the first confirmation of an unclaimed slug wins"
TOKEN2=$(printf '%s' "$BODY" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
api POST /v1/confirm -d '' -H "authentication-token: $other"
is "$STATUS $BODY" '409 {"type":"Other","message":"e2e-second has already been registered"}' "a later confirmation with another address fails"
api POST /v1/confirm -d '' -H "authentication-token: $other"
is "$STATUS" 409 "a link whose confirmation failed is not used up: it fails the same again"

# ---- another entity: public read-only and private databases ----------------------------
AUTH2="Authorization: Bearer $TOKEN2"
api POST /v1/e2e-first/another.sqlite/query -H "$AUTH" --data-binary 'CREATE TABLE t(x)'
api POST /v1/e2e-first/another.sqlite/query -H "$AUTH2" --data-binary 'SELECT count(*) FROM t'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["0"]]}' "anyone may read a public read-only database"
api POST /v1/e2e-first/another.sqlite/query -H "$AUTH2" --data-binary 'INSERT INTO t VALUES (1)'
is "$STATUS $BODY" '403 {"type":"NoWriteAccessError","message":"Attempted to write to database while in read-only mode"}' "but not write to it"
api POST /v1/e2e-first/test.sqlite/query -H "$AUTH2" --data-binary 'SELECT 1'
is "$STATUS $BODY" '404 {"type":"RecordNotFound","id":"e2e-first/test.sqlite","record_type":"database"}' "a private database looks missing to others"
api GET /v1/entity/e2e-first -H "$AUTH2"
like "$BODY" '"databases":[{"slug":"another.sqlite","database_type":"sqlite"}],"permissions":{"can_create_database":false}}' "others see only public databases"

# ---- CORS -------------------------------------------------------------------------------
api OPTIONS /v1/e2e-first/test.sqlite/query -H 'Origin: https://app.example.com' \
	-H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: authorization,content-type'
is "$STATUS" 200 "preflight"
is "$(header access-control-allow-origin)" "https://app.example.com" "preflight echoes the origin"
is "$(header access-control-allow-headers)" "authorization,content-type" "preflight echoes the headers"
is "$(header access-control-max-age)" 7200 "preflight max age"
api GET /health -H 'Origin: https://app.example.com'
is "$(header access-control-allow-origin)" "https://app.example.com" "actual requests get the origin"
is "$(header vary)" "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" "Vary"

tap_done
