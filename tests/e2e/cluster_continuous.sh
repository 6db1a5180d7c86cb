#!/bin/sh
# Recovering a lost node with continuous backup on (README "Several
# machines": Operations): its databases come back on the survivors with
# every write its shipper had sent to S3, not only their last snapshot's
# rows (they have none here).
# e2e-pg: PostgreSQL only; the cluster's metadata is always there
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cluster_lib.sh"

pg_available || { echo "1..0 # SKIP PostgreSQL is not installed"; exit 0; }
[ -x "$NGINX" ] || { echo "1..0 # SKIP nginx is not installed"; exit 0; }
CLUSTER_CONTINUOUS=1
cluster_start
CONF=$(cluster_conf n1)

admin() {
	OUT=$("$AYB" admin "$@" --config "$CONF" 2>"$T/stderr"; echo "rc=$?")
	RC=${OUT##*rc=}
	OUT=${OUT%rc=*}
	ERR=$(cat "$T/stderr")
}
q() { # q DB SQL: a text query as alice through the front
	api POST "/v1/alice/$1/query" -H "$AUTH" -H 'Content-Type: text/plain' --data-binary "$2"
}
node_of() { cluster_placement alice "$1" | cut -d'|' -f1; }

ALICE=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $ALICE"
for i in 1 2 3; do
	api POST "/v1/alice/db$i.sqlite/create" -H "$AUTH" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access' -d ''
	q "db$i.sqlite" "CREATE TABLE t (v INTEGER)"
	for v in 1 2 3 4 5; do q "db$i.sqlite" "INSERT INTO t VALUES ($v)"; done
	is "$STATUS" 200 "alice/db$i.sqlite: five rows written"
done

DEAD=$(node_of db1.sqlite)
LOST=$(meta_sql "SELECT d.slug FROM placement p JOIN database d ON d.id = p.database_id
	WHERE p.node = '$DEAD' ORDER BY d.slug" | tr '\n' ' ')
# Readiness: the dead node's shipper has sent everything (its spools hold
# only their lock).
for d in $LOST; do
	spool=$(cluster_data "$DEAD")/continuous/alice/$d
	i=0
	while [ -n "$(ls "$spool" 2>/dev/null | grep -v '^lock$')" ] && [ $i -lt 1000 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	[ $i -lt 1000 ]; ok $? "alice/$d: every commit shipped from $DEAD"
done
cluster_kill_node "$DEAD"
meta_sql "UPDATE node SET heartbeat_at = heartbeat_at - interval '10 minutes' WHERE name = '$DEAD'" \
	>/dev/null
admin recover "$DEAD"
is "$RC" 0 "ayb admin recover $DEAD"
for d in $LOST; do
	printf '%s\n' "$OUT" | grep -q "^Recovered alice/$d on n[0-9] at epoch [0-9]* from continuous backup, up to its commit at 20"
	ok $? "alice/$d recovered from continuous backup"
	q "$d" "SELECT count(*) FROM t"
	is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["5"]]}' \
		"alice/$d answers from a survivor with every shipped write (it had no snapshot)"
	[ "$(header X-Ayb-Node)" != "$DEAD" ]
	ok $? "(not from $DEAD)"
done
# The recovered database goes on: written on its new node, shipped there.
d=${LOST%% *}
q "$d" "INSERT INTO t VALUES (6)"
is "$STATUS" 200 "alice/$d takes writes on its new node"

tap_done
