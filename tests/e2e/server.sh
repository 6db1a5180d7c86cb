#!/bin/sh
# `ayb default_server_config` and `ayb server`: a starter config that works
# as printed, start-up errors, and a clean stop of lighttpd and every
# FastCGI child.
. "$(dirname "$0")/lib.sh"

# ---- default_server_config ------------------------------------------------------
"$AYB" default_server_config >"$T/a.conf"
ok $? "default_server_config exits 0"
"$AYB" default_server_config >"$T/b.conf"
key_a=$(sed -n 's/^ *fernet_key = "\(.*\)"$/\1/p' "$T/a.conf")
key_b=$(sed -n 's/^ *fernet_key = "\(.*\)"$/\1/p' "$T/b.conf")
printf '%s' "$key_a" | grep -Eq '^[A-Za-z0-9_-]{43}=$'; ok $? "a 44-character URL-safe base64 key"
[ "$key_a" != "$key_b" ]; ok $? "a fresh key each time"
is "$(sed '/fernet_key/d' "$T/a.conf")" "$(sed '/fernet_key/d' "$T/b.conf")" "the rest is fixed"
grep -q '^  file {' "$T/a.conf"; ok $? "file email backend on by default"
grep -q '^  # smtp {' "$T/a.conf"; ok $? "SMTP shown commented"
"$AYB" default_server_config extra >/dev/null 2>&1
is "$?" 2 "an extra argument is a usage error"

# ---- the starter config, as printed, with relative paths -----------------------
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
mkdir -p "$T/site"
start_site() {
	sed "s/^port = 5433/port = $PORT/" "$T/a.conf" >"$T/site/ayb.conf"
	"$AYB" server >"$T/server.log" 2>&1 &
	SERVER_PID=$!
}
cd "$T/site" || bail "cd"
e2e_start_on_free_port start_site
like "$(cat "$T/server.log")" "Starting server 127.0.0.1:$PORT..." "prints where it listens"
api POST /v1/register -d '' -H 'entity: starter' -H 'email-address: s@example.org' -H 'entity-type: user'
is "$STATUS" 200 "register against the starter config"
[ -s "$T/site/ayb_data/emails.jsonl" ]; ok $? "relative email path is under the working directory"
[ -f "$T/site/ayb_data/ayb.sqlite" ]; ok $? "relative metadata path is under the working directory"
pids=$(pgrep -f "$T" | tr '\n' ' ')
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
is "$?" 0 "SIGTERM stops ayb server cleanly"
SERVER_PID=
left=0
for p in $pids; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
is "$left" 0 "no lighttpd or FastCGI process is left"
cd "$T" || bail "cd"

# ---- start-up errors ---------------------------------------------------------------
printf 'port = 5433\n' >"$T/bad.conf"
out=$("$AYB" server --config "$T/bad.conf" 2>&1)
rc=$?
[ "$rc" -ne 0 ]; ok $? "an incomplete config fails"
like "$out" 'Missing required configuration key `host`' "and names the missing key"
printf 'host = "127.0.0.1"\nport = "x"\n' >"$T/bad.conf"
out=$("$AYB" server --config "$T/bad.conf" 2>&1)
like "$out" "Invalid configuration file $T/bad.conf: line 2: invalid integer value for option 'port'" "an ill-typed key names the key and file"
out=$("$AYB" server --config "$T/nonexistent.conf" 2>&1)
like "$out" 'Missing required configuration key' "a missing file without AYB__ variables fails"
out=$(AYB__HOST=127.0.0.1 "$AYB" server --bogus 2>&1)
is "$?" 2 "an unknown option is a usage error"
"$AYB" server --help | grep -q 'Usage: ayb server'; ok $? "ayb server --help"

# ---- AYB__ overrides reach the FastCGI processes -----------------------------------
e2e_setup
start_env_port() {
	AYB__PORT=$PORT "$AYB" server --config "$T/ayb.conf" >"$T/server.log" 2>&1 &
	SERVER_PID=$!
}
# The configured port stays unused: AYB__PORT moves the server.
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
e2e_start_on_free_port start_env_port
api POST /v1/register -d '' -H 'entity: envuser' -H 'email-address: env@example.org' -H 'entity-type: user'
like "$(tail -1 "$EMAILS")" "http://localhost:$PORT/confirm/" "the FastCGI processes see AYB__PORT"

tap_done
