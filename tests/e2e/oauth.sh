#!/bin/sh
# Apps: OAuth 2.0 with PKCE (README "Apps: OAuth") over plain HTTP: every
# check of GET /oauth/authorize, the consent form and its forgeries, the
# token endpoint's errors, codes that are used twice or expire, and what a
# scoped token may then do.  tests/browser/oauth_flow.sh runs the same flow
# in Chromium.
. "$(dirname "$0")/lib.sh"

e2e_setup 'public_url = "https://ayb.example"'
e2e_start_server

A=$(register_user alice alice@example.org) || bail "register alice"
B=$(register_user bob bob@example.org) || bail "register bob"
for db in app.sqlite other.sqlite; do
	api POST /v1/alice/$db/create -d '' -H "Authorization: Bearer $A" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access'
done
api POST /v1/bob/bobs.sqlite/create -d '' -H "Authorization: Bearer $B" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access'
api POST /v1/alice/app.sqlite/query -H "Authorization: Bearer $A" \
	--data-binary "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)"
api POST /v1/alice/app.sqlite/query -H "Authorization: Bearer $A" \
	--data-binary "INSERT INTO notes(body) VALUES ('héllo')"

# pkce VERIFIER: its S256 challenge.
pkce() {
	printf '%s' "$1" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n'
}
V=verifier-0123456789-abcdefghijklmnopqrstuvwxyz
CH=$(pkce "$V")
is "${#CH}" 43 "an S256 challenge is 43 characters"
CB=http://localhost:3000/callback
# auth_url [OVERRIDES...]: /oauth/authorize with every parameter right;
# NAME=VALUE replaces one, NAME= drops it.
auth_url() {
	_q=
	for _kv in response_type=code "redirect_uri=$CB" scope=read-write "state=st+8/=" \
		"code_challenge=$CH" code_challenge_method=S256 "app_name=Notes app"; do
		_k=${_kv%%=*}
		for _o in "$@"; do
			[ "${_o%%=*}" = "$_k" ] && _kv=$_o
		done
		[ "$_kv" = "$_k=" ] && continue
		_q="$_q&$_k=$(printf '%s' "${_kv#*=}" | sed 's/%/%25/g; s/&/%26/g; s/+/%2B/g; s/ /+/g; s/#/%23/g')"
	done
	printf '/oauth/authorize?%s' "${_q#&}"
}
ALICE="Cookie: auth=alice:$A"
page_err() {
	printf '%s' "$BODY" | tr '\n' ' ' |
		sed -n 's:.*<div class="alert-title">\([^<]*\)</div><p>\([^<]*\)</p>.*:\1 / \2:p' |
		sed "s/&#39;/'/g"
}
# matches REGEX NAME: the last answer's Location matches REGEX (grep -E).
matches() {
	header location | grep -Eq "$1"
	ok $? "$2"
}

# ---- GET /oauth/authorize: the checks, in ayb's order -----------------------------
for f in response_type redirect_uri scope code_challenge code_challenge_method app_name; do
	api GET "$(auth_url "$f=")" -H "$ALICE"
	is "$STATUS $(page_err)" "400 invalid_request / Query deserialize error: missing field \`$f\`" \
		"no $f: a 400 page"
done
api GET "$(auth_url state=)" -H "$ALICE"
is "$STATUS" 200 "state is optional"
api GET "$(auth_url response_type=token code_challenge_method=plain)" -H "$ALICE"
is "$STATUS $(page_err)" "400 unsupported_response_type / Only response_type=code is supported" \
	"response_type=token, checked first"
is "$(header location)" "" "an error is a page, never a redirect"
api GET "$(auth_url code_challenge_method=plain redirect_uri=ftp://x)" -H "$ALICE"
is "$STATUS $(page_err)" "400 invalid_request / Only code_challenge_method=S256 is supported" \
	"code_challenge_method=plain, checked before the redirect_uri"
for bad in ftp://app.example/cb http://app.example/cb http://localhost.evil.example/cb \
	http://127.0.0.1@evil.example/cb http://localhost:3000@evil.example/ \
	'https://app.example/cb#frag' 'https://app.example\@evil/' 'https:///cb' \
	'https://app.example:123456/' 'javascript:alert(1)' 'https://app example/'; do
	api GET "$(auth_url "redirect_uri=$bad")" -H "$ALICE"
	is "$STATUS $(page_err)" "400 invalid_request / redirect_uri must use https:// (or http://localhost for development)" \
		"redirect_uri $bad is refused"
done
for good in https://app.example/cb 'https://app.example:8443/a/b?x=1' http://127.0.0.1:5/cb \
	'http://[::1]:8080/' http://localhost; do
	api GET "$(auth_url "redirect_uri=$good")" -H "$ALICE"
	is "$STATUS" 200 "redirect_uri $good is accepted"
done
api GET "$(auth_url scope=admin redirect_uri=https://app.example/cb)" -H "$ALICE"
is "$STATUS $(page_err)" "400 invalid_scope / scope must be 'read-only' or 'read-write'" "scope=admin"
api GET "$(auth_url code_challenge=short)" -H "$ALICE"
is "$STATUS" 400 "a challenge no S256 can match is refused"
long=$(head -c 300 /dev/zero | tr '\0' a)
api GET "$(auth_url "app_name=$long")" -H "$ALICE"
is "$STATUS" 400 "an app_name the store cannot hold is refused"
api GET "$(auth_url "state=$long")" -H "$ALICE"
is "$STATUS" 400 "so is such a state"

# ---- not logged in ------------------------------------------------------------------
url=$(auth_url)
api GET "$url"
is "$STATUS" 302 "not logged in: a redirect"
like "$(header location)" "/log_in?next=%2Foauth%2Fauthorize%3Fresponse_type%3Dcode%26" \
	"to log in, with the whole request as next"
api GET "$(header location)"
like "$BODY" "name=\"next\" value=\"/oauth/authorize?response_type=code&amp;" \
	"whose form carries it on (the confirmation page then goes back there)"
api GET "$url" -H "Cookie: auth=alice:ayb_x_y"
is "$STATUS" 302 "a stale cookie is not logged in either"
api GET "$url" -H "Cookie: auth=bob:$A"
is "$STATUS" 302 "nor is a cookie whose name and token disagree (ayb trusts the name)"

# ---- the consent page ---------------------------------------------------------------
api GET "$(auth_url 'app_name=<b>Notes</b> & co')" -H "$ALICE"
is "$STATUS" 200 "logged in: the consent page"
like "$BODY" "&lt;b&gt;Notes&lt;/b&gt; &amp; co</strong> is requesting <strong id=\"consent-scope\">read-write</strong> access" \
	"naming the app (escaped) and the level"
like "$BODY" '<option value="alice/other.sqlite">alice/other.sqlite</option><option value="alice/app.sqlite">' \
	"the user's own databases, newest first"
printf '%s' "$BODY" | grep -q 'bobs.sqlite'
ok $((! $?)) "and no one else's"
like "$BODY" '+ Create new database' "with a way to create one"
like "$BODY" 'value="deny" id="consent-deny" class="btn btn-secondary" formnovalidate>Deny' \
	"Deny needs no database chosen"
is "$(header x-frame-options)" DENY "the consent page cannot be framed"
like "$(header content-security-policy)" "frame-ancestors 'none'" "(CSP frame-ancestors too)"
csp=$(header content-security-policy)
is "${csp##*form-action }" "'self' http://localhost:3000" \
	"its form may go on to the app's origin, and only there"
api GET /alice -H "$ALICE"
csp=$(header content-security-policy)
is "${csp##*form-action }" "'self'" "other pages' forms stay on this site"

# consent FIELD=VALUE...: the consent page for $url, then its form posted
# with the given fields changed (NAME= drops one); sets STATUS, BODY.
consent() {
	api GET "$url" -H "$ALICE"
	_args=
	_form=$(printf '%s' "$BODY" | grep -o '<input type="hidden" name="[a-z_]*" value="[^"]*">' |
		sed 's/<input type="hidden" name="\([a-z_]*\)" value="\([^"]*\)">/\1=\2/' |
		sed 's/&amp;/\&/g; s/&#39;/'"'"'/g; s/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g' | sort -u -t= -k1,1)
	set -- "database=alice/app.sqlite" "action=authorize" "$@"
	_tmp=$T/form.args
	: >"$_tmp"
	printf '%s\n' "$_form" | while IFS= read -r _kv; do
		[ "${_kv%%=*}" = next ] || [ "${_kv%%=*}" = db_type ] && continue
		printf '%s\n' "$_kv"
	done >"$_tmp"
	for _o in "$@"; do
		grep -v "^${_o%%=*}=" "$_tmp" >"$_tmp.new"
		mv "$_tmp.new" "$_tmp"
		[ "$_o" = "${_o%%=*}=" ] || printf '%s\n' "$_o" >>"$_tmp"
	done
	set --
	while IFS= read -r _kv; do
		set -- "$@" --data-urlencode "$_kv"
	done <"$_tmp"
	api POST /oauth/authorize -H "$ALICE" "$@"
}
code_of() { printf '%s' "$1" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p'; }

consent csrf=
is "$STATUS" 403 "a consent post without the CSRF token is refused"
consent consent=
is "$STATUS $(page_err)" "400 invalid_request / The consent form was changed or has expired. Start again from the application." \
	"one without the form's signature too"
consent redirect_uri=http://localhost:3000/elsewhere
is "$STATUS $(header location)" "400 " "a redirect_uri other than the one shown gets no code"
consent code_challenge=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
is "$STATUS" 400 "nor does another code_challenge"
consent requested_scope=read-only
is "$STATUS" 400 "nor another requested scope"
consent database=bob/bobs.sqlite
is "$STATUS $(page_err)" "400 access_denied / You can only authorize apps on databases you own" \
	"another entity's database is refused"
consent database=alice/nope.sqlite
is "$STATUS $(page_err)" "400 access_denied / You do not have access to this database" \
	"so is a database that does not exist"
consent database=alice
is "$STATUS $(page_err)" "400 invalid_request / Invalid database format" "and a malformed name"
consent granted_scope=admin
is "$STATUS" 400 "an unknown granted level is refused"
n0=$(meta_sql 'SELECT count(*) FROM oauth_authorization_request')
is "$n0" 0 "no refused consent stored a code"
api GET /log_in -c "$T/anon"
anon_csrf=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
api POST /oauth/authorize -b "$T/anon" --data-urlencode "csrf=$anon_csrf" \
	--data-urlencode action=authorize
is "$STATUS $(page_err)" "400 unauthorized / Not logged in" "a consent post from a visitor not logged in"

consent action=deny database=
is "$STATUS $(header location)" "302 $CB?error=access_denied&state=st%2B8%2F%3D" \
	"Deny: back to the app with error=access_denied and the state"
url=$(auth_url redirect_uri=https://app.example/cb?tab=1 state=)
consent action=deny
is "$STATUS $(header location)" "302 https://app.example/cb?tab=1&error=access_denied" \
	"(after the redirect_uri's own query; no state asked, none sent)"

url=$(auth_url)
consent
is "$STATUS" 302 "Authorize: back to the app"
loc=$(header location)
matches "^$CB\\?code=[A-Za-z0-9_-]{43}&state=st%2B8%2F%3D\$" "with a code and the state"
CODE=$(code_of "$loc")
stored=$(meta_sql 'SELECT code, query_permission_level, app_name FROM oauth_authorization_request')
printf '%s' "$stored" | grep -q -- "$CODE"
ok $((! $?)) "the code itself is not at rest"
is "$(printf '%s' "$stored" | cut -d'|' -f1 | tr -d '\n' | wc -c) $(printf '%s' "$stored" | cut -d'|' -f2-)" \
	"64 1|Notes app" "its hash is, with the level and the app"

# ---- POST /v1/oauth/token -------------------------------------------------------------
ORIGIN="Origin: http://localhost:3000"
api OPTIONS /v1/oauth/token -H "$ORIGIN" -H 'Access-Control-Request-Method: POST' \
	-H 'Access-Control-Request-Headers: content-type'
is "$STATUS $(header access-control-allow-origin)" "200 http://localhost:3000" \
	"the token endpoint's CORS preflight passes"
tok() { api POST /v1/oauth/token -H "$ORIGIN" -H 'Content-Type: application/json' -d "$1"; }
body() {
	printf '{"grant_type":"%s","code":"%s","redirect_uri":"%s","code_verifier":"%s"}' \
		"${1:-authorization_code}" "${2:-$CODE}" "${3:-$CB}" "${4:-$V}"
}
tok "$(body password)"
is "$STATUS $BODY" '400 {"error":"unsupported_grant_type","error_description":"Only grant_type=authorization_code is supported"}' \
	"another grant type"
is "$(header access-control-allow-origin)" http://localhost:3000 "errors carry CORS headers too"
tok '{"grant_type":"authorization_code","redirect_uri":"x","code_verifier":"y"}'
is "$STATUS $BODY" '400 {"error":"invalid_request","error_description":"Missing required parameter: code"}' \
	"a missing field"
tok '{"grant_type":"authorization_code","code":5,"redirect_uri":"x","code_verifier":"y"}'
is "$STATUS $(printf '%s' "$BODY" | cut -c1-26)" '400 {"error":"invalid_request"' "a field that is not a string"
tok 'not json'
is "$STATUS $(printf '%s' "$BODY" | cut -c1-26)" '400 {"error":"invalid_request"' "a body that is not JSON"
api POST /v1/oauth/token -H 'Content-Type: text/plain' -d "$(body)"
is "$STATUS $(printf '%s' "$BODY" | cut -c1-26)" '400 {"error":"invalid_request"' "a body of another type"
tok "$(body '' '' '' short)"
is "$STATUS $(printf '%s' "$BODY" | cut -c1-26)" '400 {"error":"invalid_request"' \
	"a verifier outside RFC 7636's form"
tok "$(body '' AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)"
is "$STATUS $BODY" '400 {"error":"invalid_grant","error_description":"Authorization code not found"}' \
	"an unknown code"
tok "$(body '' '' http://localhost:3000/other)"
is "$STATUS $BODY" '400 {"error":"invalid_grant","error_description":"redirect_uri does not match"}' \
	"a code for one redirect_uri redeemed with another"
tok "$(body '' '' '' "${V}x")"
is "$STATUS $BODY" '400 {"error":"invalid_grant","error_description":"PKCE verification failed"}' \
	"a wrong code_verifier"
tok "$(body)"
is "$STATUS" 200 "the right verifier: a token"
is "$(printf '%s' "$BODY" | sed 's/"access_token":"ayb_[A-Za-z0-9]*_[A-Za-z0-9]*"/"access_token":"T"/')" \
	'{"access_token":"T","token_type":"Bearer","database":"alice/app.sqlite","query_permission_level":"read-write","database_url":"https://ayb.example/v1/alice/app.sqlite"}' \
	"the answer of ayb, database_url on public_url"
is "$(header cache-control) $(header pragma) $(header access-control-allow-origin)" \
	"no-store no-cache http://localhost:3000" "not cached, and readable cross-origin"
T1=$(printf '%s' "$BODY" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
S1="Authorization: Bearer $T1"

# ---- what the scoped token may do ----------------------------------------------------------
api POST /v1/alice/app.sqlite/query -H "$S1" --data-binary 'SELECT body FROM notes'
is "$STATUS $BODY" '200 {"fields":["body"],"rows":[["héllo"]]}' "it queries its database"
api POST /v1/alice/app.sqlite/query -H "$S1" --data-binary "INSERT INTO notes(body) VALUES ('x')"
is "$STATUS" 200 "and writes to it (read-write)"
api POST /v1/alice/other.sqlite/query -H "$S1" --data-binary 'SELECT 1'
is "$STATUS" 404 "not another database of its entity (hidden from it)"
api POST /v1/alice/another.sqlite/create -d '' -H "$S1" -H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 403 "it cannot create databases"
api GET /v1/tokens -H "$S1"
is "$STATUS" 403 "nor list tokens"
api GET "$url" -H "Cookie: auth=alice:$T1"
is "$STATUS" 302 "nor hold a session to authorize other apps"
api GET /v1/tokens -H "Authorization: Bearer $A"
like "$BODY" "\"scoped_database\":\"alice/app.sqlite\",\"permission_level\":\"read-write\",\"app_name\":\"Notes app\"" \
	"the owner's token list names the app and its scope"

run --url "$URL" --token "$A" list_tokens --format csv
like "$OUT" "$(printf '%s' "$T1" | cut -d_ -f2),alice/app.sqlite,read-write,Notes app," \
	"ayb client list_tokens lists it with its database, level and app"
run --url "$URL" --token "$T1" list_tokens
is "$RC" 1 "the app's token cannot list tokens from the CLI either"
run --url "$URL" --token "$T1" query alice/app.sqlite 'SELECT count(*) FROM notes' --format csv
is "$RC $(printf '%s' "$OUT" | head -2 | tr '\n' ' ')" "0 count(*) 2 " "and queries its database from the CLI"

tok "$(body)"
is "$STATUS $BODY" '400 {"error":"invalid_grant","error_description":"Authorization code has already been used"}' \
	"a code used twice is refused"
api POST /v1/alice/app.sqlite/query -H "$S1" --data-binary 'SELECT 1'
is "$STATUS" 401 "and the token it gave is revoked"

# ---- read-only, a level granted below the asked one, form bodies, expiry -------------------
url=$(auth_url scope=read-only)
consent
C2=$(code_of "$(header location)")
api POST /v1/oauth/token -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode grant_type=authorization_code --data-urlencode "code=$C2" \
	--data-urlencode "redirect_uri=$CB" --data-urlencode "code_verifier=$V"
is "$STATUS" 200 "RFC 6749's form body works too"
like "$BODY" '"query_permission_level":"read-only"' "read-only scope"
S2="Authorization: Bearer $(printf '%s' "$BODY" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
api POST /v1/alice/app.sqlite/query -H "$S2" --data-binary 'SELECT count(*) FROM notes'
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["2"]]}' "a read-only token reads"
api POST /v1/alice/app.sqlite/query -H "$S2" --data-binary 'DELETE FROM notes'
is "$STATUS $(printf '%s' "$BODY" | cut -d, -f1)" '403 {"type":"NoWriteAccessError"' \
	"and may not write"
url=$(auth_url)
consent granted_scope=read-only
tok "$(body '' "$(code_of "$(header location)")")"
is "$STATUS $(printf '%s' "$BODY" | grep -o '"query_permission_level":"[a-z-]*"')" \
	'200 "query_permission_level":"read-only"' "the user may grant less than asked, and the app learns it"
url=$(auth_url)
consent
C3=$(code_of "$(header location)")
meta_sql "UPDATE oauth_authorization_request SET expires_at = '2000-01-01 00:00:00.000000' WHERE used_at IS NULL"
tok "$(body '' "$C3")"
is "$STATUS $BODY" '400 {"error":"invalid_grant","error_description":"Authorization code has expired"}' \
	"an expired code"

# ---- revoking an app's token --------------------------------------------------------------
url=$(auth_url)
consent
tok "$(body '' "$(code_of "$(header location)")")"
T4=$(printf '%s' "$BODY" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
short=$(printf '%s' "$T4" | cut -d_ -f2)
api DELETE "/v1/tokens/$short" -H "Authorization: Bearer $A"
is "$STATUS" 200 "the owner revokes the app's token"
api POST /v1/alice/app.sqlite/query -H "Authorization: Bearer $T4" --data-binary 'SELECT 1'
is "$STATUS" 401 "and the app's next query is refused"

# ---- creating a database from the consent page -------------------------------------------------
api GET "$url" -H "$ALICE"
c=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
next=$(printf '%s' "$BODY" | sed -n 's/.*name="next" value="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g')
api POST /alice/create_database -H "$ALICE" --data-urlencode "csrf=$c" \
	--data-urlencode database_slug=fresh.sqlite --data-urlencode db_type=sqlite \
	--data-urlencode public_sharing_level=no-access --data-urlencode "next=$next"
is "$STATUS $(header location)" "303 $url" "a database created there leads back to the consent page"
api GET "$url" -H "$ALICE"
like "$BODY" '<select id="consent-database" name="database"><option value="alice/fresh.sqlite">' \
	"where it comes first, so it is selected"

# ---- a user's codes are limited: at most 100 an hour ---------------------------------------------
meta_sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
	INSERT INTO oauth_authorization_request (code, entity_id, code_challenge, redirect_uri,
	app_name, requested_query_permission_level, state, database_id, query_permission_level,
	created_at, expires_at) SELECT 'filler' || i, o.entity_id, o.code_challenge, o.redirect_uri,
	o.app_name, 0, NULL, o.database_id, 0, o.created_at, o.expires_at FROM n,
	(SELECT * FROM oauth_authorization_request ORDER BY created_at DESC LIMIT 1) o"
consent
is "$STATUS $(header retry-after) $(page_err)" \
	"429 600 temporarily_unavailable / Too many apps authorized in the last hour: try again later" \
	"past 100 codes in an hour, a user gets no more for a while"

tap_done
