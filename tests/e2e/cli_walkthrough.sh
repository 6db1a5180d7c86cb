#!/bin/sh
# The README walkthrough with `ayb client` against `ayb server`, comparing
# every printed line: register -> confirm -> create_database -> list ->
# CREATE TABLE -> INSERTs through the interactive session on stdin ->
# SELECT -> update_profile -> profile.  Then the CSV format with awkward
# values, and query output details (NULL, zero rows, multi-line cells).
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server

CFG=$XDG_CONFIG_HOME/ayb/ayb.json

# run ARGS...: runs `ayb client ARGS`, setting OUT, ERR and RC.
# run_in INPUT ARGS...: the same with INPUT on stdin.
run_in() {
	_in=$1
	shift
	OUT=$(printf '%s' "$_in" | "$AYB" client "$@" 2>"$T/stderr"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=${OUT%rc=*}
	ERR=$(cat "$T/stderr")
}

# ---- register and confirm ---------------------------------------------------------
run --url "$URL" register marcua you@example.com
is "$OUT" "Check your email to finish registering marcua$NL" "register prints the README line"
is "$RC/$ERR" "0/" "register succeeds quietly"
is "$(cat "$CFG")" "{\"version\":1,\"authentication\":{},\"default_url\":\"$URL\"}" \
	"the first --url is saved as default_url"

token=$(email_token you@example.com)
[ -n "$token" ]; ok $? "the emailed token is found"
run confirm "$token"
API_TOKEN=$(printf '%s' "$OUT" | sed -n 's/^Successfully authenticated marcua and saved token \(ayb_[^ ]*\)$/\1/p')
[ -n "$API_TOKEN" ]; ok $? "confirm prints the entity and the token"
is "$OUT" "Successfully authenticated marcua and saved token $API_TOKEN$NL" "confirm line exactly"
is "$RC" 0 "confirm exit status"
is "$(cat "$CFG")" "{\"version\":1,\"authentication\":{\"$URL\":\"$API_TOKEN\"},\"default_url\":\"$URL\"}" \
	"confirm saves the token for the URL"

# ---- databases ---------------------------------------------------------------------
run create_database marcua/test.sqlite
is "$OUT" "Successfully created marcua/test.sqlite$NL" "create_database"
is "$RC" 0 "create_database exit status"

run list marcua
is "$OUT" " Database slug | Type $NL---------------+--------$NL test.sqlite   | sqlite $NL" "list marcua"

run query marcua/test.sqlite "CREATE TABLE favorite_databases(name varchar, score integer);"
is "$OUT" "${NL}Rows: 0$NL" "CREATE TABLE prints an empty line and Rows: 0"
is "$RC/$ERR" "0/" "CREATE TABLE succeeds"

inserts="INSERT INTO favorite_databases (name, score) VALUES (\"PostgreSQL\", 10);
INSERT INTO favorite_databases (name, score) VALUES (\"SQLite\", 9);
INSERT INTO favorite_databases (name, score) VALUES (\"DuckDB\", 9);
"
run_in "$inserts" query marcua/test.sqlite
is "$OUT" "Launching an interactive session for marcua/test.sqlite$NL${NL}Rows: 0$NL${NL}Rows: 0$NL${NL}Rows: 0$NL" \
	"three INSERTs through the interactive session on stdin, no prompt"
is "$RC/$ERR" "0/" "the session ends at end of input"

run query marcua/test.sqlite "SELECT * FROM favorite_databases;"
is "$OUT" " name       | score $NL------------+-------$NL PostgreSQL | 10 $NL SQLite     | 9 $NL DuckDB     | 9 $NL${NL}Rows: 3$NL" \
	"SELECT prints the README table and Rows: 3"

# ---- profile -------------------------------------------------------------------------
run update_profile marcua --display_name 'Adam Marcus' --links 'http://marcua.net'
is "$OUT" "Successfully updated profile$NL" "update_profile"
is "$RC" 0 "update_profile exit status"

run profile marcua
is "$OUT" " Display name | Description | Organization | Location | Links $NL--------------+-------------+--------------+----------+-------------------$NL Adam Marcus  | null        | null         | null     | http://marcua.net $NL" \
	"profile shows the new name and link, null for the rest"

run profile marcua --format csv
is "$OUT" "Display name,Description,Organization,Location,Links${NL}Adam Marcus,null,null,null,http://marcua.net$NL" \
	"profile as CSV"

run update_profile marcua --description 'Databases, mostly' --links 'http://a.example' 'http://b.example'
run profile marcua --format csv
is "$OUT" "Display name,Description,Organization,Location,Links${NL}Adam Marcus,\"Databases, mostly\",null,null,\"http://a.example,http://b.example\"$NL" \
	"two links are joined by a comma, and CSV quotes them"

# ---- query output details -----------------------------------------------------------
run query marcua/test.sqlite --format csv "SELECT * FROM favorite_databases;"
is "$OUT" "name,score${NL}PostgreSQL,10${NL}SQLite,9${NL}DuckDB,9$NL${NL}Rows: 3$NL" "query as CSV"

run query marcua/test.sqlite "SELECT count(*) AS the_count FROM favorite_databases"
is "$OUT" " the_count $NL-----------$NL 3 $NL${NL}Rows: 1$NL" "one column"

run query marcua/test.sqlite "SELECT name FROM favorite_databases WHERE score > 100"
is "$OUT" "${NL}Rows: 0$NL" "zero rows print no header"

run query marcua/test.sqlite "SELECT NULL AS a, 1.5 AS b, 'x' AS c"
is "$OUT" " a    | b   | c $NL------+-----+---$NL NULL | 1.5 | x $NL${NL}Rows: 1$NL" "NULL and REAL cells"

run query marcua/test.sqlite "CREATE TABLE awkward(v text)"
run query marcua/test.sqlite "INSERT INTO awkward VALUES ('a,b'), ('say \"hi\"'), ('line1' || char(10) || 'line2'), (''), ('日本'), (NULL)"
is "$OUT/$RC" "${NL}Rows: 0$NL/0" "insert awkward values"
run query marcua/test.sqlite --format csv "SELECT v FROM awkward ORDER BY rowid"
is "$OUT" "v$NL\"a,b\"$NL\"say \"\"hi\"\"\"$NL\"line1${NL}line2\"$NL\"\"${NL}日本${NL}NULL$NL${NL}Rows: 6$NL" \
	"CSV quotes commas, quotes and newlines; a lone empty field is \"\""
run query marcua/test.sqlite "SELECT v, 1 AS n FROM awkward ORDER BY rowid"
is "$OUT" " v        | n $NL----------+---$NL a,b      | 1 $NL say \"hi\" | 1 $NL line1    | 1 $NL line2    |  $NL          | 1 $NL 日本     | 1 $NL NULL     | 1 $NL${NL}Rows: 6$NL" \
	"table: multi-line cells span lines, wide characters count two columns"

# Statements after an error still run in a session fed on stdin; the
# session then exits 1.
run_in "SELECT 1 AS one
SELECT * FROM nope

exit
SELECT 2
" query marcua/test.sqlite
is "$OUT" "Launching an interactive session for marcua/test.sqlite$NL one $NL-----$NL 1 $NL${NL}Rows: 1$NL" \
	"session: output until exit, nothing after it"
like "$ERR" "Error: " "session: the failing statement's error on stderr"
like "$ERR" "no such table: nope" "session: SQLite's message is passed through"
is "$RC" 1 "session with a failed statement exits 1"

# ---- terminal escapes ------------------------------------------------------------------
# Text from the server (cells, profile fields, error messages) could drive the terminal:
# set the clipboard (OSC 52), the title, clear the screen.  On a terminal the client shows
# control characters as \xNN / \u00NN; to a pipe the bytes stay exact.
if command -v script >/dev/null; then
	run query marcua/test.sqlite "CREATE TABLE esc(v text)"
	run query marcua/test.sqlite "INSERT INTO esc VALUES (char(27) || ']52;c;aGk=' || char(7)),
		(char(27) || ']0;pwned' || char(7) || char(27) || '[2J'),
		('tab' || char(9) || 'cr' || char(13) || 'c1' || char(155))"
	is "$OUT/$RC" "${NL}Rows: 0$NL/0" "insert values with terminal escapes"
	on_tty query marcua/test.sqlite "SELECT v FROM esc ORDER BY rowid"
	is "$OUT" " v $NL-------------------------$NL \\x1b]52;c;aGk=\\x07 $NL \\x1b]0;pwned\\x07\\x1b[2J $NL tab\\x09cr\\x0dc1\\u009b $NL${NL}Rows: 3" \
		"a table on a terminal shows OSC 52, title, clear, tab, CR and C1 as text"
	no_esc "$OUT" "no escape reaches the terminal from cells"
	on_tty query marcua/test.sqlite --format csv "SELECT v FROM esc ORDER BY rowid"
	like "$OUT" "v$NL\\x1b]52;c;aGk=\\x07$NL" "CSV on a terminal too"
	no_esc "$OUT" "no escape reaches the terminal from CSV"
	run query marcua/test.sqlite --format csv "SELECT v FROM esc ORDER BY rowid"
	want=$(printf 'v\n\033]52;c;aGk=\007\n\033]0;pwned\007\033[2J\n"tab\tcr\rc1\302\233"\n\nRows: 3\n.')
	is "$OUT" "${want%.}" "CSV to a pipe is byte-exact"

	run update_profile marcua --display_name "$(printf 'Evil\033]0;owned\007')"
	is "$OUT/$RC" "Successfully updated profile$NL/0" "a display name with a title escape"
	on_tty profile marcua
	like "$OUT" " Evil\\x1b]0;owned\\x07 | " "a profile field on a terminal shows it"
	no_esc "$OUT" "no escape reaches the terminal from a profile"
	run profile marcua --format csv
	like "$OUT" "${NL}Evil$(printf '\033]0;owned\007')," "to a pipe the profile keeps the bytes"
else
	echo "# util-linux script is not installed: the terminal checks are skipped"
fi

# ---- log_in --------------------------------------------------------------------------
run log_in marcua
is "$OUT/$RC" "Check your email to finish logging in marcua$NL/0" "log_in"

# ---- help ----------------------------------------------------------------------------
run --help
like "$OUT" "Usage: ayb client [OPTIONS] <COMMAND>" "ayb client --help on stdout"
is "$RC" 0 "ayb client --help exits 0"
run query --help
like "$OUT" "Usage: ayb client query [OPTIONS] <database> [query]" "query --help on stdout"
is "$RC/$ERR" "0/" "query --help exits 0, nothing on stderr"
run frobnicate
is "$OUT/$RC" "/2" "unknown command exits 2 with nothing on stdout"
like "$ERR" "unrecognized subcommand 'frobnicate'" "unknown command: usage on stderr"

tap_done
