#!/bin/sh
# Every error path of `ayb client` (README "The `ayb` command line") that the server supports:
# each prints `Error: <sentence>` on stderr, nothing on stdout, and exits 1
# (2 for command-line mistakes).  A small fake server covers answers a real
# ayb server never gives: non-JSON, truncated, cut-off and odd bodies.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server

export AYB_SERVER_URL=$URL

# fails WANT_STATUS WANT_STDERR NAME ARGS...: exact stderr, empty stdout.
fails() {
	_st=$1 _want=$2 _name=$3
	shift 3
	run "$@"
	is "$RC|$OUT|$ERR" "$_st||$_want" "$_name"
}

A=$(register_user ann ann@example.org) || bail "cannot register ann"
B=$(register_user bob bob@example.org) || bail "cannot register bob"
AYB_API_TOKEN=$A "$AYB" client create_database ann/main.sqlite >/dev/null 2>&1 ||
	bail "cannot create ann/main.sqlite"

# ---- tokens ------------------------------------------------------------------------------
fails 1 "Error: Calling endpoint that requires client API token, but none provided" \
	"no token: the server is not contacted" query ann/main.sqlite "SELECT 1"
fails 1 "Error: Calling endpoint that requires client API token, but none provided" \
	"no token for create_database" create_database ann/x.sqlite
fails 1 "Error: Calling endpoint that requires client API token, but none provided" \
	"no token for update_profile" update_profile ann --display_name x
fails 1 "Error: Error parsing API token: WrongNumberOfParts(1)" \
	"a token without underscores" --token garbagegarbage query ann/main.sqlite "SELECT 1"
short=$(printf '%s' "$A" | cut -d_ -f2)
fails 1 "Error: API token nope not found" \
	"an unknown short token names it" --token ayb_nope_secret query ann/main.sqlite "SELECT 1"
fails 1 "Error: Invalid API token" \
	"a wrong secret" --token "ayb_${short}_wrongsecret" query ann/main.sqlite "SELECT 1"
fails 1 "Error: Invalid API token" \
	"a wrong token on an optional-token endpoint is an error too" \
	--token "ayb_${short}_wrongsecret" list ann

# ---- registration --------------------------------------------------------------------------
fails 1 "Error: Invalid or expired token" "confirm with a bad emailed token" confirm bogus
fails 1 "Error: Username 'admin' is reserved and cannot be used" "reserved name" \
	register Admin admin@example.org
fails 1 "Error: No account or email authentication method for nobody" "log_in unknown entity" \
	log_in nobody

# ---- databases -------------------------------------------------------------------------------
export AYB_API_TOKEN=$A
fails 1 "Error: Database ann/nope.sqlite not found" "missing database" \
	query ann/nope.sqlite "SELECT 1"
fails 1 "Error: Entity nobody not found" "list for a missing entity" list nobody
fails 1 "Error: Entity nobody not found" "profile for a missing entity" profile nobody
fails 1 "Error: Database already exists" "create twice" create_database ann/main.sqlite
fails 1 "Error: Authenticated entity ann can't create a database for entity bob" \
	"create for someone else" create_database bob/x.sqlite
if ! has_duckdb; then
	run create_database ann/duck.db duckdb
	is "$RC|$OUT" "1|" "duckdb is refused (a build without DuckDB)"
	like "$ERR" "Error: " "duckdb: the server's error is passed through"
	like "$ERR" "not supported" "duckdb: says it is not supported"
fi
run query ann/main.sqlite "SELECT * FROM nope"
is "$RC|$OUT" "1|" "SQL error: exit 1, nothing on stdout"
like "$ERR" "Error: " "SQL error on stderr"
like "$ERR" "no such table: nope" "SQL error: SQLite's message"
# ayb-c answers as for a missing database, not to reveal that it exists.
fails 1 "Error: Database ann/main.sqlite not found" \
	"query another entity's private database" --token "$B" query ann/main.sqlite "SELECT 1"

# ---- profiles --------------------------------------------------------------------------------
fails 1 "Error: No fields provided to update. Please specify at least one field to update." \
	"update_profile with nothing to change" update_profile ann
fails 1 "Error: Authenticated entity ann can't update the profile of entity bob" \
	"update_profile of another entity" update_profile bob --location x

# ---- command-line mistakes exit 2 ---------------------------------------------------------------
run query nodatabase "SELECT 1"
is "$RC|$OUT" "2|" "bad <database>: exit 2"
like "$ERR" "Error: invalid value 'nodatabase' for '<database>': Argument must be formatted as 'entity/database'" \
	"bad <database>: ayb's message"
run update_database ann/main.sqlite
is "$RC|$OUT" "2|" "missing required option: exit 2"
like "$ERR" "the following required arguments were not provided" "missing required option: message"
run create_database ann/y.sqlite sqlite public
is "$RC" 2 "invalid enum value: exit 2"
like "$ERR" "[possible values: no-access, fork, read-only]" "invalid enum value lists the values"
run list ann --url "$URL"
is "$RC" 2 "client options after the command: exit 2"
fails 2 "Error: The value for 'entity' must not contain a line break" \
	"a line break in a header value is refused" register "a${NL}b" a@example.org
run query ann/main.sqlite "SELECT 1" --format xml
is "$RC" 2 "bad --format: exit 2"

# ---- network -------------------------------------------------------------------------------------
DEAD=http://127.0.0.1:$(free_port)
fails 1 "Error: cannot reach $DEAD: Connection refused" "server down" --url "$DEAD" list ann
fails 1 "Error: Invalid server URL 'http://127.0.0.1:5434badport': Port number was not a decimal number between 0 and 65535" \
	"bad port in the URL" --url http://127.0.0.1:5434badport list ann
fails 1 "Error: Invalid server URL 'ftp://127.0.0.1/': only http and https are supported" \
	"another scheme" --url ftp://127.0.0.1/ list ann
fails 1 "Error: Invalid server URL 'nonsense': Bad scheme" "not a URL" --url nonsense list ann

# TLS to a server that speaks plain HTTP.
HTTPS_URL=$(printf '%s' "$URL" | sed 's/^http:/https:/')
run --url "$HTTPS_URL" list ann
is "$RC|$OUT" "1|" "TLS failure: exit 1, nothing on stdout"
like "$ERR" "Error: cannot reach $HTTPS_URL: " "TLS failure: one clear line naming the URL"
is "$(printf '%s\n' "$ERR" | wc -l)" 1 "TLS failure: a single line"

# The server going away between two commands.
e2e_stop_server
fails 1 "Error: cannot reach $URL: Connection refused" "server stopped" list ann

# ---- answers a real server never gives ---------------------------------------------------------
FPORT=$(free_port)
cat >"$T/fake.py" <<'PY'
import socket, sys, threading

def answer(path):
    if path.endswith("/notjson"):
        return b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
    if path.endswith("/html"):
        body = b"<html>\n<body>Bad gateway</body>\n</html>\n"
        return b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    if path.endswith("/truncated"):
        return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"slug\":\"x\""
    if path.endswith("/unauth"):
        return b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    if path.endswith("/empty"):
        return b""
    if path.endswith("/noslug"):
        body = b"{\"slug\":\"x\"}"
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    if path.endswith("/hostile"):
        body = b"{\"type\":\"Other\",\"message\":\"x\\u001b]0;owned\\u0007\\u001b[2J\\u009b\"}"
        return b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    if path.endswith("/query"):
        body = b"{\"fields\":[\"a\"],\"rows\":[[\"1\",\"2\"]]}"
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

def serve(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    path = data.split(b" ")[1].decode() if data.count(b" ") >= 2 else "/"
    conn.sendall(answer(path))
    conn.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
/usr/bin/python3 "$T/fake.py" "$FPORT" >"$T/fake.log" 2>&1 &
FAKE_PID=$!
trap 'kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; _e2e_cleanup' EXIT
i=0
until grep -q ready "$T/fake.log" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
FAKE=http://127.0.0.1:$FPORT

fails 1 "Error: Unexpected response from the server: the body is not valid JSON" \
	"200 with a body that is not JSON" --url "$FAKE" list notjson
fails 1 "Error: The server answered 502 Bad Gateway with a body that is not an ayb error: <html> <body>Bad gateway</body> </html>" \
	"an HTML error page" --url "$FAKE" list html
run --url "$FAKE" list truncated
is "$RC|$OUT" "1|" "truncated body: exit 1"
like "$ERR" "Error: Incomplete response from $FAKE: " "truncated body: clear error"
run --url "$FAKE" list empty
is "$RC|$OUT" "1|" "connection closed without an answer: exit 1"
like "$ERR" "Error: Request to $FAKE failed: Empty reply from server" "no answer: clear error"
fails 1 "Error: Unexpected response from the server: missing \"databases\"" \
	"JSON without the expected member" --url "$FAKE" list noslug
fails 1 "Error: Unexpected response from the server: missing \"profile\"" \
	"profile without its member" --url "$FAKE" profile noslug
fails 1 "Error: Unexpected response from the server: a row does not have one value per field" \
	"a row longer than the fields" --url "$FAKE" --token ayb_a_b query e/d "SELECT 1"
fails 1 "Error: The server refused the request (401 Unauthorized): the API token is missing or not allowed to do this" \
	"401 with an empty body" --url "$FAKE" --token ayb_a_b update_profile unauth --location x
fails 1 "Error: The server answered 404 Not Found with an empty body" \
	"an endpoint the server lacks" --url "$FAKE" --token ayb_a_b list_tokens

# A server's message could drive the terminal (title, clear screen, CSI): a terminal is shown
# its control characters, a pipe or file gets the message exactly.
fails 1 "Error: x$(printf '\033]0;owned\007\033[2J\302\233')" \
	"a server message with terminal escapes, exactly to a pipe" --url "$FAKE" list hostile
if command -v script >/dev/null; then
	on_tty --url "$FAKE" list hostile
	is "$RC|$OUT" '1|Error: x\x1b]0;owned\x07\x1b[2J\u009b' "shown as text on a terminal"
	no_esc "$OUT" "no escape reaches the terminal from an error"
else
	echo "# util-linux script is not installed: the terminal check is skipped"
fi

tap_done
