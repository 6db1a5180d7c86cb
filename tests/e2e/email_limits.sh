#!/bin/sh
# Emails per address and per client address (README "Isolation", email
# limits): register and log in past either limit answer 429 with
# Retry-After and send nothing, the web UI's forms say so, and the counts
# live in the metadata store, so they hold across processes and restarts.
. "$(dirname "$0")/lib.sh"

e2e_setup
sed -i 's/^  max_per_client_per_hour = .*/  max_per_address_per_hour = 2\n  max_per_client_per_hour = 4/' \
	"$T/ayb.conf"
e2e_start_server

register() { # ENTITY ADDRESS
	api POST /v1/register -d '' -H "entity: $1" -H "email-address: $2" -H 'entity-type: user'
}
sent_to() { # ADDRESS: how many emails went to ADDRESS
	grep -c "\"to\":\"$1\"" "$EMAILS"
}
RATE_ADDR='{"type":"Other","message":"Too many emails to this address: at most 2 an hour (the server'"'"'s limit); try again in 60 minutes"}'
RATE_CLIENT='{"type":"Other","message":"Too many emails asked for from your network address: at most 4 an hour (the server'"'"'s limit); try again in 60 minutes"}'

# ---- per address ---------------------------------------------------------------------------
register alice alice@example.org
is "$STATUS" 200 "a first email to alice@example.org"
register alice ALICE@example.org
is "$STATUS" 200 "a second (the address is compared in lower case)"
register alice alice@example.org
is "$STATUS $BODY" "429 $RATE_ADDR" "a third within the hour: 429 in ayb's envelope"
wait=$(header retry-after)
[ "${wait:-0}" -gt 3500 ] && [ "$wait" -le 3600 ]
ok $? "with Retry-After: the seconds until the hour is over ($wait)"
is "$(sent_to alice@example.org)" 2 "and no third email"
api POST /v1/confirm -d '' -H "authentication-token: $(email_token alice@example.org)"
is "$STATUS" 200 "a link already sent still confirms"
api POST /v1/log_in -d '' -H 'entity: alice'
is "$STATUS $BODY" "429 $RATE_ADDR" "log in counts against the same address"
is "$(sent_to alice@example.org)" 2 "still two emails"

# ---- per client address ----------------------------------------------------------------------
register bob bob@example.org
is "$STATUS" 200 "another address from the same client: the client's third email"
register carol carol@example.org
is "$STATUS" 200 "its fourth"
register dave dave@example.org
is "$STATUS $BODY" "429 $RATE_CLIENT" "a fifth from the same client: 429"
[ -n "$(header retry-after)" ]; ok $? "with Retry-After"
is "$(sent_to dave@example.org)" 0 "and dave gets nothing"

# ---- kept in the metadata store ------------------------------------------------------------
e2e_stop_server
e2e_start_server
register erin erin@example.org
is "$STATUS" 429 "after a restart (new processes) the client is still over its limit"
is "$(meta_sql "SELECT sent FROM email_quota WHERE subject = 'a:alice@example.org'")" 2 \
	"the store counts alice's emails; refusals do not count"
# An hour later, as far as the store can tell.
meta_sql "UPDATE email_quota SET window_start = window_start - 3600" >/dev/null
api POST /v1/log_in -d '' -H 'entity: alice'
is "$STATUS" 200 "once the hour is over, alice may log in again"
is "$(sent_to alice@example.org)" 3 "and gets her email"
is "$(meta_sql "SELECT count(*) FROM email_quota WHERE window_start <= $(date +%s) - 3600")" 0 \
	"windows over an hour old are deleted"

# ---- the web UI's forms ----------------------------------------------------------------------
JAR=$T/jar
page() { # METHOD PATH [CURL_ARGS...], keeping cookies
	_m=$1 _p=$2
	shift 2
	api "$_m" "$_p" -b "$JAR" -c "$JAR" "$@"
}
csrf() {
	printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1
}
for n in 1 2; do
	api POST /v1/log_in -d '' -H 'entity: alice' >/dev/null
done
page GET /log_in
page POST /log_in --data-urlencode "csrf=$(csrf)" --data-urlencode "username=alice"
is "$STATUS" 429 "the log in form past the limit: 429"
like "$BODY" "Too many emails to this address: at most 2 an hour" "the form shows why"
register gina gina@example.org
register hank hank@example.org
is "$STATUS" 200 "the client's fourth email of the new hour"
page GET /register
page POST /register --data-urlencode "csrf=$(csrf)" --data-urlencode "username=frank" \
	--data-urlencode "email=frank@example.org"
is "$STATUS" 429 "the register form past the client's limit: 429"
like "$BODY" "Too many emails asked for from your network address" "the form shows why"
is "$(sent_to frank@example.org)" 0 "nothing sent"

tap_done
