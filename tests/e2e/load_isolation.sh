#!/bin/sh
# One tenant cannot stall the others (README "Isolation"): while four hostile
# tenants keep running runaway queries, profile updates whose links point at a
# listener that never answers, and restores of a snapshot whose expression
# index makes its integrity check expensive, a fifth tenant's point queries
# and /health all answer, and they answer while the hostile work is in
# flight.  The victim's latencies (p50, p99, max) go to the log; with
# AYB_LOAD_P99_MS set (bench/isolation.sh does) the p99 is also asserted,
# which make check does not do: timings on a shared machine are noise.
# e2e-pg: the metadata store is not what is under load here; the twins of
# concurrency.sh and isolation.sh cover PostgreSQL under concurrent load.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3.sh"

VICTIM_REQUESTS=${AYB_LOAD_REQUESTS:-400}
HOSTILE=${AYB_LOAD_HOSTILE:-4}  # 0: the victim alone, the floor bench/stall.sh compares with
RUNAWAY='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'

command -v "$S3_NODE" >/dev/null || bail "node is needed for the test servers"
# The links' far end: tests/tools/link-server.js accepts and holds every
# connection, until its standard input (kept open on fd 3) ends.
mkfifo "$T/hold.in"
"$S3_NODE" "$top_srcdir/tests/tools/link-server.js" hold <"$T/hold.in" >"$T/hold.log" 2>&1 &
HOLD_PID=$!
exec 3>"$T/hold.in"
PIDS=
# On any exit the hostile loops stop first: they would otherwise outlive the
# test, retrying against a server that is gone.
trap 'touch "$T/stop"; kill $PIDS "$HOLD_PID" 2>/dev/null; [ -z "$PIDS" ] || wait $PIDS; s3_stop; _e2e_cleanup' EXIT
i=0
until HOLD_PORT=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$T/hold.log") && [ -n "$HOLD_PORT" ]; do
	kill -0 "$HOLD_PID" 2>/dev/null || bail "the link server exited"
	i=$((i + 1))
	[ $i -lt 400 ] || bail "the link server is not ready"
	sleep 0.05
done

s3_start
e2e_setup "$(s3_config)
isolation {
  query_timeout_ms = 2000
}
profile_links {
  allow_private_targets = true
}"
e2e_start_server

# ---- the hostile snapshot: cheap to build, expensive to check --------------------------
# The index is built over a cheap expression, then its definition is rewritten
# (writable_schema) to one that formats a megabyte per row and gives the same
# values (0): an integrity check evaluates it for every row and finds the
# index intact, which is what a restore runs.
sqlite3 "$T/hostile.sqlite" "
CREATE TABLE t(x TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO t SELECT 'row ' || i FROM n;
CREATE INDEX heavy ON t(length(x) * 0);
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = 'CREATE INDEX heavy ON t(instr(printf(''%.*c'', 1000000, ''a''), x))'
 WHERE name = 'heavy';" || bail "cannot build the hostile database"
zstd -q "$T/hostile.sqlite" -o "$T/hostile.zst" || bail "zstd"
HOSTILE_ID=$(b2sum -l 256 "$T/hostile.sqlite" | cut -d' ' -f1)

for n in $(seq 1 $HOSTILE); do
	tok=$(register_user "hostile$n" "hostile$n@example.org") || bail "cannot register hostile$n"
	eval "TOKEN_$n=\$tok"
	api POST "/v1/hostile$n/h.sqlite/create" -H "Authorization: Bearer $tok" \
		-H 'db-type: sqlite' -H 'public-sharing-level: no-access' -d ''
	[ "$STATUS" = 201 ] || bail "create hostile$n/h.sqlite: $STATUS $BODY"
	s3_aws s3 cp --only-show-errors "$T/hostile.zst" \
		"s3://$S3_BUCKET/$S3_BUCKET/sqlite/hostile$n/h.sqlite/$HOSTILE_ID" || bail "upload"
done
VICTIM=$(register_user victim victim@example.org) || bail "cannot register victim"
api POST /v1/victim/v.sqlite/create -H "Authorization: Bearer $VICTIM" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access' -d ''
api POST /v1/victim/v.sqlite/query -H "Authorization: Bearer $VICTIM" --data-binary \
	"CREATE TABLE p(id INTEGER PRIMARY KEY, r REAL, n, t TEXT, b BLOB)"
api POST /v1/victim/v.sqlite/query -H "Authorization: Bearer $VICTIM" --data-binary \
	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
	 INSERT INTO p SELECT i, i / 7.0, NULL, 'zählen ' || i, CAST('blob ' || i AS BLOB) FROM n"
is "$STATUS" 200 "the victim's table"

# ---- the hostile load --------------------------------------------------------------------
LINKS=$(for k in $(seq 1 16); do printf '{\\"url\\":\\"https://127.0.0.1:%s/%s\\"},' "$HOLD_PORT" "$k"; done)
LINKS="[${LINKS%,}]"

# hostile KIND N: repeats one kind of hostile request until $T/stop exists,
# logging "<ns at the answer> <status>" per request to $T/load.KIND.N.
hostile() {
	_auth="Authorization: Bearer $(eval echo "\$TOKEN_$2")"
	while [ ! -e "$T/stop" ]; do
		case $1 in
		runaway) _s=$(curl -s -o /dev/null -w '%{http_code}' -H "$_auth" \
			--data-binary "$RUNAWAY" "$URL/v1/hostile$2/h.sqlite/query") ;;
		links) _s=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H "$_auth" \
			-H 'Content-Type: application/json' --data-binary "{\"links\":\"$LINKS\"}" \
			"$URL/v1/entity/hostile$2") ;;
		restore) _s=$(curl -s -o /dev/null -w '%{http_code}' -H "$_auth" -d "$HOSTILE_ID" \
			"$URL/v1/hostile$2/h.sqlite/restore_snapshot") ;;
		esac
		echo "$(date +%s%N) $_s" >>"$T/load.$1.$2"
	done
}
for n in $(seq 1 $HOSTILE); do
	for kind in runaway links restore; do
		hostile $kind "$n" &
		PIDS="$PIDS $!"
	done
done
# The victim starts once every hostile runaway query has been answered at
# least once: the load is then in full swing.
i=0
while [ "$(cat "$T"/load.runaway.* 2>/dev/null | wc -l)" -lt $HOSTILE ] ||
	[ "$(ls "$T"/load.runaway.* 2>/dev/null | wc -l)" -lt $HOSTILE ]; do
	i=$((i + 1))
	[ $i -lt 1200 ] || bail "the hostile load never got going"
	sleep 0.05
done

# ---- the victim: one curl, one connection, alternating /health and point queries ---------
set --
for k in $(seq 1 $((VICTIM_REQUESTS / 2))); do
	[ $# -eq 0 ] || set -- "$@" --next
	set -- "$@" -o /dev/null -w '%{http_code} %{time_total}\n' "$URL/health" --next \
		-H "Authorization: Bearer $VICTIM" --data-binary "SELECT * FROM p WHERE id = $((k % 1000 + 1))" \
		-o /dev/null -w '%{http_code} %{time_total}\n' "$URL/v1/victim/v.sqlite/query"
done
START=$(date +%s%N)
curl -s "$@" >"$T/victim" 2>"$T/victim.err"
END=$(date +%s%N)
touch "$T/stop"
for p in $PIDS; do wait "$p"; done

is "$(wc -l <"$T/victim")" "$VICTIM_REQUESTS" "the victim made every request"
is "$(awk '$1 != 200' "$T/victim" | head -3)" "" "and every one answered 200"
inflight=$(cat "$T"/load.runaway.* "$T"/load.restore.* |
	awk -v s="$START" -v e="$END" '$1 > s && $1 < e' | wc -l)
[ "$HOSTILE" = 0 ] || [ "$inflight" -gt 0 ]; ok $? "hostile queries and restores ended while the victim ran ($inflight)"
bad=$(cat "$T"/load.* 2>/dev/null | awk '$2 !~ /^(200|400|429|502|503)$/' | head -3)
is "$bad" "" "hostile requests get their own 4xx (or 502 for the snapshot), never a 500"
[ "$HOSTILE" = 0 ] || for kind in runaway links restore; do
	echo "# hostile $kind: $(cat "$T"/load.$kind.* | wc -l) requests," \
		"statuses $(cat "$T"/load.$kind.* | awk '{print $2}' | sort | uniq -c | tr -s ' \n' ' ')"
done
echo "# connections the link server took: $(grep -c '^accept' "$T/hold.log")"
stats=$(awk '{ print $2 * 1000 }' "$T/victim" | sort -n | awk '
	{ v[NR] = $1 } END { printf "%.1f %.1f %.1f", v[int(NR * 0.5)], v[int(NR * 0.99)], v[NR] }')
set -- $stats
echo "# victim: $VICTIM_REQUESTS requests in $(( (END - START) / 1000000 )) ms under load;" \
	"p50 $1 ms, p99 $2 ms, max $3 ms"
if [ -n "${AYB_LOAD_P99_MS:-}" ]; then
	awk -v p="$2" -v l="$AYB_LOAD_P99_MS" 'BEGIN { exit !(p < l) }'
	ok $? "p99 $2 ms < $AYB_LOAD_P99_MS ms"
fi
api GET /health
is "$STATUS" 200 "the server is healthy afterwards"
tap_done
