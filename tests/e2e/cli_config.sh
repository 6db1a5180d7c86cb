#!/bin/sh
# The client configuration file of `ayb client` (README "The `ayb` command line"): where it
# lives, its exact text, when it is written (and when not), how flags and
# environment variables override it, and clear errors for files that are
# read-only, corrupt or in the way.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server

DEAD=http://127.0.0.1:$(free_port)

mode() {
	stat -c %a "$1"
}

# ---- default location -----------------------------------------------------------------
XCFG=$XDG_CONFIG_HOME/ayb/ayb.json
run --url "$URL" register alice alice@example.org
is "$OUT/$RC" "Check your email to finish registering alice$NL/0" "register with --url"
is "$(cat "$XCFG")" "{\"version\":1,\"authentication\":{},\"default_url\":\"$URL\"}" \
	"written at \$XDG_CONFIG_HOME/ayb/ayb.json, compact, no trailing newline"
is "$(mode "$XCFG")" 600 "the file has mode 0600"

run confirm not-a-token
is "$RC" 1 "confirm with a bad token fails"
is "$ERR" "Error: Invalid or expired token" "the server's message on stderr"
is "$OUT" "" "nothing on stdout"
is "$(cat "$XCFG")" "{\"version\":1,\"authentication\":{},\"default_url\":\"$URL\"}" \
	"a failed confirm leaves the file untouched"

run confirm "$(email_token alice@example.org)"
ALICE=$(printf '%s' "$OUT" | sed -n 's/.* saved token \(.*\)$/\1/p')
is "$(cat "$XCFG")" "{\"version\":1,\"authentication\":{\"$URL\":\"$ALICE\"},\"default_url\":\"$URL\"}" \
	"confirm saves the token under the URL"
is "$(mode "$XCFG")" 600 "still mode 0600 after confirm"
ls -A "$XDG_CONFIG_HOME/ayb" >"$T/ls"
is "$(cat "$T/ls")" "ayb.json" "no temporary file left beside it"

# Without XDG_CONFIG_HOME: ~/.config/ayb/ayb.json.
OUT=$(env -u XDG_CONFIG_HOME "$AYB" client --url "$URL" log_in alice 2>&1)
is "$OUT" "Check your email to finish logging in alice" "log_in without XDG_CONFIG_HOME"
is "$(cat "$HOME/.config/ayb/ayb.json")" "{\"version\":1,\"authentication\":{},\"default_url\":\"$URL\"}" \
	"falls back to ~/.config/ayb/ayb.json"

# ---- resolution order -------------------------------------------------------------------
run create_database alice/one.sqlite
is "$OUT/$RC" "Successfully created alice/one.sqlite$NL/0" "default_url and saved token are used"

run --url "$DEAD" list alice
is "$RC" 1 "--url beats default_url (dead port)"
like "$ERR" "Error: cannot reach $DEAD: Connection refused" "connection refused names the URL"
is "$(cat "$XCFG")" "{\"version\":1,\"authentication\":{\"$URL\":\"$ALICE\"},\"default_url\":\"$URL\"}" \
	"a later --url does not replace default_url"

OUT=$(AYB_SERVER_URL=$DEAD "$AYB" client list alice 2>&1)
like "$OUT" "cannot reach $DEAD" "AYB_SERVER_URL beats default_url"
OUT=$(AYB_SERVER_URL=$DEAD "$AYB" client --url "$URL" list alice 2>&1)
is "$OUT" " Database slug | Type $NL---------------+--------$NL one.sqlite    | sqlite " "--url beats AYB_SERVER_URL"

OUT=$(AYB_API_TOKEN=ayb_nope_nope "$AYB" client query alice/one.sqlite "SELECT 1" 2>&1)
like "$OUT" "Error: " "AYB_API_TOKEN beats the saved token"
OUT=$(AYB_API_TOKEN=ayb_nope_nope "$AYB" client --token "$ALICE" query alice/one.sqlite "SELECT 1 AS x" 2>&1)
is "$OUT" " x $NL---$NL 1 $NL${NL}Rows: 1" "--token beats AYB_API_TOKEN"

# The saved token belongs to the exact URL string.
run --url "$URL/" query alice/one.sqlite "SELECT 1"
is "$ERR/$RC" "Error: Calling endpoint that requires client API token, but none provided/1" \
	"a token saved for another URL string is not sent"
run --url "$URL/" --token "$ALICE" query alice/one.sqlite "SELECT 2 AS y"
is "$OUT/$RC" " y $NL---$NL 2 $NL${NL}Rows: 1$NL/0" "a trailing slash on the URL still works"

# ---- --config and AYB_CLIENT_CONFIG_FILE ------------------------------------------------
run --config "$T/c1/sub/ayb.json" --url "$URL" list alice
is "$RC" 0 "--config in a new directory"
is "$(cat "$T/c1/sub/ayb.json")" "{\"version\":1,\"authentication\":{},\"default_url\":\"$URL\"}" \
	"--config file written, parent directories created"
is "$(mode "$T/c1/sub")" 700 "created directories are private"
OUT=$(AYB_CLIENT_CONFIG_FILE=$T/c2.json "$AYB" client set_default_url "$DEAD" 2>&1)
is "$OUT" "Saved $DEAD as new default_url" "set_default_url through AYB_CLIENT_CONFIG_FILE"
is "$(cat "$T/c2.json")" "{\"version\":1,\"authentication\":{},\"default_url\":\"$DEAD\"}" \
	"AYB_CLIENT_CONFIG_FILE names the file"
OUT=$(AYB_CLIENT_CONFIG_FILE=$T/c2.json "$AYB" client --config "$T/c3.json" set_default_url "$URL" 2>&1)
[ -f "$T/c3.json" ] && [ "$(cat "$T/c2.json")" = "{\"version\":1,\"authentication\":{},\"default_url\":\"$DEAD\"}" ]
ok $? "--config beats AYB_CLIENT_CONFIG_FILE"
run --config "$T/c2.json" set_default_url "$URL"
is "$(cat "$T/c2.json")" "{\"version\":1,\"authentication\":{},\"default_url\":\"$URL\"}" \
	"set_default_url replaces the default"
run --config "$T/c2.json" set_default_url "http://127.0.0.1:5434badport"
is "$RC" 1 "set_default_url refuses a malformed URL"
like "$ERR" "Error: Invalid server URL 'http://127.0.0.1:5434badport': " "malformed URL: clear error"
is "$(cat "$T/c2.json")" "{\"version\":1,\"authentication\":{},\"default_url\":\"$URL\"}" \
	"and keeps the old default"

# A hand-edited file with spaces and unknown keys still works.
printf '{ "version": 1,\n  "authentication": { "%s": "%s" },\n  "default_url": "%s", "note": 1 }\n' \
	"$URL" "$ALICE" "$URL" >"$T/hand.json"
run --config "$T/hand.json" query alice/one.sqlite "SELECT 3 AS z"
is "$OUT/$RC" " z $NL---$NL 3 $NL${NL}Rows: 1$NL/0" "a hand-edited file is read"

# ---- no URL at all ------------------------------------------------------------------------
run --config "$T/empty/ayb.json" list alice
is "$RC" 1 "no URL anywhere: exit 1"
is "$ERR" "Error: Server URL is required through --url parameter, AYB_SERVER_URL environment variable, or default_url in $T/empty/ayb.json" \
	"no URL anywhere: the message names the file"
[ ! -e "$T/empty" ]; ok $? "no URL: nothing written"

# ---- files that cannot be used ------------------------------------------------------------
printf '{"version":1,"authentication":{}' >"$T/corrupt.json"
run --config "$T/corrupt.json" --url "$URL" list alice
is "$OUT/$RC" "/1" "corrupt file: exit 1, nothing on stdout"
is "$ERR" "Error: Invalid client configuration file $T/corrupt.json: not valid JSON" \
	"corrupt file: clear error"
printf '{"version":1}' >"$T/noauth.json"
run --config "$T/noauth.json" --url "$URL" list alice
is "$ERR/$RC" "Error: Invalid client configuration file $T/noauth.json: missing or invalid \"authentication\"/1" \
	"file without authentication: clear error"

printf '{"version":1,"authentication":{},"default_url":null}' >"$T/ro.json"
chmod 0400 "$T/ro.json"
run --config "$T/ro.json" --url "$URL" list alice
is "$RC" 1 "read-only file that must be written: exit 1"
is "$ERR" "Error: Cannot write client configuration file $T/ro.json: the file is read-only" \
	"read-only file: clear error"
is "$(cat "$T/ro.json")" '{"version":1,"authentication":{},"default_url":null}' "read-only file unchanged"
printf '{"version":1,"authentication":{},"default_url":"%s"}' "$URL" >"$T/ro2.json"
chmod 0400 "$T/ro2.json"
run --config "$T/ro2.json" list alice
is "$RC" 0 "a read-only file that needs no write is fine"

mkdir "$T/isdir.json"
run --config "$T/isdir.json" --url "$URL" list alice
is "$ERR/$RC" "Error: Cannot read client configuration file $T/isdir.json: Is a directory/1" \
	"a directory in place of the file"
: >"$T/plain"
run --config "$T/plain/ayb.json" --url "$URL" list alice
is "$ERR/$RC" "Error: Cannot read client configuration file $T/plain/ayb.json: Not a directory/1" \
	"a file in place of the parent directory"

# A symbolic link stays a link; its target is updated.
printf '{"version":1,"authentication":{},"default_url":null}' >"$T/target.json"
ln -s "$T/target.json" "$T/link.json"
run --config "$T/link.json" set_default_url "$URL"
[ -L "$T/link.json" ]; ok $? "the symbolic link stays a link"
is "$(cat "$T/target.json")" "{\"version\":1,\"authentication\":{},\"default_url\":\"$URL\"}" \
	"the link's target is written"

# The interactive session keeps its history beside the configuration file
# only on a terminal; a script on stdin leaves none.
printf 'SELECT 1\n' | "$AYB" client --config "$T/h/ayb.json" --url "$URL" --token "$ALICE" \
	query alice/one.sqlite >/dev/null 2>&1
[ ! -e "$T/h/history" ]; ok $? "no history file from a non-terminal session"

tap_done
