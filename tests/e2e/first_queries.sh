#!/bin/sh
# The first two queries on a brand-new database, arriving together at two
# FastCGI processes, queue like any others: both succeed, no 503 "database
# is locked".  The first read-write connection to a new file makes it WAL,
# and SQLite answers a second connection doing the same at that moment with
# SQLITE_BUSY at once, without its busy handler (lib/hosted.c, set_wal).
# The two meet in a window of well under a millisecond, so it takes many
# rounds: before the fix about 2 rounds in 100 failed.
# e2e-pg: only hosted files are involved; the metadata store plays no part
. "$(dirname "$0")/lib.sh"

ROUNDS=300
export AYB_SERVER_PROCS=2
e2e_setup
e2e_start_server
pids=$(e2e_fcgi_pids)
is "$(echo $pids | wc -w)" 2 "2 FastCGI processes"
TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"

# Every database is created first, through one keep-alive connection, so a
# round is only its two queries.
: >"$T/create.cfg"
i=1
while [ $i -le $ROUNDS ]; do
	printf '%s\n' "url = \"$URL/v1/alice/d$i.sqlite/create\"" 'request = "POST"' \
		'data = ""' "header = \"$AUTH\"" 'header = "db-type: sqlite"' \
		'header = "public-sharing-level: no-access"' 'write-out = "%{http_code}\n"' \
		'output = "/dev/null"' next >>"$T/create.cfg"
	i=$((i + 1))
done
sed -i '$d' "$T/create.cfg"   # no "next" after the last request
curl -sS -K "$T/create.cfg" >"$T/created"
is "$(sort "$T/created" | uniq -c | tr -s ' ')" " $ROUNDS 201" "$ROUNDS databases created"

# Each round: both queries in one curl, on two connections opened at once.
: >"$T/answers"
i=1
while [ $i -le $ROUNDS ]; do
	q=$URL/v1/alice/d$i.sqlite/query
	curl -sS --no-progress-meter --parallel --parallel-immediate \
		-H "$AUTH" --data-binary 'CREATE TABLE a(x)' -o "$T/d$i.a" \
		-w "%{http_code} d$i.a\\n" "$q" --next \
		-H "$AUTH" --data-binary 'CREATE TABLE b(x)' -o "$T/d$i.b" \
		-w "%{http_code} d$i.b\\n" "$q" >>"$T/answers"
	i=$((i + 1))
done
echo "# status counts: $(awk '{ print $1 }' "$T/answers" | sort | uniq -c | tr -s ' \n' ' ')"
bad=$(awk '$1 != 200 { print $2 }' "$T/answers")
is "$bad" "" "both first queries of every round answer 200"
for f in $bad; do
	echo "#   $f: $(cat "$T/$f")"
done

# Read while the server runs: a worker ending meanwhile, as the last
# connection to its file, holds it exclusively to checkpoint and remove the
# WAL, so the reader waits (.timeout) rather than failing "database is
# locked".
both=0
i=1
while [ $i -le $ROUNDS ]; do
	f=$T/data/databases/alice/d$i.sqlite/current/d$i.sqlite
	got=$(sqlite3 -cmd '.timeout 5000' "$f" "SELECT group_concat(name) FROM (SELECT name
		FROM sqlite_schema ORDER BY name); PRAGMA journal_mode" 2>&1)
	if [ "$got" = "a,b${NL}wal" ]; then
		both=$((both + 1))
	else
		echo "#   d$i.sqlite: $got" | tr '\n' ' '
		echo
	fi
	i=$((i + 1))
done
is "$both" "$ROUNDS" "every database holds both tables and is in WAL mode"
is "$(e2e_fcgi_pids)" "$pids" "the same 2 FastCGI processes served everything"
tap_done
