#!/bin/sh
# Operations on several machines (README "Several machines": Operations):
# `ayb admin` moves a database under a loop of writes and reads through the
# nginx front (every answer the right rows or a clean 503, every
# acknowledged write there after), drains a node, recovers the databases
# of a node killed with kill -9 on the survivors from their snapshots, and
# the dead node, back, forwards what it no longer holds.  The nodes'
# /_ayb/node/ endpoints answer only a signed request at a newer epoch; bad
# admin input is a clear error.
# e2e-pg: PostgreSQL only; the cluster's metadata is always there
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cluster_lib.sh"

pg_available || { echo "1..0 # SKIP PostgreSQL is not installed"; exit 0; }
[ -x "$NGINX" ] || { echo "1..0 # SKIP nginx is not installed"; exit 0; }
cluster_start
SNAP=$top_builddir/cron/ayb-snapshot
CONF=$(cluster_conf n1)

# admin ARGS...: `ayb admin` with the cluster's config; OUT, ERR, RC.
admin() {
	OUT=$("$AYB" admin "$@" --config "$CONF" 2>"$T/stderr"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=${OUT%rc=*}
	ERR=$(cat "$T/stderr")
}
# beat: every node that runs writes its heartbeat now (its /health does).
beat() {
	for _n in $CLUSTER_NODES; do
		curl -s -o /dev/null "$(cluster_url "$_n")/health"
	done
}
q() { # q URL DB SQL: a text query as alice; STATUS, BODY, headers
	URL=$1 api POST "/v1/alice/$2/query" -H "$AUTH" -H 'Content-Type: text/plain' \
		--data-binary "$3"
}
# re GOT REGEX NAME: GOT holds a match of the basic regular expression.
re() {
	printf '%s\n' "$1" | grep -q -e "$2"
	ok $? "$3"
	printf '%s\n' "$1" | grep -q -e "$2" || printf '#   got:  %s\n#   want match: %s\n' "$1" "$2"
}
node_of() { cluster_placement alice "$1" | cut -d'|' -f1; }
epoch_of() { cluster_placement alice "$1" | cut -d'|' -f2; }

ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $ALICE"
for i in 1 2 3 4 5 6; do
	api POST "/v1/alice/db$i.sqlite/create" -H "$AUTH" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access' -d ''
	q "$FRONT" "db$i.sqlite" "CREATE TABLE t (v INTEGER)"
	q "$FRONT" "db$i.sqlite" "INSERT INTO t VALUES ($i)"
done
is "$(meta_sql "SELECT count(*) FROM placement")" 6 "six databases, spread over three nodes"

# ---- status, nodes, placements -------------------------------------------------------------
beat
admin status
is "$RC" 0 "ayb admin status"
for n in $CLUSTER_NODES; do
	re "$OUT" " $n *| $(cluster_url "$n") *| [0-9-]* [0-9:.]* *| yes *| 2 " \
		"status: $n, its url, its last heartbeat, alive, two databases"
done
admin nodes
re "$OUT" "node *| url *| last heartbeat *| databases" "ayb admin nodes: the same without the verdict"
admin placements
is "$(printf '%s\n' "$OUT" | grep -c '| serving')" 6 "ayb admin placements: every database, serving"
re "$OUT" " alice/db1.sqlite *| $(node_of db1.sqlite) *| 1 *| serving" "with its node and epoch"
admin placements "$(node_of db1.sqlite)"
is "$(printf '%s\n' "$OUT" | grep -c '| serving')" 2 "placements NODE: that node's two"

# ---- bad admin input -------------------------------------------------------------------------
SRC=$(node_of db1.sqlite)
for n in $CLUSTER_NODES; do [ "$n" != "$SRC" ] && { DST=$n; break; }; done
admin move alice/db1.sqlite nope
is "$ERR/$RC" "Error: Unknown node nope: \`ayb admin nodes\` lists them/1" "move to an unknown node"
admin move alice/nope.sqlite "$DST"
is "$ERR/$RC" "Error: Database alice/nope.sqlite not found/1" "move of an unknown database"
admin move alice/db1.sqlite "$SRC"
is "$ERR/$RC" "Error: alice/db1.sqlite is already on $SRC/1" "move to the node it is on"
admin move db1.sqlite "$DST"
like "$ERR/$RC" "invalid database 'db1.sqlite': it must be formatted as 'entity/database'/1" \
	"a database without its entity"
admin move 'alice/bad name' "$DST"
re "$ERR/$RC" "Error: Invalid database slug.*/1" "a database name that is no slug"
admin move alice/db1.sqlite
is "$(printf '%s\n' "$ERR" | head -1)/$RC" \
	"error: \`ayb admin move\` needs ENTITY/DATABASE and NODE/2" "move without its node: usage, exit 2"
admin drain
is "$RC" 2 "drain without a node: exit 2"
admin frobnicate
is "$(printf '%s\n' "$ERR" | head -1)/$RC" "error: unrecognized subcommand/2" \
	"an unknown subcommand: exit 2"
admin placements nope
is "$ERR/$RC" "Error: Unknown node nope: \`ayb admin nodes\` lists them/1" "placements of an unknown node"
admin recover "$SRC"
re "$ERR/$RC" "Error: Node $SRC is alive (last heartbeat .*): recover is for a node that is gone; drain it instead/1" \
	"recover refuses a node that is alive"
meta_sql "UPDATE node SET heartbeat_at = heartbeat_at - interval '10 minutes' WHERE name = '$DST'" >/dev/null
admin move alice/db1.sqlite "$DST"
re "$ERR/$RC" "Error: Node $DST is down (last heartbeat .*): it cannot take a database/1" \
	"move to a node that is down"
beat
is "$(cluster_placement alice db1.sqlite)" "$SRC|1|serving" "none of it changed the placement"

# ---- the nodes' endpoints ---------------------------------------------------------------------
EP=$(cluster_url "$SRC")/_ayb/node/fence/alice/db1.sqlite/2
is "$(curl -s -w ' %{http_code}' -X POST -d '' "$EP")" \
	'{"type":"Other","message":"Missing node signature"} 401' "a fence without a signature: 401"
is "$(curl -s -w ' %{http_code}' -X POST -d '' -H "ayb-node-time: $(date +%s)" \
	-H "ayb-node-signature: $(printf '%064d' 0)" "$EP")" \
	'{"type":"Other","message":"Bad node signature"} 401' "with a bad signature: 401"
is "$(curl -s -w ' %{http_code}' -X POST -d '' -H "ayb-node-time: 1000" \
	-H "ayb-node-signature: $(printf '%064d' 0)" "$EP")" \
	'{"type":"Other","message":"Node signature out of its time window"} 401' "an old one: 401"
is "$(curl -s -o /dev/null -w '%{http_code}' "$EP")" 404 "GET: no such route"
# signed PATH: headers of a request signed as a node's admin signs it.
signed() {
	_k=$(printf '%s' "$KEY" | tr -- '-_' '+/' | base64 -d | od -An -tx1 | tr -d ' \n')
	_k=$(printf 'ayb-node admin' | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$_k" -r |
		cut -d' ' -f1)
	_t=$(date +%s)
	_e=$(printf '' | sha256sum | cut -d' ' -f1)
	printf 'POST\n%s\n%s\n%s' "$1" "$_e" "$_t" >"$T/tosign"
	_s=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$_k" -r <"$T/tosign" | cut -d' ' -f1)
	printf 'ayb-node-time: %s\nayb-node-signature: %s\n' "$_t" "$_s" >"$T/signed"
}
P=/_ayb/node/restore/alice/db1.sqlite/1/latest
signed "$P"
is "$(curl -s -w ' %{http_code}' -X POST -d '' -H @"$T/signed" "$(cluster_url "$SRC")$P")" \
	'{"type":"Other","message":"alice/db1.sqlite is at epoch 1 on this node, not below 1"} 409' \
	"a signed restore at an epoch the node holds already (a replay) is refused"
P=/_ayb/node/fence/alice/db1.sqlite/0
signed "$P"
is "$(curl -s -w ' %{http_code}' -X POST -d '' -H @"$T/signed" "$(cluster_url "$SRC")$P")" \
	'{"type":"Other","message":"Invalid epoch: 0"} 400' "an epoch that is not positive"
P=/_ayb/node/restore/alice/db1.sqlite/9/nothex
signed "$P"
is "$(curl -s -w ' %{http_code}' -X POST -d '' -H @"$T/signed" "$(cluster_url "$DST")$P")" \
	'{"type":"Other","message":"Restore from a snapshot id, \"latest\" or \"none\""} 400' \
	"a snapshot that is not an id"
is "$(cluster_placement alice db1.sqlite)" "$SRC|1|serving" "and nothing moved"

# ---- a move interrupted half-way, rolled back -------------------------------------------------
# As an admin stopped after the fence: placement moving at epoch 2, the
# database fenced on its node.
N5=$(node_of db5.sqlite)
ID5=$(meta_sql "SELECT d.id FROM database d WHERE d.slug = 'db5.sqlite'")
meta_sql "UPDATE placement SET epoch = 2, state = 'moving' WHERE database_id = $ID5" >/dev/null
P=/_ayb/node/fence/alice/db5.sqlite/2
signed "$P"
like "$(curl -s -w ' %{http_code}' -X POST -d '' -H @"$T/signed" "$(cluster_url "$N5")$P")" \
	'{"snapshot_id":"' "a signed fence: snapshot taken, database fenced"
[ -d "$(cluster_data "$N5")/fenced/alice/db5.sqlite/2" ] &&
	[ ! -e "$(cluster_data "$N5")/databases/alice/db5.sqlite" ]
ok $? "its directory is aside, under fenced/"
q "$FRONT" db5.sqlite "SELECT v FROM t"
is "$STATUS" 503 "the database answers 503 meanwhile"
admin rollback alice/db4.sqlite
is "$ERR/$RC" "Error: alice/db4.sqlite is not moving: it serves from $(node_of db4.sqlite)/1" \
	"rollback of a database that is not moving"
admin rollback alice/db5.sqlite
is "$OUT/$RC" "Rolled back: alice/db5.sqlite serves from $N5 at epoch 3$NL/0" \
	"ayb admin rollback: it serves from its node again, at epoch 3"
is "$(cluster_placement alice db5.sqlite)" "$N5|3|serving" "placement: serving at epoch 3"
q "$FRONT" db5.sqlite "SELECT v FROM t"
is "$STATUS $BODY" '200 {"fields":["v"],"rows":[["5"]]}' "with its rows"

# ---- a write that waits for the writer's lock through a fence ---------------------------------
# The lock held here as a fence holds it; a write comes and waits for it;
# the database goes aside as a fence moves it; the lock is let go.
N3=$(node_of db3.sqlite)
DIR=$(cluster_data "$N3")/databases/alice/db3.sqlite
LOCK=$(readlink "$DIR/current")/db3.sqlite-writer.lock
: >"$LOCK"
flock -x "$LOCK" sh -c "touch '$T/held'; until [ -f '$T/release' ]; do sleep 0.05; done" &
HOLDER=$!
until [ -f "$T/held" ]; do sleep 0.05; done
(q "$FRONT" db3.sqlite "INSERT INTO t VALUES (33)"; echo "$STATUS $BODY" >"$T/raced") &
WRITER=$!
INO=$(stat -c %i "$LOCK")
i=0
until grep -q -- "-> FLOCK .*:$INO " /proc/locks; do
	i=$((i + 1))
	[ $i -lt 400 ] || bail "the write never waited for the writer's lock"
	sleep 0.05
done
mv "$DIR" "$T/aside"
touch "$T/release"
wait $HOLDER
wait $WRITER
RACED="{\"type\":\"Other\",\"message\":\"The database was moved or replaced while this request waited for it; try again\"}"
is "$(cat "$T/raced")" "503 $RACED" "a write that waited for the writer's lock through a fence: 503"
mv "$T/aside" "$DIR"
q "$FRONT" db3.sqlite "SELECT count(*) FROM t WHERE v = 33"
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["0"]]}' "and it was committed nowhere"

# ---- move under a loop of writes and reads through the front --------------------------------
# The loop writes 1, 2, 3... one at a time and reads the count after each;
# each answer goes to $T/loop as "<what> <status> <node> <body>".
loop() {
	_i=0
	_acked=0
	while [ ! -f "$T/stop" ] || [ $_i -lt "$(cat "$T/stop")" ]; do
		_i=$((_i + 1))
		q "$FRONT" db1.sqlite "INSERT INTO t VALUES ($((_i + 100)))"
		echo "w$((_i + 100)) $STATUS $(header X-Ayb-Node) $BODY" >>"$T/loop"
		[ "$STATUS" = 200 ] && _acked=$((_acked + 1))
		q "$FRONT" db1.sqlite "SELECT count(*) FROM t WHERE v > 100"
		echo "r$_acked $STATUS $(header X-Ayb-Node) $BODY" >>"$T/loop"
	done
}
: >"$T/loop"
loop &
LOOP=$!
# Some answers from the source first.
until [ "$(grep -c '^w' "$T/loop")" -ge 5 ]; do sleep 0.05; done
admin move alice/db1.sqlite "$DST"
is "$RC" 0 "ayb admin move alice/db1.sqlite $DST"
like "$OUT" "Moving alice/db1.sqlite from $SRC to $DST (epoch 1 -> 2)" "it says what it moves"
like "$OUT" "Moved alice/db1.sqlite to $DST at epoch 2" "and that it did"
# As many answers again after the switch, then stop.
echo $(($(grep -c '^w' "$T/loop") + 5)) >"$T/stop"
wait $LOOP
MOVING="{\"type\":\"Other\",\"message\":\"Database alice/db1.sqlite is moving between nodes; try again\"}"
# A request the front forwarded to the old node just as the placement
# switched: that node no longer holds it, and says so.
STALE="{\"type\":\"Other\",\"message\":\"Database alice/db1.sqlite was forwarded to node [a-z0-9]*, which no longer holds it; try again\"}"
bad=$(grep -v -e '^w[0-9]* 200 [a-z0-9]* {"fields":\[\],"rows":\[\]}$' \
	-e "^w[0-9]* 503 [a-z0-9]* $MOVING\$" -e "^w[0-9]* 503 [a-z0-9]* $RACED\$" \
	-e "^w[0-9]* 503 [a-z0-9]* $STALE\$" \
	-e '^r[0-9]* 503 ' "$T/loop" |
	awk '!/^r/ { print; next }
	     { n = substr($1, 2); want = "{\"fields\":[\"count(*)\"],\"rows\":[[\"" n "\"]]}"
	       if ($2 != 200 || $4 != want) print }')
is "$bad" "" "every answer during the move: the right count or a clean 503, nothing else"
echo "# $(grep -c '^w' "$T/loop") writes, $(grep -c '^w[0-9]* 200' "$T/loop") acknowledged, $(grep -c ' 503 ' "$T/loop") answers 503"
acked=$(grep '^w[0-9]* 200' "$T/loop" | sed 's/^w\([0-9]*\) .*/\1/' | sort -n | tr '\n' ' ')
q "$FRONT" db1.sqlite "SELECT group_concat(v, ' ') FROM (SELECT v FROM t WHERE v > 100 ORDER BY v)"
is "$(printf '%s' "$BODY" | sed 's/.*\[\["\(.*\)"\]\].*/\1/') " "$acked" \
	"after the move, exactly the acknowledged writes are there: none lost, none unacknowledged"
grep -q "^w[0-9]* 200 $SRC " "$T/loop"
ok $? "the loop wrote to $SRC before the move"
grep -q "^w[0-9]* 200 $DST " "$T/loop"
ok $? "and to $DST after it"
is "$(cluster_placement alice db1.sqlite)" "$DST|2|serving" "placement: $DST at epoch 2, serving"
is "$(cat "$(cluster_data "$DST")/databases/alice/db1.sqlite/epoch")" 2 "the target's marker says 2"
[ ! -e "$(cluster_data "$SRC")/databases/alice/db1.sqlite" ] &&
	[ ! -e "$(cluster_data "$SRC")/fenced/alice/db1.sqlite" ]
ok $? "the source holds no copy any more, fenced or not"
for n in $CLUSTER_NODES; do
	q "$(cluster_url "$n")" db1.sqlite "SELECT v FROM t WHERE v < 100"
	is "$STATUS $(header X-Ayb-Node) $BODY" "200 $DST {\"fields\":[\"v\"],\"rows\":[[\"1\"]]}" \
		"through $n: served by $DST"
done

# ---- a move that fails rolls back --------------------------------------------------------------
# The target cannot take it: a file where its database directory goes.
SRC2=$DST
for n in $CLUSTER_NODES; do [ "$n" != "$SRC2" ] && { DST2=$n; break; }; done
mkdir -p "$(cluster_data "$DST2")/databases/alice"
: >"$(cluster_data "$DST2")/databases/alice/db1.sqlite"
beat
admin move alice/db1.sqlite "$DST2"
re "$ERR/$RC" "Error: Rolled back (alice/db1.sqlite serves from $SRC2 at epoch 4): Node $DST2: .*/1" \
	"a restore that fails on the target: rolled back, and said so"
rm -f "$(cluster_data "$DST2")/databases/alice/db1.sqlite"
is "$(cluster_placement alice db1.sqlite)" "$SRC2|4|serving" "serving on $SRC2 again at epoch 4"
q "$FRONT" db1.sqlite "SELECT count(*) FROM t"
is "$STATUS $(header X-Ayb-Node) ${BODY##*rows\":}" "200 $SRC2 [[\"$(($(echo "$acked" | wc -w) + 1))\"]]}" \
	"with every row"
q "$FRONT" db1.sqlite "INSERT INTO t VALUES (0)"
is "$STATUS" 200 "and takes writes"

# ---- drain --------------------------------------------------------------------------------------
beat
DRAIN=$(node_of db2.sqlite)
before=$(meta_sql "SELECT count(*) FROM placement WHERE node = '$DRAIN'")
admin drain "$DRAIN"
is "$RC" 0 "ayb admin drain $DRAIN"
like "$OUT" "$DRAIN: $before databases moved" "it moved its $before databases"
is "$(meta_sql "SELECT count(*) FROM placement WHERE node = '$DRAIN'")" 0 "none is left on it"
bad=0
for i in 1 2 3 4 5 6; do
	q "$FRONT" "db$i.sqlite" "SELECT count(*) FROM t WHERE v = $i"
	[ "$STATUS ${BODY##*rows\":}" = '200 [["1"]]}' ] && [ "$(header X-Ayb-Node)" != "$DRAIN" ] ||
		{ bad=1; echo "# db$i: $STATUS $BODY from $(header X-Ayb-Node)"; }
done
ok $bad "every database answers with its rows, none from $DRAIN"
admin drain "$DRAIN"
like "$OUT" "$DRAIN: 0 databases moved" "draining it again has nothing to do"

# ---- kill -9 and recover -------------------------------------------------------------------------
beat
DEAD=$(meta_sql "SELECT node FROM placement GROUP BY node ORDER BY count(*) DESC, node LIMIT 1")
LOST=$(meta_sql "SELECT d.slug FROM placement p JOIN database d ON d.id = p.database_id
	WHERE p.node = '$DEAD' ORDER BY d.slug" | tr '\n' ' ')
echo "# $DEAD holds $LOST"
for d in $LOST; do
	"$SNAP" --config "$(cluster_conf "$DEAD")" --database "alice/$d" >/dev/null 2>&1 ||
		bail "cannot snapshot alice/$d"
	q "$FRONT" "$d" "INSERT INTO t VALUES (-1)"
done
# A node whose heartbeat is old but which still answers is only quiet
# (heartbeats ride on its requests): recovering it would leave its newest
# writes behind.
meta_sql "UPDATE node SET heartbeat_at = heartbeat_at - interval '10 minutes' WHERE name = '$DEAD'" >/dev/null
admin recover "$DEAD"
re "$ERR/$RC" "Error: Node $DEAD answers at http://127.0.0.1:[0-9]* (last heartbeat .*): it is alive, only quiet; recover is for a node that is gone/1" \
	"recover refuses a quiet node that still answers"
is "$(meta_sql "SELECT count(*) FROM placement WHERE node = '$DEAD' AND state = 'serving'")" \
	"$(echo $LOST | wc -w)" "and changes no placement"
cluster_kill_node "$DEAD"
q "$FRONT" "${LOST%% *}" "SELECT 1"
is "$STATUS" 503 "its node killed: a clean 503"
admin recover "$DEAD"
re "$ERR/$RC" "Error: Node $DEAD is alive .*/1" "recover waits until the node is seen gone"
# Gone a while: no heartbeat for longer than a node counts as alive.
meta_sql "UPDATE node SET heartbeat_at = heartbeat_at - interval '10 minutes' WHERE name = '$DEAD'" >/dev/null
beat
for n in $CLUSTER_NODES; do [ "$n" != "$DEAD" ] && { LIVE=$n; break; }; done
admin move "alice/${LOST%% *}" "$LIVE"
re "$ERR/$RC" "Error: Node $DEAD is down .*: \`ayb admin recover\` brings its databases back/1" \
	"a move off a dead node is refused, pointing to recover"
admin recover "$DEAD"
is "$RC" 0 "ayb admin recover $DEAD"
like "$OUT" "$DEAD: $(echo $LOST | wc -w) databases recovered" "all its databases"
bad=0
for d in $LOST; do
	q "$FRONT" "$d" "SELECT count(*) FROM t WHERE v = -1"
	n=$(header X-Ayb-Node)
	[ "$STATUS $BODY" = '200 {"fields":["count(*)"],"rows":[["0"]]}' ] && [ "$n" != "$DEAD" ] &&
		[ "$(cluster_placement alice "$d" | cut -d'|' -f3)" = serving ] ||
		{ bad=1; echo "# $d: $STATUS $BODY from $n"; }
	re "$OUT" "Recovered alice/$d on $n at epoch [0-9]* from snapshot [0-9a-f]\{64\}" \
		"alice/$d recovered on $n from its snapshot"
done
ok $bad "each answers from a survivor with its snapshot's rows (the write after it is lost)"
cluster_start_node "$DEAD"
for d in $LOST; do
	q "$(cluster_url "$DEAD")" "$d" "SELECT count(*) FROM t WHERE v = -1"
	is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["0"]]}' \
		"$DEAD back: alice/$d through it answers from the survivor"
	[ "$(header X-Ayb-Node)" != "$DEAD" ]
	ok $? "not from its own stale copy (epoch $(cat "$(cluster_data "$DEAD")/databases/alice/$d/epoch"))"
done

L0=${LOST%% *}
keys=$(s3_keys "bucket/sqlite/alice/$L0/" | tr '\n' ' ')
[ -n "$keys" ] || bail "alice/$L0 has no snapshot in S3"
"$SNAP" --config "$(cluster_conf "$DEAD")" --database "alice/$L0" >"$T/snap.out" 2>&1
like "$(cat "$T/snap.out")" "Not held by this node at its epoch: alice/$L0" \
	"ayb-snapshot on $DEAD skips its stale copy"
is "$(s3_keys "bucket/sqlite/alice/$L0/" | tr '\n' ' ')" "$keys" \
	"so no stale snapshot becomes the newest one a recovery would restore"
N6=$(node_of db6.sqlite)
meta_sql "DELETE FROM placement WHERE database_id =
	(SELECT id FROM database WHERE slug = 'db6.sqlite')" >/dev/null
"$SNAP" --config "$(cluster_conf "$N6")" --database alice/db6.sqlite >"$T/snap.out" 2>&1
re "$(cat "$T/snap.out")" "^Snapshots: [01] uploaded, [01] unchanged, 0 not due, 0 busy, 0 skipped, 0 failed" \
	"a database without placement (from before the node section) is snapshotted where its file is"

tap_done
