#!/bin/sh
# Continuous backup and point-in-time restore end to end (README "Snapshots"):
# a write loop while `ayb server`'s shipper sends each commit to an S3 server
# that checks every signature; the shipper, the writer and the FastCGI
# processes killed -9 during the loop, S3 down for 30 s then back; ten
# random instants rebuilt from S3 and compared with what the loop had
# acknowledged by then, id by id; restores through the API and the CLI, their
# bad inputs next to the good ones; and the database rebuilt from S3 alone
# after kill -9 of everything and the loss of data_path.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/s3.sh"

SNAP=$top_builddir/cron/ayb-snapshot
SYNC_MS=500

continuous() {
	s3_config | sed '$d'
	echo "  continuous {
    enabled = true
    sync_interval = \"${SYNC_MS}ms\"
    retention = \"7d\"
    spool_limit = \"$1\"
  }
}"
}

# match GOT REGEX NAME: GOT (its lines joined by spaces) matches the
# extended regular expression.
match() {
	if printf '%s' "$1" | tr '\n' ' ' | grep -qE -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

s3_start
e2e_setup "$(continuous 64KB)"

# ---- configuration: durations and sizes checked, with their key --------------------------
cp "$T/ayb.conf" "$T/good.conf"
for bad in 'sync_interval = "soon"' 'retention = "30s"' 'spool_limit = "lots"'; do
	sed "s/^    ${bad%% *} = .*/    $bad/" "$T/good.conf" >"$T/bad.conf"
	ERR=$("$SNAP" --config "$T/bad.conf" --continuous 2>&1)
	RC=$?
	match "$RC $ERR" "^2 .*Invalid value for .snapshots.continuous.${bad%% *}. in $T/bad.conf: expected" \
		"a bad ${bad%% *} is refused, naming the key"
done
sed 's/^    enabled = true/    enabled = false/' "$T/good.conf" >"$T/off.conf"
ERR=$("$SNAP" --config "$T/off.conf" --continuous 2>&1)
match "$?: $ERR" '^2: Error: snapshots.continuous.enabled is not true' \
	"ayb-snapshot --continuous with it off says so"
printf 'isolation {\n  mode = "fork"\n}\n' >>"$T/bad.conf"
sed 's/^    spool_limit = .*/    spool_limit = "1GB"/' "$T/bad.conf" >"$T/fork.conf"
ERR=$("$SNAP" --config "$T/fork.conf" --continuous 2>&1)
like "$?: $ERR" 'continuous backup needs isolation.enabled = true and isolation.mode = "pool"' \
	"continuous backup needs the pool's writers"

e2e_start_server
export AYB_SERVER_URL=$URL
ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"
BOB=$(register_user bob bob@example.org) || bail "cannot register bob"
CAROL=$(register_user carol carol@example.org) || bail "cannot register carol"
export AYB_API_TOKEN=$ALICE
"$AYB" client create_database alice/w.sqlite sqlite read-only >/dev/null
"$AYB" client share alice/w.sqlite carol read-write >/dev/null
DB=/v1/alice/w.sqlite
AUTH="Authorization: Bearer $ALICE"
sql() {
	api POST "$DB/query" -H "$AUTH" --data-binary "$1"
}
restore() {
	api POST "$DB/restore_snapshot" -H "Authorization: Bearer $1" -d "$2"
}
run() {
	OUT=$("$AYB" client "$@" 2>"$T/stderr"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=${OUT%rc=*}
	ERR=$(cat "$T/stderr")
}
now_ms() { date +%s%3N; }
iso() { date -u -d "@$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ; }
ids() { sqlite3 "$1" 'SELECT id FROM t ORDER BY id'; }
writer() {
	ps -eo pid=,sid=,args= | awk -v d="$T/data/databases/alice/w.sqlite/" \
		'$1 == $2 && $3 == "ayb-query-worker" && index($4, d) == 1 { print $1 }'
}
shipper() {
	ps -eo pid=,ppid=,args= | awk -v p="$SERVER_PID" '$2 == p && $3 ~ /ayb-snapshot$/ && $6 == "--continuous" { print $1 }'
}
sql 'CREATE TABLE t(id INTEGER PRIMARY KEY, at INTEGER)'
is "$STATUS" 200 "a table in alice/w.sqlite"

# ---- the write loop ----------------------------------------------------------------------------
# One client inserts ids in order and notes, for each, when it sent it and
# when the server acknowledged it (200), or that it failed.
loop() {
	id=1
	while [ ! -f "$T/stop" ]; do
		sent=$(now_ms)
		code=$(curl -sS -o /dev/null -w '%{http_code}' -H "$AUTH" \
			--data-binary "INSERT INTO t VALUES ($id, $sent)" "$URL$DB/query" 2>/dev/null)
		echo "$id $sent $(now_ms) $code" >>"$T/log"
		id=$((id + 1))
	done
}
: >"$T/log"
T0=$(now_ms)
loop &
LOOP=$!
acked() { awk '$4 == 200' "$T/log" | wc -l; }
# until_acked N: readiness, N acknowledged writes in all.
until_acked() {
	_i=0
	while [ "$(acked)" -lt "$1" ] && [ $_i -lt 3000 ]; do sleep 0.01; _i=$((_i + 1)); done
	[ "$(acked)" -ge "$1" ] || bail "the write loop stalled at $(acked)"
}
# Retention: two generations of another database, both wholly before the
# window; a restarted shipper prunes at once, keeping the newer one (the
# base the window's first instants would need) and dropping the older.
"$AYB" client create_database alice/r.sqlite >/dev/null
R=bucket/sqlite/alice/r.sqlite/wal
printf 'x' >"$T/junk"
for k in 1577836800000-00000001/base.zst 1577836800000-00000001/000000000001-000000000002.zst \
	1577923200000-00000002/base.zst; do
	s3_aws s3 cp --only-show-errors "$T/junk" "s3://bucket/$R/$k" || bail "cannot put $k"
done
until_acked 30
victim=$(shipper)
[ -n "$victim" ] && kill -9 $victim
ok $? "the shipper killed -9 after $(acked) acknowledged writes"
until_acked 60
_i=0
while { [ -z "$(shipper)" ] || [ "$(shipper)" = "$victim" ]; } && [ $_i -lt 1000 ]; do
	sleep 0.01
	_i=$((_i + 1))
done
[ -n "$(shipper)" ] && [ "$(shipper)" != "$victim" ]
ok $? "ayb server starts the shipper again"
_i=0
while [ -n "$(s3_keys "$R/1577836800000-00000001/")" ] && [ $_i -lt 1000 ]; do
	sleep 0.01
	_i=$((_i + 1))
done
is "$(s3_keys "$R/" | tr '\n' ' ')" "$R/1577923200000-00000002/base.zst " \
	"retention drops the old generations but the newest whose base precedes the window"
# Its junk base would not restore: gone, so that r.sqlite has no backup.
s3_aws s3 rm --only-show-errors "s3://bucket/$R/1577923200000-00000002/base.zst"
victim=$(writer)
[ -n "$victim" ] && kill -9 $victim
ok $? "the writer killed -9 after $(acked) acknowledged writes"
until_acked 90
victim=$(e2e_fcgi_pids)
[ -n "$victim" ] && kill -9 $victim
ok $? "the FastCGI processes killed -9 after $(acked) acknowledged writes"
until_acked 120

# ---- S3 down for 30 s: writes go on, the spool queues, /health says so --------------------------
s3_stop
DOWN=$(now_ms)
_i=0
until curl -s "$URL/health" | grep -q '"continuous_backup":"behind'; do
	_i=$((_i + 1))
	[ $_i -lt 3000 ] || break
	sleep 0.01
done
match "$(curl -s "$URL/health")" '^\{"status":"degraded","continuous_backup":"behind: [0-9]* bytes wait to be shipped, over spool_limit; last error: alice/w.sqlite: Failed to upload' \
	"S3 down: /health reports the spool over its limit, and why"
n=$(acked)
sleep $((30 - ($(now_ms) - DOWN) / 1000))
[ "$(acked)" -gt "$n" ]
ok $? "writes went on while S3 was down ($(($(acked) - n)) in 30 s)"
s3_start
_i=0
until curl -s "$URL/health" | grep -q '^{"status":"ok"}$'; do
	_i=$((_i + 1))
	[ $_i -lt 3000 ] || break
	sleep 0.01
done
is "$(curl -s "$URL/health")" '{"status":"ok"}' "S3 back: the queue is shipped in order and /health is ok"
grep -q 'Warning: continuous backup is behind: [0-9]* bytes wait to be shipped, over snapshots.continuous.spool_limit (64KB)' "$T/server.log"
ok $? "the log warned about the spool limit"
until_acked $(($(acked) + 30))
touch "$T/stop"
wait $LOOP
T1=$(now_ms)

# Everything shipped: the open spool sealed and sent (readiness: the spool
# directory holds nothing but its lock).
_i=0
while [ -n "$(ls "$T/data/continuous/alice/w.sqlite" | grep -v '^lock$')" ] && [ $_i -lt 1000 ]; do
	sleep 0.01
	_i=$((_i + 1))
done
is "$(ls "$T/data/continuous/alice/w.sqlite")" lock "the spool drained to S3"
match "$(s3_keys bucket/sqlite/alice/w.sqlite/wal/ | head -1)" '^bucket/sqlite/alice/w.sqlite/wal/[0-9]{13}-[0-9a-f]{8}/[0-9]{12}-[0-9]{12}\.zst$' \
	"segments under <prefix>/<entity>/<db>/wal/<generation>/<first>-<last>.zst"
s3_keys bucket/sqlite/alice/w.sqlite/wal/ >"$T/keys"
gaps=$(sed -n 's|.*/\([0-9]\{13\}-[0-9a-f]\{8\}\)/\([0-9]*\)-\([0-9]*\)\.zst$|\1 \2 \3|p' "$T/keys" |
	awk '$1 != g { g = $1; next_ = 1 } { if ($2 + 0 != next_ && $3 + 0 >= next_) bad++; if ($3 + 1 > next_) next_ = $3 + 1 } END { print bad + 0 }')
is "$gaps" 0 "every generation's segments follow each other without a gap ($(wc -l <"$T/keys") objects)"

# ---- ten random instants, each rebuilt from S3 and compared by id -------------------------------
# At instant X the rebuilt database holds every id acknowledged before X,
# none sent after X, and nothing the loop did not send.
i=0
fails=0
while [ $i -lt 10 ]; do
	x=$((T0 + $(od -An -N4 -tu4 /dev/urandom) % (T1 - T0)))
	rm -rf "$T/at"
	"$AYB" admin rebuild_from_s3 --config "$T/ayb.conf" --to "$T/at" --at "$(iso $x)" \
		>"$T/rebuild.out" 2>&1 || { fails=$((fails + 1)); cat "$T/rebuild.out" >&2; }
	ids "$T/at/alice/w.sqlite" >"$T/got"
	awk -v x=$x '$4 == 200 && $3 < x { print $1 }' "$T/log" | sort >"$T/must"
	awk -v x=$x '$2 > x { print $1 }' "$T/log" | sort >"$T/mustnot"
	sort "$T/got" >"$T/got.s"
	missing=$(comm -23 "$T/must" "$T/got.s" | wc -l)
	extra=$(comm -12 "$T/mustnot" "$T/got.s" | wc -l)
	unknown=$(cut -d' ' -f1 "$T/log" | sort | comm -13 - "$T/got.s" | wc -l)
	[ "$missing $extra $unknown" = "0 0 0" ] || {
		fails=$((fails + 1))
		echo "# at $(iso $x): $missing missing, $extra sent after, $unknown never sent"
	}
	i=$((i + 1))
done
is "$fails" 0 "ten random instants: each rebuild holds exactly what was acknowledged by then"

# ---- restore through the API and the CLI, bad inputs beside good ones --------------------------
X=$(awk 'NR == 50 { printf "%.0f", $3 + 1 }' "$T/log")
restore "$BOB" "{\"at\":\"$(iso $X)\"}"
is "$STATUS $BODY" "403 {\"type\":\"Other\",\"message\":\"Authenticated entity bob can't manage snapshots on database alice/w.sqlite\"}" \
	"a reader may not restore to an instant"
restore "$CAROL" "{\"at\":\"$(iso $X)\"}"
is "$STATUS" 403 "nor may a writer"
restore "$ALICE" '{"at":"yesterday"}'
is "$STATUS $BODY" '400 {"type":"Other","message":"Invalid value for at: `yesterday` is not an RFC 3339 time such as 2026-12-03T08:15:00Z"}' \
	"a malformed instant: 400"
restore "$ALICE" "{\"at\":\"$(iso $X)\",\"snapshot_id\":\"$(printf '%064d' 0)\"}"
is "$STATUS $BODY" '400 {"type":"Other","message":"Give either snapshot_id (a snapshot to restore) or at (an instant to restore to), not both"}' \
	"at with snapshot_id: 400"
restore "$ALICE" '{}'
like "$STATUS $BODY" 'not neither"}' "neither: 400"
restore "$ALICE" '{"at":17}'
like "$STATUS $BODY" '400 {"type":"Other","message":"Invalid restore request: expected {\"snapshot_id\"' \
	"an at that is not a string: 400"
restore "$ALICE" '{"at":"2020-01-01T00:00:00Z"}'
like "$STATUS $BODY" '400 {"type":"Other","message":"Cannot restore alice/w.sqlite to 2020-01-01T00:00:00Z: it is before the restorable window, which starts at 20' \
	"before the first base: a clear 400"
restore "$ALICE" '{"at":"2999-01-01T00:00:00+02:00"}'
is "$STATUS $BODY" '400 {"type":"Other","message":"Cannot restore alice/w.sqlite to 2998-12-31T22:00:00Z: it is in the future"}' \
	"in the future (an offset is understood): a clear 400"
sql 'SELECT count(*) FROM t'
total=$(printf '%s' "$BODY" | sed -n 's/.*\[\["\([0-9]*\)"\]\].*/\1/p')
[ "$total" -ge "$(acked)" ]
ok $? "none of them touched the database ($total rows)"
restore "$ALICE" "{\"at\":\"$(iso $X)\"}"
is "$STATUS $BODY" "200 {}" "the owner restores to the instant the 50th write was acknowledged"
sql 'SELECT count(*), max(id) FROM t'
is "$BODY" '{"fields":["count(*)","max(id)"],"rows":[["50","50"]]}' "the database is as it was then"
api GET "$DB/list_snapshots" -H "$AUTH"
match "$STATUS $BODY" '^200 \{"snapshots":\[\],"restorable":\{"from":"20[-0-9T:.]*Z","to":"20[-0-9T:.]*Z"\}\}$' \
	"list_snapshots shows the restorable window beside the (empty) list"
run list_snapshots alice/w.sqlite
match "$OUT" "^No snapshots for alice/w.sqlite Restorable to any instant from 20.* to 20.* \(restore_snapshot --at\) $" \
	"ayb client list_snapshots prints it after the table"
sql 'INSERT INTO t VALUES (100000, 0)'
is "$STATUS" 200 "a write after the restore (a new generation)"
X2=$(now_ms)
sleep 0.01
sql 'INSERT INTO t VALUES (100001, 0)'
run restore_snapshot alice/w.sqlite --at "$(iso $X2)"
is "$RC $OUT" "0 Restored alice/w.sqlite to its state at $(iso $X2)$NL" "ayb client restore_snapshot --at"
sql 'SELECT count(*), max(id) FROM t'
is "$BODY" '{"fields":["count(*)","max(id)"],"rows":[["51","100000"]]}' \
	"a write acknowledged before the instant is in, one sent after is not"
run restore_snapshot alice/w.sqlite --at 'not a time'
is "$RC $ERR" "1 Error: Invalid value for at: \`not a time\` is not an RFC 3339 time such as 2026-12-03T08:15:00Z" \
	"ayb client: a malformed instant, exit 1"
run restore_snapshot alice/w.sqlite "$(printf '%064d' 0)" --at "$(iso $X2)"
is "$RC $ERR" "2 Error: give either a snapshot id or --at, not both" "ayb client: both, exit 2"
run --token "$BOB" restore_snapshot alice/w.sqlite --at "$(iso $X2)"
is "$RC $ERR" "1 Error: Authenticated entity bob can't manage snapshots on database alice/w.sqlite" \
	"ayb client: a reader's refusal"

# ---- the web UI's time picker --------------------------------------------------------------------
JAR=$T/jar
page() {
	_m=$1 _p=$2
	shift 2
	api "$_m" "$_p" -b "$JAR" -c "$JAR" "$@"
}
csrf() {
	printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1
}
page GET /log_in
page POST /log_in --data-urlencode "csrf=$(csrf)" --data-urlencode "username=alice"
page GET "/confirm/$(email_token alice@example.org)"
page POST "/confirm/$(email_token alice@example.org)" --data-urlencode "csrf=$(csrf)"
page GET /alice/w.sqlite/snapshots
like "$BODY" '<input id="restore-at" type="datetime-local" name="at" step="1" required min="20' \
	"the web UI's snapshots tab has a time picker within the window"
tok=$(csrf)
XL=$(date -u -d "@$((X / 1000)).$(printf '%03d' $((X % 1000)))" +%Y-%m-%dT%H:%M:%S)
page POST /alice/w.sqlite/restore_snapshot --data-urlencode "at=$XL"
is "$STATUS" 403 "its form without the CSRF token is refused"
page POST /alice/w.sqlite/restore_snapshot --data-urlencode "csrf=$tok" --data-urlencode "at=soon"
like "$STATUS $BODY" "Error restoring to a point in time" "a bad instant from the form: an error"
page POST /alice/w.sqlite/restore_snapshot --data-urlencode "csrf=$tok" --data-urlencode "at=$XL"
like "$STATUS $BODY" "200 " "the form restores"
like "$BODY" "Database successfully restored to its state at ${XL}Z." "and says so"
sql 'SELECT count(*) FROM t WHERE id < 100000'
like "$BODY" '"rows":[["' "the database is as it was then (a whole second: $(printf '%s' "$BODY" | sed -n 's/.*\[\["\([0-9]*\)"\]\].*/\1/p') rows)"

# ---- kill -9 of everything, data_path gone: rebuilt from S3 alone --------------------------------
# In the writer (a batch that writes), wal_autocheckpoint would replace the
# capture's hook: refused, and nothing of the batch is left.
api POST "$DB/query" -H "$AUTH" -H 'Content-Type: application/json' --data-binary \
	'{"statements": [{"query": "INSERT INTO t VALUES (300000, 0)"}, {"query": "PRAGMA wal_autocheckpoint = 0"}]}'
like "$STATUS $BODY" 'PRAGMA wal_autocheckpoint (continuous backup)' \
	"the writer refuses wal_autocheckpoint under continuous backup"
sql 'SELECT count(*) FROM t WHERE id = 300000'
is "$BODY" '{"fields":["count(*)"],"rows":[["0"]]}' "and its batch left nothing"
: >"$T/log"
rm -f "$T/stop"
sql 'DELETE FROM t'
loop &
LOOP=$!
until_acked 100
KILL=$(now_ms)
pids="$SERVER_PID $(ps -eo pid=,args= | awk -v d="$T/data/" 'index($0, d) { print $1 }')"
for p in $(ps -o pid= --ppid "$SERVER_PID"); do pids="$pids $p $(ps -o pid= --ppid "$p")"; done
kill -9 $pids 2>/dev/null
SERVER_PID=
touch "$T/stop"
wait $LOOP 2>/dev/null
rm -rf "$T/data"
"$AYB" admin rebuild_from_s3 --config "$T/ayb.conf" --to "$T/rebuilt" >"$T/rebuild.out" 2>&1
match "$?: $(cat "$T/rebuild.out")" "^0: Rebuilt alice/w.sqlite up to its commit of 20.* Rebuilt 1 database from S3, 0 failed" \
	"ayb admin rebuild_from_s3 rebuilds every database from S3"
ids "$T/rebuilt/alice/w.sqlite" | sort >"$T/got.s"
awk -v k=$((KILL - 2 * SYNC_MS)) '$4 == 200 && $3 < k { print $1 }' "$T/log" | sort >"$T/must"
is "$(comm -23 "$T/must" "$T/got.s" | wc -l)" 0 \
	"no write acknowledged more than the sync interval (and its upload) before kill -9 is lost ($(wc -l <"$T/must") of them; $(wc -l <"$T/got.s") rebuilt)"
is "$(sqlite3 "$T/rebuilt/alice/w.sqlite" 'PRAGMA integrity_check')" ok "the rebuilt file is sound"
"$AYB" admin rebuild_from_s3 --config "$T/ayb.conf" --to "$T/rebuilt" >"$T/rebuild.out" 2>&1
like "$?: $(cat "$T/rebuild.out")" "1: alice/w.sqlite: $T/rebuilt/alice/w.sqlite exists: left as it is" \
	"a file already there is left as it is"
"$AYB" admin rebuild_from_s3 --config "$T/ayb.conf" --at yesterday >"$T/rebuild.out" 2>&1
like "$?: $(cat "$T/rebuild.out")" "2: error: invalid value 'yesterday' for '--at'" "a malformed --at: exit 2"

# With the metadata in PostgreSQL (the tests/e2e/pg/ twin), which outlives
# data_path: the databases rebuilt in place, and served again.
if [ "${AYB_E2E_METADATA:-sqlite}" = pg ]; then
	"$AYB" admin rebuild_from_s3 --config "$T/ayb.conf" >"$T/rebuild.out" 2>&1
	match "$?: $(cat "$T/rebuild.out")" "^0: Rebuilt alice/w.sqlite up to its commit of 20.* Rebuilt 1 database from S3, 0 failed" \
		"rebuild_from_s3 into a fresh data_path"
	e2e_start_server
	sql 'SELECT count(*) FROM t'
	is "$STATUS $BODY" "200 {\"fields\":[\"count(*)\"],\"rows\":[[\"$(wc -l <"$T/got.s")\"]]}" \
		"the server serves the rebuilt database"
	sql "INSERT INTO t VALUES (200000, 0)"
	is "$STATUS" 200 "and writes to it, captured again"
fi
tap_done
