#!/bin/sh
# A large query result in the web UI: the HTML table is streamed from the
# rows as they come and capped (500 rows and 1 MiB of cell text, long cells
# cut), with a note and the downloads for the rest, so neither the page nor
# ayb-api.fcgi grows with the result.  Rows of a 100 KB cell and 25 cells
# of 1000 '&' (5 bytes each once escaped) x 500 rows: a 62 MB result whose
# whole table would be 65 MB of HTML.
. "$(dirname "$0")/lib.sh"

# One FastCGI process, so the one whose memory is measured is the one that
# serves the queries.
export AYB_SERVER_PROCS=1
e2e_setup
e2e_start_server
pid=$(e2e_fcgi_pids | tr -d ' ')
[ -n "$pid" ] || bail "no ayb-api.fcgi process"

TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
api POST /v1/alice/big.sqlite/create -d '' -H "Authorization: Bearer $TOKEN" \
	-H 'db-type: sqlite' -H 'public-sharing-level: no-access'
is "$STATUS" 201 "setup: alice/big.sqlite"

# The browser's session: the login cookie holds an API token of alice's.
COOKIE="auth=alice:$TOKEN"
api GET /alice/big.sqlite -b "$COOKIE"
CSRF=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$CSRF" ]; ok $? "setup: the query page with its CSRF token"

# ui_query SQL [CURL_ARGS...]: the query form; the page in $T/page, STATUS.
ui_query() {
	_sql=$1
	shift
	STATUS=$(curl -sS -o "$T/page" -w '%{http_code}' -b "$COOKIE" "$@" \
		--data-urlencode "csrf=$CSRF" --data-urlencode "query=$_sql" \
		"$URL/alice/big.sqlite/query")
}
# has TEXT NAME: passes when the page holds TEXT (grep: a shell pattern on
# a page of a megabyte takes minutes).
has() {
	grep -qF -- "$1" "$T/page"
	ok $? "$2"
}
hwm() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status"
}

cols="printf('%.*c', 100000, '&') AS big"
for i in $(seq 25); do
	cols="$cols, printf('%.*c', 1000, '&') AS c$i"
done
BIG="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) SELECT i, $cols FROM n"

ui_query "SELECT 1 AS warm"
is "$STATUS" 200 "a small query first (the worker started, the process warm)"
before=$(hwm)

ui_query "$BIG"
is "$STATUS" 200 "500 rows of 125 KB: the whole page"
size=$(wc -c <"$T/page")
echo "# page: $size bytes"
[ "$size" -lt 2097152 ]
ok $? "the page stays under 2 MiB ($size bytes)"
has '</html>' "the page is complete"
shown=$(grep -o '<tr><td>' "$T/page" | wc -l)
[ "$shown" -ge 1 ] && [ "$shown" -lt 500 ]
ok $? "the 1 MiB of text holds the first rows ($shown)"
has "<div class=\"result-summary\">$shown/500 rows</div>" "the summary counts every row"
has '<div class="result-note" role="note"><p>The other '"$((500 - shown))"' rows are not shown: a page shows at most 500 rows and 1 MiB of text. Values cut short end in &hellip;.</p>' \
	"the note says what was left out"
sed -n 's/.*class="result-note"//p' "$T/page" >"$T/note"
grep -qF 'The downloads have the whole result: <form method="post" action="/alice/big.sqlite/query"' \
	"$T/note"
ok $? "and offers the downloads"
grep -qF 'name="format" value="csv"' "$T/note"
ok $? "CSV"
grep -qF 'name="format" value="json"' "$T/note"
ok $? "and JSON"
has "<td>$(printf '&amp;%.0s' $(seq 1000))</td>" "cells are escaped"
has '&amp;<span class="cut">&hellip;</span></td>' "the 100 KB cell is cut, with an ellipsis"

after=$(hwm)
echo "# ayb-api.fcgi VmHWM: $before kB before, $after kB after"
[ $((after - before)) -lt 32768 ]
ok $? "ayb-api.fcgi's peak memory grew by less than 32 MiB ($((after - before)) kB)"

ui_query "$BIG" -H 'HX-Request: true'
size=$(wc -c <"$T/page")
is "$STATUS" 200 "the page script's fragment"
[ "$size" -lt 2097152 ]
ok $? "is bounded too ($size bytes)"
has "<div class=\"result-summary\">$shown/500 rows</div>" "with the same summary"
ui_query "$BIG" --data-urlencode "format=csv"
is "$STATUS $(wc -l <"$T/page")" "200 501" "the CSV download has every row"
after=$(hwm)
[ $((after - before)) -lt 32768 ]
ok $? "and the peak memory still grew by less than 32 MiB ($((after - before)) kB)"

# An error after part of the table went out (row 400 overflows): the status
# is sent, so the error shows below the rows.
ui_query "$(printf '%s' "$BIG" | sed 's/SELECT i, /SELECT CASE WHEN i = 400 THEN abs(-9223372036854775807 - 1) ELSE i END, /')"
is "$STATUS" 200 "a query failing after the first 64 KiB went out"
has '</tbody></table></div><div class="alert alert-error" role="alert"><div class="alert-title">Error running query</div><p>SqliteFailure(Error { code: Unknown, extended_code: 1 }, Some(&quot;integer overflow&quot;))</p></div>' \
	"shows its error below the rows shown"
has '</html>' "in a complete page"
# The same error before any row: the page answers 400 with the error alone.
ui_query "SELECT abs(-9223372036854775807 - 1)"
is "$STATUS" 400 "a query failing at once: 400"
grep -q '<table' "$T/page"
ok $((! $?)) "without a table"

tap_done
