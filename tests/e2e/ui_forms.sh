#!/bin/sh
# The web UI over plain HTTP, as a browser without JavaScript (or a script
# pretending to be one) sees it: routes and their precedence over the API,
# cookies, CSRF refusals, security headers, built-in assets, redirects,
# escaping, and every form's outcome.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server

JAR=$T/jar
# page METHOD PATH [CURL_ARGS...]: like api, keeping cookies in $JAR.
page() {
	_m=$1 _p=$2
	shift 2
	api "$_m" "$_p" -b "$JAR" -c "$JAR" "$@"
}
# csrf: the CSRF token of the last page's forms.
csrf() {
	printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1
}
title() {
	printf '%s' "$BODY" | sed -n 's:.*<title>\(.*\)</title>.*:\1:p'
}

# ---- routes, headers, assets ------------------------------------------------------
page GET /health
is "$STATUS $BODY" '200 {"status":"ok"}' "the API keeps /health"
page GET /register
is "$STATUS $(title)" "200 Create account - ayb" "GET /register"
like "$(header content-type)" "text/html; charset=utf-8" "pages are HTML"
like "$(header content-security-policy)" "script-src 'self'" "pages carry a CSP without inline scripts"
is "$(header x-frame-options)" DENY "pages cannot be framed"
is "$(header cache-control)" no-store "pages are not cached"
like "$(header set-cookie)" "ayb_csrf=" "an anonymous visitor gets a CSRF binding cookie"
like "$(header set-cookie)" "HttpOnly; SameSite=Lax" "which is HttpOnly and SameSite=Lax"
printf '%s' "$BODY" | grep -Eq '(src|href)="(https?:)?//'
ok $((! $?)) "no asset comes from another host"
css=$(printf '%s' "$BODY" | sed -n 's/.*href="\(\/static\/ayb.css?v=[0-9a-f]*\)".*/\1/p')
[ -n "$css" ]; ok $? "the stylesheet has a versioned URL"
page GET "$css"
is "$STATUS $(header content-type)" "200 text/css; charset=utf-8" "the stylesheet is served by ayb-api.fcgi"
is "$(header cache-control)" "public, max-age=31536000, immutable" "its versioned URL is cached for good"
etag=$(header etag)
api GET /static/ayb.css -H "If-None-Match: $etag"
is "$STATUS" 304 "revalidation by ETag"
api GET /static/nope.js
is "$STATUS" 404 "an unknown asset is 404"
page GET /
is "$STATUS $(title)" "200 Databases you can share - ayb" "home page for visitors"

# ---- register and log in ---------------------------------------------------------
page GET /register
page POST /register --data-urlencode "username=alice" --data-urlencode "email=alice@example.org"
is "$STATUS" 403 "a form without its CSRF token is refused"
like "$BODY" "Request refused" "with a page that says so"
[ ! -s "$EMAILS" ]; ok $? "and nothing was sent"
page GET /register
tok=$(csrf)
page POST /register --data-urlencode "csrf=$tok" --data-urlencode "username=alice" \
	--data-urlencode "email=alice@example.org" -H "Origin: http://evil.example"
is "$STATUS" 403 "a valid token from another origin is refused"
page POST /register --data-urlencode "csrf=$tok" --data-urlencode "username=alice" \
	--data-urlencode "email=alice@example.org" -H "Sec-Fetch-Site: cross-site"
is "$STATUS" 403 "a request the browser marks cross-site is refused"
page POST /register --data-urlencode "csrf=$tok" --data-urlencode "username=alice" \
	--data-urlencode "email=alice@example.org" -H "Origin: $URL"
is "$STATUS $(title)" "200 Check email - ayb" "register from our own origin"
like "$BODY" "Please check your email for a confirmation link." "check your email"
api POST /register --data-urlencode "csrf=$tok" --data-urlencode "username=bob" \
	--data-urlencode "email=bob@example.org"
is "$STATUS" 403 "the token is bound to its cookie: without the cookie it is refused"
page POST /register --data-urlencode "csrf=$tok" --data-urlencode "username=<b>x</b>" \
	--data-urlencode "email=x@example.org"
is "$STATUS $(title)" "400 Registration error - ayb" "a bad username"
like "$BODY" 'value="&lt;b&gt;x&lt;/b&gt;"' "the submitted value comes back escaped"
printf '%s' "$BODY" | grep -q '<b>x</b>'
ok $((! $?)) "never as markup"
page POST /register --data-urlencode "csrf=$tok" --data-urlencode "username=api" \
	--data-urlencode "email=x@example.org"
like "$BODY" "Username &#39;api&#39; is reserved and cannot be used" "a reserved name, with the API's message"

page GET '/log_in?next=//evil.example/x'
printf '%s' "$BODY" | grep -q 'name="next"'
ok $((! $?)) "log in drops a next that leaves the site"
page GET '/log_in?next=/alice/db%3Fx%3D1'
like "$BODY" 'name="next" value="/alice/db?x=1"' "log in keeps a local next"
page POST /log_in --data-urlencode "csrf=$(csrf)" --data-urlencode "username=nobody" --data-urlencode "next=/x"
is "$STATUS $(title)" "404 Login error - ayb" "log in of an unknown user"
like "$BODY" "No account or email authentication method for nobody" "says why"

# ---- confirm ------------------------------------------------------------------------
page GET /confirm/garbage
is "$STATUS $(title)" "401 Confirmation error - ayb" "a bad confirmation link"
like "$BODY" "Invalid or expired confirmation link." "says so"
link=/confirm/$(email_token alice@example.org)
# Opening the link only asks (another site could open it for a visitor and
# log them into its own account): no login, and the link still works.
page GET "$link"
is "$STATUS $(title)" "200 Confirm log in - ayb" "the emailed link asks first"
like "$BODY" "Log in as alice" "naming the account"
like "$BODY" "<form method=\"post\" action=\"$link\"" "with a form posting the link back"
grep -qi '^set-cookie: auth=' "$T/headers"
ok $((! $?)) "opening it logs nobody in"
page GET "$link"
is "$STATUS $(title)" "200 Confirm log in - ayb" "and does not use the link up"
page POST "$link" -d ''
is "$STATUS" 403 "a post without this browser's CSRF token is refused (login CSRF)"
grep -qi '^set-cookie: auth=' "$T/headers"
ok $((! $?)) "and logs nobody in"
page GET "$link"
page POST "$link" --data-urlencode "csrf=$(csrf)" -H "Origin: http://evil.example"
is "$STATUS" 403 "nor from another origin"
page GET "$link"
page POST "$link" --data-urlencode "csrf=$(csrf)"
is "$STATUS $(title)" "200 Confirmation successful - ayb" "the button confirms"
cookie=$(header set-cookie | grep '^auth=' || true)
[ -z "$cookie" ] && cookie=$(grep -i '^set-cookie: auth=' "$T/headers" | tr -d '\r' | sed 's/^[^:]*: //')
like "$cookie" "auth=alice:ayb_" "the login cookie is <entity>:<token>"
like "$cookie" "; Path=/; HttpOnly; SameSite=Lax" "HttpOnly, SameSite=Lax"
case "$cookie" in *Secure*) ok 1 "no Secure over plain HTTP" ;; *) ok 0 "no Secure over plain HTTP" ;; esac
case "$cookie" in *Max-Age*|*Expires*) ok 1 "a session cookie" ;; *) ok 0 "a session cookie" ;; esac
like "$BODY" 'data-url="/alice"' "the page continues to the entity page"
TOKEN=$(printf '%s' "$cookie" | sed -n 's/^auth=alice:\([^;]*\);.*/\1/p')
api GET /v1/entity/alice -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "the cookie's token is a working API token"
page GET "$link"
page POST "$link" --data-urlencode "csrf=$(csrf)"
is "$STATUS $(title)" "401 Confirmation error - ayb" "the link works once: a second use is refused"
like "$BODY" "Invalid or expired confirmation link." "as an invalid link"
grep -qi '^set-cookie: auth=' "$T/headers"
ok $((! $?)) "and logs nobody in"
api POST /v1/confirm -d '' -H "authentication-token: ${link#/confirm/}"
is "$STATUS" 401 "nor does the API take a link the UI used"

# Over HTTPS (the web server passes HTTPS=on) the cookie is Secure; a
# client's X-Forwarded-Proto alone proves nothing.  ayb-api.fcgi as plain CGI
# shows both without a TLS server: the confirmation page, then its form.
cgi_confirm() {
	api POST /v1/log_in -d '' -H 'entity: alice'
	_link=/confirm/$(email_token alice@example.org)
	_anon=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
	_csrf=$(env -i AYB_CONFIG="$T/ayb.conf" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
		REQUEST_URI="$_link" HTTP_COOKIE="ayb_csrf=$_anon" "$@" "$FCGI" </dev/null |
		sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	printf 'csrf=%s' "$_csrf" |
		env -i AYB_CONFIG="$T/ayb.conf" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
		REQUEST_URI="$_link" HTTP_COOKIE="ayb_csrf=$_anon" CONTENT_LENGTH=$((5 + ${#_csrf})) \
		CONTENT_TYPE=application/x-www-form-urlencoded "$@" "$FCGI" |
		tr -d '\r' | grep -i '^set-cookie: auth='
}
like "$(cgi_confirm HTTPS=on)" "; HttpOnly; SameSite=Lax; Secure" "over HTTPS the cookie is Secure"
case "$(cgi_confirm HTTP_X_FORWARDED_PROTO=https)" in
*Secure*) ok 1 "a forwarded header alone does not make it Secure" ;;
*auth=alice:*) ok 0 "a forwarded header alone does not make it Secure" ;;
*) ok 1 "a forwarded header alone does not make it Secure (no cookie)" ;;
esac

# ---- logged in: entity page, create, query -----------------------------------------------
page GET /
is "$STATUS $(header location)" "303 /alice" "home sends a logged-in user to their page"
page GET /ALICE
is "$STATUS $(title)" "200 alice - ayb" "the entity page (name case-insensitive)"
like "$BODY" "No databases...yet!" "empty state"
tok=$(csrf)
page POST /alice/create_database --data-urlencode "csrf=$tok" --data-urlencode "database_slug=test.sqlite" \
	--data-urlencode "db_type=sqlite" --data-urlencode "public_sharing_level=no-access"
is "$STATUS $(header location)" "303 /alice/test.sqlite" "create database redirects to it"
page POST /alice/create_database --data-urlencode "csrf=$tok" --data-urlencode "database_slug=test.sqlite" \
	--data-urlencode "db_type=sqlite" --data-urlencode "public_sharing_level=no-access"
is "$STATUS" 409 "creating it again"
like "$BODY" "Database already exists" "shows the error on the page"
like "$BODY" '<details id="create-database" class="create-database" open>' "with the form open"
page POST /alice/create_database --data-urlencode "csrf=$tok" --data-urlencode "database_slug=x.duckdb" \
	--data-urlencode "db_type=duckdb" --data-urlencode "public_sharing_level=no-access"
if has_duckdb; then
	is "$STATUS $(header location)" "303 /alice/x.duckdb" "a DuckDB database is created"
	page GET /alice
	like "$BODY" 'name="db_type" value="duckdb" data-value="duckdb"' "the form offers DuckDB"
	like "$BODY" 'name="db_type" value="sqlite" data-value="sqlite" checked' "SQLite by default"
	page GET /alice/x.duckdb
	like "$BODY" '<span class="muted">(duckdb)</span>' "its page says DuckDB"
	like "$BODY" 'A consistent copy, as its DuckDB file.' "it exports as its DuckDB file"
	case $BODY in *'id="export-sql"'*) ok 1 "no Export SQL for DuckDB" ;; *) ok 0 "no Export SQL for DuckDB" ;; esac
	dtok=$(csrf)
	page POST /alice/x.duckdb/query --data-urlencode "csrf=$dtok" -H "HX-Request: true" \
		--data-urlencode "query=SELECT 42 AS answer, [1, 2] AS l, DATE '2024-01-02' AS d"
	like "$BODY" '<td>42</td><td>[1,2]</td><td>2024-01-02</td>' "its query console answers"
	page POST /alice/x.duckdb/query --data-urlencode "csrf=$dtok" -H "HX-Request: true" \
		--data-urlencode "query=SELECT * FROM read_csv('/etc/passwd')"
	like "$BODY" 'Forbidden operation' "and refuses what the guards refuse"
else
	like "$BODY" "Database type duckdb is not supported by this server (only sqlite)" \
		"DuckDB is refused clearly (a build without DuckDB)"
fi
page POST /alice/create_database --data-urlencode "csrf=$tok" --data-urlencode "database_slug=frag.sqlite" \
	--data-urlencode "db_type=sqlite" --data-urlencode "public_sharing_level=read-only" -H "HX-Request: true"
is "$STATUS $(header hx-redirect) $BODY" "200 /alice/frag.sqlite " "the page script gets HX-Redirect"

# The profile form: a byte that is not UTF-8 is refused in every field (the API would
# otherwise serve it raw, as invalid JSON); multi-byte text is kept exactly.
page GET /alice
tok=$(csrf)
for f in display_name description organization location link; do
	page POST /alice/update_profile --data-urlencode "csrf=$tok" --data "$f=a%FFb"
	name=$f
	[ "$f" = link ] && name=links
	is "$STATUS $(title)" "400 alice - ayb" "profile form: $f with a byte that is not UTF-8"
	like "$BODY" "$name must be valid UTF-8" "the form says which field"
done
# At most 16 links, as on the API.
set --
for i in $(seq 1 17); do set -- "$@" --data-urlencode "link=http://ayb.host/$i"; done
page POST /alice/update_profile --data-urlencode "csrf=$tok" "$@"
is "$STATUS $(title)" "400 alice - ayb" "profile form with 17 links"
like "$BODY" "Too many links: a profile has at most 16" "says so"
api GET /v1/entity/alice
like "$BODY" '"profile":{"display_name":null,"description":null,"organization":null,"location":null,"links":[]}' \
	"the refused forms changed nothing"
page POST /alice/update_profile --data-urlencode "csrf=$tok" --data-urlencode "display_name=Zoë 日本 😀" \
	--data-urlencode "location=Zürich" --data-urlencode "link=http://ayb.host/ü"
is "$STATUS $(header location)" "303 /alice" "profile form with multi-byte text"
api GET /v1/entity/alice
like "$BODY" '"profile":{"display_name":"Zoë 日本 😀","description":null,"organization":null,"location":"Zürich","links":[{"url":"http://ayb.host/ü","verified":false}]}' \
	"multi-byte text is served exactly"
page GET /alice
is "$STATUS $(title)" "200 Zoë 日本 😀 - ayb" "and shown on the entity page"

page GET /alice/test.sqlite
is "$STATUS $(title)" "200 Explore alice/test.sqlite - ayb" "database page"
tok=$(csrf)
q() {
	_q=$1
	shift
	page POST /alice/test.sqlite/query --data-urlencode "csrf=$tok" --data-urlencode "query=$_q" "$@"
}
q "CREATE TABLE t(a, b)"
is "$STATUS" 200 "CREATE TABLE by a plain form post"
like "$BODY" "Query executed successfully. No results returned." "answered with the whole page"
like "$BODY" "<title>Explore alice/test.sqlite - ayb</title>" "(the page)"
q "INSERT INTO t VALUES ('x,y', 'say \"hi\"'), (NULL, '<i>')"
q "SELECT * FROM t" -H "HX-Request: true"
is "$STATUS" 200 "SELECT from the page script"
printf '%s' "$BODY" | grep -q '<html'
ok $((! $?)) "gets a fragment, not a page"
like "$BODY" '<td>x,y</td><td>say &quot;hi&quot;</td>' "values escaped in cells"
like "$BODY" '<td class="null"></td><td>&lt;i&gt;</td>' "NULL is an empty cell"
like "$BODY" '2 rows' "row count"
q "SELECT * FROM t" --data-urlencode "format=csv"
is "$STATUS $(header content-type)" "200 text/csv; charset=utf-8" "CSV download"
is "$(header content-disposition)" 'attachment; filename="query-result-alice-test.sqlite.csv"' "as an attachment"
is "$BODY" "$(printf 'a,b\n"x,y","say ""hi"""\n,<i>')
" "CSV quoting, a newline after every line"
q "SELECT * FROM t" --data-urlencode "format=json"
is "$(header content-type)" "application/json" "JSON download"
is "$(printf '%s' "$BODY" | tr -d ' \n')" '{"fields":["a","b"],"rows":[["x,y","say\"hi\""],[null,"<i>"]]}' "JSON content"
q "SELECT * FROM missing" --data-urlencode "format=csv"
is "$STATUS" 400 "a CSV download of a failing query"
like "$BODY" 'error,message' "is a CSV error"
q "SELECT * FROM missing" --data-urlencode "format=json"
like "$STATUS $BODY" '400 {"error":"SqliteFailure' "a JSON download of a failing query"
q "SELECT * FROM missing"
is "$STATUS" 400 "a failing query"
like "$BODY" "Error running query" "shows an error"
like "$BODY" 'no such table: missing' "with SQLite's message"
like "$BODY" '>SELECT * FROM missing</textarea>' "and keeps the query"
{ head -c 300000 /dev/zero | tr '\0' ' '; echo 'SELECT 1'; } >"$T/big.sql"
page POST /alice/test.sqlite/query --data-urlencode "csrf=$tok" --data-urlencode "query@$T/big.sql"
is "$STATUS" 413 "a query over 256 KiB"

# ---- sharing and another user ------------------------------------------------------------
register_user bob bob@example.org >/dev/null
api POST /v1/log_in -d '' -H 'entity: bob'
page GET "/confirm/$(email_token bob@example.org)"
like "$BODY" "This browser is logged in as <strong>alice</strong> now: logging in as bob logs alice out." \
	"a link for another account says whose session it would end"
page GET /alice/test.sqlite
tok=$(csrf)
page POST /alice/test.sqlite/share --data-urlencode "csrf=$tok" --data-urlencode "entity= BOB " \
	--data-urlencode "sharing_level=read-only"
is "$STATUS" 200 "share with bob"
like "$BODY" "Database access updated for user &#39;bob&#39;." "shared"
like "$BODY" 'data-tab="sharing"' "the page opens on the sharing tab"
page POST /alice/test.sqlite/share --data-urlencode "csrf=$tok" --data-urlencode "entity=nobody" \
	--data-urlencode "sharing_level=read-only" -H "HX-Request: true"
is "$STATUS" 404 "share with a missing user"
like "$BODY" "Entity nobody not found" "says so"
page POST /alice/test.sqlite/share --data-urlencode "csrf=$tok" --data-urlencode "entity=bob" \
	--data-urlencode "sharing_level=owner" -H "HX-Request: true"
like "$STATUS $BODY" "400" "an invalid level"
like "$BODY" "The sharing level &#39;owner&#39; is not valid." "says so"
page POST /alice/test.sqlite/update_public_sharing --data-urlencode "csrf=$tok" \
	--data-urlencode "public_sharing_level=fork" -H "HX-Request: true"
like "$STATUS $BODY" "200" "public level"
like "$BODY" "Public sharing level updated successfully." "updated"
page POST /alice/test.sqlite/update_public_sharing --data-urlencode "csrf=$tok" \
	--data-urlencode "public_sharing_level=no-access" -H "HX-Request: true"
page POST /alice/test.sqlite/update_public_sharing --data-urlencode "csrf=$tok" \
	--data-urlencode "public_sharing_level=everyone" -H "HX-Request: true"
like "$STATUS $BODY" "400" "an unknown public level"
like "$BODY" "The sharing level &#39;everyone&#39; is not valid." "says so"
page GET /alice/test.sqlite/permissions -H "HX-Request: true"
like "$BODY" '<a href="/bob">bob</a>' "the permissions fragment lists bob"
page GET /alice/test.sqlite/snapshots -H "HX-Request: true"
like "$BODY" "Snapshots are not configured on this server" "snapshots without [snapshots] say so"

# ---- not found, not allowed --------------------------------------------------------------
api GET /nobody
is "$STATUS" 404 "a missing entity"
like "$BODY" "Entity not found" "says so"
api GET /alice/test.sqlite
is "$STATUS" 404 "a private database looks missing to visitors"
like "$BODY" "Database not found" "says so"
api GET /alice/frag.sqlite
is "$STATUS" 200 "a public read-only database is visible to visitors"
like "$BODY" "Log in to query this database" "who are asked to log in to query"
like "$BODY" 'href="/log_in?next=/alice/frag.sqlite"' "with a way back"
api GET /v1/tokens -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "the API keeps /v1/tokens over /{entity}/{database}"
api GET /v1/register
is "$STATUS:$BODY" "404:" "an unknown API path is never taken for /{entity}/{database}"
api GET /v1
is "$STATUS:$BODY" "404:" "nor /v1 for /{entity}"
api GET /settings/tokens
is "$STATUS $(header location)" "303 /log_in?next=/settings/tokens" "tokens page needs a login"

# ---- tokens and log out ---------------------------------------------------------------------
page GET /settings/tokens
is "$STATUS $(title)" "200 alice - API Tokens - ayb" "tokens page"
like "$BODY" "This browser" "marks this browser's token"
tok=$(csrf)
api POST /v1/log_in -d '' -H 'entity: alice'
api POST /v1/confirm -d '' -H "authentication-token: $(email_token alice@example.org)"
other=$(printf '%s' "$BODY" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
short=$(printf '%s' "$other" | cut -d_ -f2)
page POST "/settings/tokens/$short/revoke" --data-urlencode "csrf=$tok"
is "$STATUS" 200 "revoke a token"
like "$BODY" "Token $short revoked successfully" "says so"
api GET /v1/tokens -H "Authorization: Bearer $other"
like "$STATUS $BODY" "401" "the revoked token no longer works"
api DELETE "/settings/tokens/nope" -b "$JAR" -H "X-CSRF-Token: $tok" -H "HX-Request: true"
is "$STATUS" 404 "DELETE of an unknown token"
like "$BODY" "API token nope not found" "says so"
page GET /log_out
like "$BODY" 'action="/log_out"' "GET /log_out asks with a form"
session=$(grep -i '	auth	' "$JAR" | awk '{print $7}' | cut -d: -f2)
page POST /log_out --data-urlencode "csrf=$tok"
is "$STATUS $(header location)" "303 /log_in" "log out"
like "$(grep -i '^set-cookie: auth=' "$T/headers")" "auth=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" "clears the cookie"
api GET /v1/tokens -H "Authorization: Bearer $session"
is "$STATUS" 401 "and revokes its token"

# ---- a 5xx page is logged, as the API's are -----------------------------------------------
# The email file turned into a directory: sending fails (EmailError, 503).
mv "$EMAILS" "$EMAILS.saved"
mkdir "$EMAILS"
page GET /register
page POST /register --data-urlencode "csrf=$(csrf)" --data-urlencode "username=dave" \
	--data-urlencode "email=dave@example.org"
is "$STATUS $(title)" "503 Registration error - ayb" "a register form whose email cannot be sent: 503"
rmdir "$EMAILS"
mv "$EMAILS.saved" "$EMAILS"
line=$(grep 'ayb-api: 503 POST /register: ' "$T/server.log")
like "$line" "ayb-api: 503 POST /register: EmailError: File backend failed: " "is in the error log with its reason"
is "$(printf '%s\n' "$line" | grep -c .)" 1 "in one line"

tap_done
