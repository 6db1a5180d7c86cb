#!/bin/sh
# Several machines on one (README "Several machines"): three nodes behind the
# nginx front of examples/nginx-cluster.conf, one PostgreSQL, one S3 server.
# Databases created through the front spread over the nodes (placement
# "fewest"); each answers the same through the front (X-Accel-Redirect)
# and directly through every node (libcurl), for every kind of request
# body; a stale epoch or a move under way is a clean 503; a forwarded
# request is never forwarded again; placement "local" keeps a database
# where its create landed; the CLI works through the front.
# e2e-pg: PostgreSQL only; the cluster's metadata is always there
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cluster_lib.sh"

pg_available || { echo "1..0 # SKIP PostgreSQL is not installed"; exit 0; }
[ -x "$NGINX" ] || { echo "1..0 # SKIP nginx is not installed"; exit 0; }
cluster_start

# ---- health ----------------------------------------------------------------------------
for n in $CLUSTER_NODES; do
	is "$(curl -s "$(cluster_url "$n")/health")" "{\"status\":\"ok\",\"node\":\"$n\",\"metadata\":\"ok\"}" \
		"/health of $n: its name, the metadata store reached"
done
is "$(meta_sql "SELECT name, url FROM node ORDER BY name" | tr '\n' ' ')" \
	"n1|$(cluster_url n1) n2|$(cluster_url n2) n3|$(cluster_url n3) " "each node wrote its heartbeat"

# ---- placement: fewest -------------------------------------------------------------------
ALICE=$(register_user alice alice@example.org)
BOB=$(register_user bob bob@example.org)
[ -n "$ALICE" ] && [ -n "$BOB" ]
ok $? "alice and bob register through the front"
AUTH="Authorization: Bearer $ALICE"
for i in 1 2 3 4 5 6; do
	api POST "/v1/alice/db$i.sqlite/create" -H "$AUTH" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access' -d ''
	[ "$STATUS" = 201 ] || echo "# create db$i: $STATUS $BODY"
done
is "$(meta_sql "SELECT node, count(*) FROM placement GROUP BY node ORDER BY node" | tr '\n' ' ')" \
	"n1|2 n2|2 n3|2 " "six databases created through the front: two on each node"
for i in 1 2 3 4 5 6; do
	n=$(cluster_placement alice "db$i.sqlite" | cut -d'|' -f1)
	[ -f "$(cluster_data "$n")/databases/alice/db$i.sqlite/epoch" ] &&
		[ "$(cat "$(cluster_data "$n")/databases/alice/db$i.sqlite/epoch")" = 1 ]
	ok $? "db$i: its node $n holds it at epoch 1 (the marker beside the file)"
done
api POST /v1/alice/db1.sqlite/create -H "$AUTH" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access' -d ''
is "$STATUS $BODY" '409 {"type":"Other","message":"Database already exists"}' \
	"a name taken is refused, whichever node the create went to"

# ---- every database through the front and through each node ----------------------------
q() { # q NODE_URL DB SQL: a text query; sets STATUS, BODY
	URL=$1 api POST "/v1/alice/$2/query" -H "$AUTH" -H 'Content-Type: text/plain' \
		--data-binary "$3"
}
for i in 1 2 3 4 5 6; do
	q "$FRONT" "db$i.sqlite" "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"
	q "$FRONT" "db$i.sqlite" "INSERT INTO t (v) VALUES ('row of db$i')"
done
same=0
for i in 1 2 3 4 5 6; do
	owner=$(cluster_placement alice "db$i.sqlite" | cut -d'|' -f1)
	want="200 {\"fields\":[\"k\",\"v\"],\"rows\":[[\"1\",\"row of db$i\"]]}"
	q "$FRONT" "db$i.sqlite" "SELECT * FROM t"
	[ "$STATUS $BODY" = "$want" ] && [ "$(header X-Ayb-Node)" = "$owner" ] || {
		same=1
		echo "# db$i through the front: $STATUS $BODY (served by $(header X-Ayb-Node))"
	}
	for n in $CLUSTER_NODES; do
		q "$(cluster_url "$n")" "db$i.sqlite" "SELECT * FROM t"
		[ "$STATUS $BODY" = "$want" ] && [ "$(header X-Ayb-Node)" = "$owner" ] || {
			same=1
			echo "# db$i through $n: $STATUS $BODY (served by $(header X-Ayb-Node))"
		}
	done
done
ok $same "each database answers the same through the front and through every node, served by its own"

# A database on another node than the one alice's requests hash to, and a
# node that does not hold it, for the requests below.
HOME_NODE=$(curl -s -D - -o /dev/null "$FRONT/v1/entity/alice" | sed -n 's/^X-Ayb-Node: *//ip' | tr -d '\r')
for i in 1 2 3 4 5 6; do
	OWNER=$(cluster_placement alice "db$i.sqlite" | cut -d'|' -f1)
	[ "$OWNER" != "$HOME_NODE" ] && { DB=db$i.sqlite; break; }
done
for n in $CLUSTER_NODES; do
	[ "$n" != "$OWNER" ] && { WRONG=$(cluster_url "$n"); break; }
done
echo "# alice's requests reach $HOME_NODE first; $DB lives on $OWNER"

# ---- every kind of body, forwarded both ways ----------------------------------------------
for via in front wrong; do
	if [ $via = front ]; then U=$FRONT; else U=$WRONG; fi
	URL=$U api POST "/v1/alice/$DB/query" -H "$AUTH" -H 'Content-Type: application/json' \
		-d "{\"query\": \"INSERT INTO t (v) VALUES (?)\", \"params\": [\"param via $via\"]}"
	is "$STATUS $BODY" '200 {"fields":[],"rows":[]}' "JSON parameters via the $via"
	URL=$U api POST "/v1/alice/$DB/query" -H "$AUTH" -H 'Content-Type: application/json' \
		-d "{\"statements\": [{\"query\": \"INSERT INTO t (v) VALUES ('batch via $via')\"},
			{\"query\": \"SELECT count(*) FROM t WHERE v LIKE '%via $via'\"}]}"
	is "$STATUS $BODY" '200 {"results":[{"fields":[],"rows":[]},{"fields":["count(*)"],"rows":[["2"]]}]}' \
		"a JSON batch via the $via"
	# Past nginx's in-memory body buffer: nginx keeps it in a file.
	printf "SELECT length('%s')" "$(head -c 200000 /dev/zero | tr '\0' x)" >"$T/big.sql"
	URL=$U api POST "/v1/alice/$DB/query" -H "$AUTH" -H 'Content-Type: text/plain' \
		--data-binary "@$T/big.sql"
	is "$STATUS ${BODY##*\"rows\":}" '200 [["200000"]]}' "a 200 KB query via the $via arrives whole"
done
# Uploads: a database file streamed into an import, raw and as a form.
sqlite3 "$T/up.sqlite" "CREATE TABLE u (x); INSERT INTO u SELECT value FROM generate_series(1, 50000)" 2>/dev/null ||
	sqlite3 "$T/up.sqlite" "CREATE TABLE u (x); WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 50000) INSERT INTO u SELECT x FROM s"
for via in front wrong; do
	if [ $via = front ]; then U=$FRONT; else U=$WRONG; fi
	URL=$U api POST "/v1/alice/$DB/import" -H "$AUTH" -H 'Content-Type: application/octet-stream' \
		--data-binary "@$T/up.sqlite"
	is "$STATUS $BODY" "200 {}" "a raw import of $(wc -c <"$T/up.sqlite") bytes via the $via"
	q "$U" "$DB" "SELECT count(*), sum(x) FROM u"
	is "$STATUS $BODY" '200 {"fields":["count(*)","sum(x)"],"rows":[["50000","1250025000"]]}' \
		"the imported rows via the $via"
	q "$U" "$DB" "DROP TABLE u"
	URL=$U api POST "/v1/alice/$DB/import" -H "$AUTH" -F "database=@$T/up.sqlite"
	is "$STATUS $BODY" "200 {}" "a multipart import via the $via"
	q "$U" "$DB" "SELECT count(*) FROM u"
	is "$BODY" '{"fields":["count(*)"],"rows":[["50000"]]}' "and its rows"
done
STATUS=$(curl -s -o "$T/export.sqlite" -w '%{http_code}' -H "$AUTH" "$WRONG/v1/alice/$DB/export")
is "$STATUS $(sqlite3 "$T/export.sqlite" "SELECT count(*) FROM u")" "200 50000" \
	"an export streams back through a node that does not hold it"
URL=$FRONT api GET "/v1/alice/$DB/export?format=sql" -H "$AUTH"
like "$BODY" "CREATE TABLE u" "and through the front, its query string kept"
URL=$WRONG api POST "/v1/alice/$DB/query" -H "$AUTH" -H 'Content-Type: application/json' -d '{"query": 1}'
is "$STATUS $(header Content-Type)" "400 application/json" "a refused request's error comes back as it is"

# ---- a fork is made on its source's node ---------------------------------------------------
URL=$WRONG api POST "/v1/alice/$DB/fork" -H "$AUTH" -H 'fork-to: alice/forked.sqlite' -d ''
is "$STATUS $(cluster_placement alice forked.sqlite)" "201 $OWNER|1|serving" \
	"a fork asked of another node is made on the source's node"
q "$FRONT" forked.sqlite "SELECT count(*) FROM u"
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["50000"]]}' "with the source's rows"

# ---- the fence: a stale epoch, a move under way ------------------------------------------
ID=$(meta_sql "SELECT d.id FROM database d JOIN entity e ON e.id = d.entity_id
	WHERE e.slug = 'alice' AND d.slug = '$DB'")
meta_sql "UPDATE placement SET epoch = 2 WHERE database_id = $ID" >/dev/null
STALE="503 {\"type\":\"Other\",\"message\":\"Database alice/$DB is moving between nodes; try again\"}"
for via in front wrong; do
	if [ $via = front ]; then U=$FRONT; else U=$WRONG; fi
	q "$U" "$DB" "SELECT count(*) FROM u"
	is "$STATUS $BODY" "$STALE" "placement at an epoch its node never received: 503 via the $via"
	is "$(header Retry-After)" 1 "with Retry-After"
done
meta_sql "UPDATE placement SET epoch = 1, state = 'moving' WHERE database_id = $ID" >/dev/null
q "$FRONT" "$DB" "INSERT INTO u VALUES (0)"
is "$STATUS $BODY" "$STALE" "moving: 503, the write refused"
meta_sql "UPDATE placement SET state = 'serving' WHERE database_id = $ID" >/dev/null
q "$FRONT" "$DB" "SELECT count(*) FROM u"
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["50000"]]}' \
	"serving at its epoch again: the same rows, nothing was written meanwhile"

# ---- the web UI and PATCH, forwarded ------------------------------------------------------
URL=$WRONG api PATCH "/v1/alice/$DB/update" -H "$AUTH" -H 'public-sharing-level: read-only' \
	-H 'Content-Type: application/json' -d '{"description": "rows of u"}'
is "$STATUS $(header X-Ayb-Node)" "200 $OWNER" "a PATCH with a JSON body is forwarded by curl"
for via in front wrong; do
	if [ $via = front ]; then U=$FRONT; else U=$WRONG; fi
	URL=$U api GET "/alice/$DB"
	is "$STATUS $(header X-Ayb-Node)" "200 $OWNER" "the web UI's page of $DB via the $via, from its node"
	like "$BODY" "rows of u" "with its description"
done

# ---- one hop only -------------------------------------------------------------------------
# sign METHOD URI: an X-Ayb-Forwarded value as a node makes it, from the shared key.
sign() {
	_k=$(printf '%s' "$KEY" | tr -- '-_' '+/' | base64 -d | od -An -tx1 | tr -d ' \n')
	_k=$(printf 'ayb-node forward' | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$_k" -r | cut -d' ' -f1)
	_t=$(date +%s)
	printf '%s\0%s\0%s' "$1" "$2" "$_t" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$_k" -r | sed "s/ .*//; s/^/$_t./"
}
U=/v1/alice/$DB/query
URL=$WRONG api POST "$U" -H "$AUTH" -H 'Content-Type: text/plain' -d 'SELECT 1' \
	-H "X-Ayb-Forwarded: $(sign POST "$U")"
is "$STATUS $BODY" "503 {\"type\":\"Other\",\"message\":\"Database alice/$DB was forwarded to node ${WRONG_NAME:-$(curl -s "$WRONG/health" | sed 's/.*"node":"\([^"]*\)".*/\1/')}, which no longer holds it; try again\"}" \
	"a request forwarded once to a node that does not hold it is refused, not forwarded again"
URL=$WRONG api POST "$U" -H "$AUTH" -H 'Content-Type: text/plain' -d 'SELECT 1' \
	-H "X-Ayb-Forwarded: $(sign POST /v1/alice/other/query)"
is "$STATUS $(header X-Ayb-Node)" "200 $OWNER" "a signature of another request does not count: forwarded"
URL=$WRONG api POST "$U" -H "$AUTH" -H 'Content-Type: text/plain' -d 'SELECT 1' \
	-H "X-Ayb-Forwarded: 1.deadbeef"
is "$STATUS $(header X-Ayb-Node)" "200 $OWNER" "nor does a forged one"
api GET "/_ayb_forward/x/GET/$(cluster_url "$OWNER" | sed 's|http://||')/v1/alice/$DB/details" -H "$AUTH"
is "$STATUS" 404 "the front's internal location is not reachable from outside"

# ---- a node down --------------------------------------------------------------------------
cluster_stop_node "$OWNER"
for via in front wrong; do
	if [ $via = front ]; then U=$FRONT; else U=$WRONG; fi
	q "$U" "$DB" "SELECT 1"
	like "$STATUS $BODY" "503 {\"type\":\"Other\",\"message\":\"" \
		"its node stopped: a clean 503 via the $via"
done
q "$WRONG" "$DB" "SELECT 1"
like "$BODY" "Node $OWNER ($(cluster_url "$OWNER")) did not answer" "naming the node"
cluster_start_node "$OWNER"
q "$FRONT" "$DB" "SELECT count(*) FROM u"
is "$STATUS $BODY" '200 {"fields":["count(*)"],"rows":[["50000"]]}' "back, with its rows"

# ---- placement "local": a database is made where the create lands ---------------------
for n in $CLUSTER_NODES; do
	sed -i 's/placement = "fewest"/placement = "local"/' "$(cluster_conf "$n")"
	cluster_stop_node "$n"
	cluster_start_node "$n"
done
for n in n3 n1; do
	URL=$(cluster_url "$n") api POST "/v1/alice/local-$n.sqlite/create" -H "$AUTH" \
		-H 'db-type: sqlite' -H 'public-sharing-level: no-access' -d ''
	is "$STATUS $(cluster_placement alice "local-$n.sqlite")" "201 $n|1|serving" \
		"placement local: created through $n, placed on $n"
done
q "$FRONT" local-n3.sqlite "SELECT 1"
is "$STATUS $(header X-Ayb-Node)" "200 n3" "and served there through the front"

# ---- the CLI through the front ------------------------------------------------------------
export AYB_SERVER_URL=$FRONT AYB_API_TOKEN=$ALICE
run create_database alice/cli.sqlite
is "$OUT$ERR/$RC" "Successfully created alice/cli.sqlite$NL/0" "ayb client create_database through the front"
run query alice/cli.sqlite "CREATE TABLE c (x)"
run query alice/cli.sqlite "INSERT INTO c VALUES (42)"
run query alice/cli.sqlite "SELECT x FROM c"
like "$OUT" "42" "ayb client query through the front"
run --token "$BOB" query alice/cli.sqlite "SELECT x FROM c"
is "$RC" 1 "bob may not query alice's database, whichever node answers"
run share alice/cli.sqlite bob read-only
is "$RC" 0 "ayb client share through the front"
run --token "$BOB" query alice/cli.sqlite "SELECT x FROM c"
like "$OUT/$RC" "42" "now bob reads it"
run --token "$BOB" query alice/cli.sqlite "INSERT INTO c VALUES (1)"
is "$RC" 1 "but not write"
unset AYB_SERVER_URL AYB_API_TOKEN

tap_done
