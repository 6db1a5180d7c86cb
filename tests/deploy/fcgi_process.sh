#!/bin/sh
# ayb-api.fcgi's behaviour as a long-running FastCGI process, with nginx as
# the FastCGI client and the process a direct child (spawn-fcgi -n execs it):
#   - FCGI_WEB_SERVER_ADDRS: connections from other addresses are closed
#   - AYB_CONFIG as a FastCGI param picks the site's configuration, per
#     request, over the one in the process environment
#   - one error-log line per failed request, with its path, without tokens
#   - SIGTERM: the request in flight is answered, then the process exits 0
WHAT=ayb-api.fcgi
. "$(dirname "$0")/lib.sh"

deploy_need nginx spawn-fcgi curl ss
deploy_need_root
deploy_bin
mkdir -p "$T/run" "$T/log" "$T/nginx"

# Two sites with their own configuration, data and metadata.
deploy_config
CONF_A=$CONF
EMAILS_A=$EMAILS
mkdir -p "$T/b"
key_b=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')
sed -e "s|$T/data|$T/b|g" -e "s|^\( *fernet_key = \).*|\1\"$key_b\"|" "$CONF_A" >"$T/b/ayb.conf"
CONF_B=$T/b/ayb.conf
# A third whose metadata store cannot be opened.
sed -e "s|^database_url = .*|database_url = \"sqlite://$T/missing/dir/ayb.sqlite\"|" \
	"$CONF_A" >"$T/broken.conf"
chown -R www-data:www-data "$T/b"
chmod 644 "$T/b/ayb.conf" "$T/broken.conf"

FP=$(free_port)
NP=$(free_port)
while [ "$NP" = "$FP" ]; do NP=$(free_port); done

# nginx: one server per site, all in front of the same FastCGI address.
# Port NP+0 is site A; the others are sent on the "Host" header.
site() { # SERVER_NAME PARAMS
	cat <<CONF
	server {
		listen 127.0.0.1:$NP;
		server_name $1;
		location / {
			include fastcgi_params;
			$2
			fastcgi_pass 127.0.0.1:$FP;
		}
	}
CONF
}
deploy_nginx_conf off "$(site a.test "fastcgi_param AYB_CONFIG $CONF_A;")
$(site b.test "fastcgi_param AYB_CONFIG $CONF_B;")
$(site env.test "")
$(site broken.test "fastcgi_param AYB_CONFIG $T/broken.conf;")
$(site stream.test "fastcgi_param AYB_CONFIG $CONF_A; fastcgi_request_buffering off;")"
port_free "$NP" || bail "port $NP is taken"
deploy_nginx nginx
NGINX=$PID
i=0
while port_free "$NP"; do
	i=$((i + 1))
	kill -0 "$NGINX" 2>/dev/null && [ $i -lt 200 ] ||
		bail "nginx did not start: $(tail -3 "$T/log/nginx-error.log" "$T/log/nginx.out")"
	sleep 0.05
done

# fcgi ADDRS: ayb-api.fcgi on 127.0.0.1:$FP (spawn-fcgi -n execs it, so PID
# is the program's), with FCGI_WEB_SERVER_ADDRS=ADDRS and, in its
# environment, an AYB_CONFIG that does not exist.
fcgi() {
	i=0
	until port_free "$FP"; do
		i=$((i + 1))
		[ $i -lt 100 ] || bail "port $FP is still taken"
		sleep 0.05
	done
	deploy_start "fcgi-$i" env FCGI_WEB_SERVER_ADDRS="$1" AYB_CONFIG="$T/none.conf" \
		spawn-fcgi -n -a 127.0.0.1 -p "$FP" -u www-data -g www-data -- "$BIN/ayb-api.fcgi"
	FCGI_PID=$PID
	i=0
	while port_free "$FP"; do
		i=$((i + 1))
		[ $i -lt 100 ] || bail "ayb-api.fcgi does not listen on $FP"
		sleep 0.05
	done
}
get() { # HOST PATH [CURL_ARGS...]: sets STATUS and BODY
	_h=$1 _p=$2
	shift 2
	URL=http://127.0.0.1:$NP
	api GET "$_p" -H "Host: $_h" "$@"
}

# ---- FCGI_WEB_SERVER_ADDRS ---------------------------------------------------------------
fcgi 127.0.0.2
get a.test /health
is "$STATUS" 502 "$WHAT: FCGI_WEB_SERVER_ADDRS without nginx's address: the connection is refused"
deploy_stop "$FCGI_PID"
fcgi 10.1.2.3,127.0.0.1
get a.test /health
is "$STATUS" 200 "$WHAT: FCGI_WEB_SERVER_ADDRS listing nginx's address among others: served"
deploy_stop "$FCGI_PID"
fcgi ""
get a.test /health
is "$STATUS" 200 "$WHAT: no FCGI_WEB_SERVER_ADDRS: any address is served"

# ---- AYB_CONFIG per request --------------------------------------------------------------
URL=http://127.0.0.1:$NP
api POST /v1/register -H 'Host: a.test' -H 'entity: alice' -H 'email-address: alice@example.org' \
	-H 'entity-type: user'
is "$STATUS" 200 "$WHAT: site A (AYB_CONFIG param) registers"
api POST /v1/register -H 'Host: b.test' -H 'entity: alice' -H 'email-address: alice@example.org' \
	-H 'entity-type: user'
is "$STATUS" 200 "$WHAT: site B (another AYB_CONFIG param) has its own metadata"
[ -s "$EMAILS_A" ] && [ -s "$T/b/emails.jsonl" ]
ok $? "$WHAT: each site writes its own emails file"
EMAILS=$EMAILS_A
api POST /v1/confirm -H 'Host: a.test' -H "authentication-token: $(email_token alice@example.org)"
is "$STATUS" 200 "$WHAT: site A confirms with its own key"
TOKEN=$(printf '%s' "$BODY" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
api POST /v1/confirm -H 'Host: b.test' -H "authentication-token: $(email_token alice@example.org)"
is "$STATUS" 401 "$WHAT: site B does not accept a token sealed with site A's key"
get env.test /v1/entity/alice
is "$STATUS" 500 "$WHAT: without the param, the process environment's (missing) configuration applies"
like "$BODY" '"type":"ConfigurationError"' "$WHAT: ... and says so"

# ---- the error log -------------------------------------------------------------------------
: >"$T/log/nginx-error.log"
get broken.test /v1/entity/alice -H "Authorization: Bearer $TOKEN"
is "$STATUS" 503 "$WHAT: a metadata store that cannot be opened: 503"
get broken.test /v1/entity/alice -H "Authorization: Bearer $TOKEN"
log=$(grep -o 'ayb-api: [^"]*' "$T/log/nginx-error.log")
is "$(printf '%s\n' "$log" | grep -c '^ayb-api: 503 GET /v1/entity/alice: Other: Unable to open metadata store')" 2 \
	"$WHAT: one error-log line per failed request, with the path and the reason"
short=$(printf '%s' "$TOKEN" | cut -d_ -f2)
! grep -q "$(printf '%s' "$TOKEN" | cut -d_ -f3)" "$T/log/nginx-error.log"
ok $? "$WHAT: the token's secret is not logged"
get a.test /v1/entity/nobody
is "$STATUS" 404 "$WHAT: a client error ..."
is "$(grep -c 'ayb-api:.*nobody' "$T/log/nginx-error.log")" 0 "$WHAT: ... is left to the access log"

# ---- SIGTERM with a request in flight -----------------------------------------------------------
api POST /v1/alice/slow.sqlite/create -d '' -H 'Host: a.test' -H "Authorization: Bearer $TOKEN" \
	-H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "$WHAT: create a database"
# The body comes through a FIFO: half of it, SIGTERM, then the rest.  nginx
# passes it on as it arrives (fastcgi_request_buffering off).
mkfifo "$T/body"
sql="SELECT 42 AS answer"
curl -sS -X POST -T "$T/body" -H 'Host: stream.test' -H "Authorization: Bearer $TOKEN" \
	-H "Content-Length: ${#sql}" -H 'Transfer-Encoding:' -H 'Expect:' \
	"$URL/v1/alice/slow.sqlite/query" >"$T/slow.out" 2>&1 &
CURL=$!
deploy_track "$CURL"
exec 3>"$T/body"
printf '%s' "SELECT 42" >&3
sleep 0.3
kill -TERM "$FCGI_PID"
sleep 0.3
kill -0 "$FCGI_PID" 2>/dev/null
ok $? "$WHAT: SIGTERM during a request: the process waits for it"
printf '%s' " AS answer" >&3
exec 3>&-
wait "$CURL"
deploy_forget "$CURL"
is "$(cat "$T/slow.out")" '{"fields":["answer"],"rows":[["42"]]}' "$WHAT: ... answers it in full"
deploy_stop "$FCGI_PID" CONT
is "$STOP_STATUS" 0 "$WHAT: ... then exits with status 0"

# Idle: the signal ends the wait for the next request at once.
fcgi ""
get a.test /health
start=$(date +%s%N)
deploy_stop "$FCGI_PID"
took=$((($(date +%s%N) - start) / 1000000))
is "$STOP_STATUS" 0 "$WHAT: SIGTERM while idle: exit status 0"
[ "$took" -lt 1000 ]
ok $? "$WHAT: ... within a second (took $took ms)"

# ---- AYB_API_PROCESSES is checked -----------------------------------------------------------
AYB_API_PROCESSES=0 spawn-fcgi -n -a 127.0.0.1 -p "$FP" -- "$BIN/ayb-api.fcgi" >"$T/log/bad.out" 2>&1
is "$?" 1 "$WHAT: AYB_API_PROCESSES=0 is refused"
like "$(cat "$T/log/bad.out")" "AYB_API_PROCESSES must be a number from 1 to 256" "$WHAT: ... with the reason"

deploy_stop "$NGINX" QUIT
tap_done
