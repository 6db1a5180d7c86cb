#!/bin/sh
# A FastCGI process serves other requests while queries run in it: `ayb
# server` with one ayb-api.fcgi process (AYB_SERVER_PROCS=1) and four request
# threads (AYB_API_THREADS=4).  While two runaway queries (endless recursive
# CTEs, stopped at the query timeout) hold two threads, /health and another
# tenant's point query answer, and the runaway queries are still running
# when they have.  SIGTERM stops a process after the query in flight, and
# the server cleanly with its threads.  In "fork" isolation mode a process
# keeps one thread.
. "$(dirname "$0")/lib.sh"

export AYB_SERVER_PROCS=1 AYB_API_THREADS=4
e2e_setup 'isolation {
  query_timeout_ms = 5000
}'
e2e_start_server

TOKEN_A=$(register_user alice alice@example.org) || bail "cannot register alice"
TOKEN_B=$(register_user bob bob@example.org) || bail "cannot register bob"
A="Authorization: Bearer $TOKEN_A"
B="Authorization: Bearer $TOKEN_B"
for d in run1 run2; do
	api POST /v1/alice/$d.sqlite/create -d '' -H "$A" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access'
	is "$STATUS" 201 "setup: alice/$d.sqlite"
done
api POST /v1/bob/points.sqlite/create -d '' -H "$B" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access'
api POST /v1/bob/points.sqlite/query -H "$B" \
	--data-binary 'CREATE TABLE p (id INTEGER PRIMARY KEY, v)'
api POST /v1/bob/points.sqlite/query -H "$B" --data-binary "INSERT INTO p VALUES (7, 'seven')"
is "$STATUS" 200 "setup: bob's table"

RUNAWAY='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'
# runaway DB: alice's endless query on DB in the background; its pid in $!.
runaway() {
	curl -sS -o "$T/$1.body" -w '%{http_code}' -X POST -H "$A" --data-binary "$RUNAWAY" \
		"$URL/v1/alice/$1.sqlite/query" >"$T/$1.status" &
}
# workers_of DB: how many query workers serve alice's DB (each starts when
# its query arrives, and the query goes to it at once).
workers_of() {
	pgrep -f "^ayb-query-worker $(readlink -f "$T/data/databases/alice/$1.sqlite/current")/" |
		wc -l
}

runaway run1
R1=$!
runaway run2
R2=$!
i=0
while [ "$(workers_of run1)" -lt 1 ] || [ "$(workers_of run2)" -lt 1 ]; do
	i=$((i + 1))
	[ $i -lt 400 ] || break
	sleep 0.05
done
both=$(($(workers_of run1) + $(workers_of run2)))
is "$both" 2 "both runaway queries run at once in the one FastCGI process"

api GET /health
is "$STATUS $BODY" '200 {"status":"ok"}' "/health answers while they run"
api POST /v1/bob/points.sqlite/query -H "$B" --data-binary 'SELECT v FROM p WHERE id = 7'
is "$STATUS $BODY" '200 {"fields":["v"],"rows":[["seven"]]}' \
	"another tenant's point query answers while they run"
kill -0 "$R1" 2>/dev/null && kill -0 "$R2" 2>/dev/null
ok $? "(both runaway queries were still running when those answered)"
wait "$R1"
wait "$R2"
for d in run1 run2; do
	is "$(cat "$T/$d.status") $(cat "$T/$d.body")" \
		'400 {"type":"Other","message":"Query timed out: it ran longer than 5000 ms (the server'"'"'s limit)"}' \
		"the runaway query on $d times out as before"
done

# SIGTERM to the FastCGI process while a query runs in one of its threads:
# that request is still answered, then the process exits.
api POST /v1/alice/run3.sqlite/create -d '' -H "$A" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access'
fcgi=$(e2e_fcgi_pids)
runaway run3
R3=$!
i=0
while [ "$(workers_of run3)" -lt 1 ] && [ $i -lt 400 ]; do
	i=$((i + 1))
	sleep 0.05
done
kill -TERM $fcgi
wait "$R3"
is "$(cat "$T/run3.status") $(cat "$T/run3.body")" \
	'400 {"type":"Other","message":"Query timed out: it ran longer than 5000 ms (the server'"'"'s limit)"}' \
	"a SIGTERM to the FastCGI process lets the query in flight finish"
i=0
while kill -0 $fcgi 2>/dev/null && [ $i -lt 200 ]; do
	i=$((i + 1))
	sleep 0.05
done
kill -0 $fcgi 2>/dev/null
is "$?" 1 "then the FastCGI process exits"

# SIGTERM with idle request threads: every thread leaves accept() and the
# process exits, with lighttpd; nothing is left behind.
pids="$SERVER_PID $(ps -o pid= --ppid "$SERVER_PID") $(e2e_fcgi_pids)
	$(pgrep -f "^ayb-query-worker $T/")"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
is "$?" 0 "SIGTERM stops ayb server and its threaded FastCGI process cleanly"
SERVER_PID=
# lighttpd does not wait for its backends, nor they for their workers'
# last breath: give them the time to go.
i=0
while :; do
	left=0
	for p in $pids; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
	[ "$left" -gt 0 ] && [ $i -lt 200 ] || break
	i=$((i + 1))
	sleep 0.05
done
is "$left" 0 "no lighttpd, FastCGI or worker process is left"

# isolation.mode = "fork" forks a worker per query from ayb-api.fcgi: a
# process then keeps one request thread, says so, and queries work.
e2e_setup 'isolation {
  mode = "fork"
}'
e2e_start_server
like "$(cat "$T/server.log")" \
	'ayb-api: isolation.mode = "fork": one request thread per process (AYB_API_THREADS ignored)' \
	"fork mode: one request thread, said at start"
TOKEN_C=$(register_user carol carol@example.org) || bail "cannot register carol"
api POST /v1/carol/f.sqlite/create -d '' -H "Authorization: Bearer $TOKEN_C" \
	-H 'db-type: sqlite' -H 'public-sharing-level: no-access'
api POST /v1/carol/f.sqlite/query -H "Authorization: Bearer $TOKEN_C" --data-binary 'SELECT 6 * 7'
is "$STATUS $BODY" '200 {"fields":["6 * 7"],"rows":[["42"]]}' "and its queries run"

tap_done
