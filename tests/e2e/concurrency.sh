#!/bin/sh
# Many FastCGI processes on one metadata store lose no write.  `ayb server`
# with 4 ayb-api.fcgi processes (AYB_SERVER_PROCS=4) and 32 concurrent
# clients in 16 pairs; both clients of a pair register the same entity (all
# at once), then confirm it (each with its own link), race to create the
# same three databases, create a table in each and insert rows into them:
# about 2,000 requests.  Afterwards every
# acknowledged insert is in its database (and nothing that was not sent), no
# entity or database exists twice, each raced create has exactly one
# winner, nothing answers 5xx except 503 (README: "try again"), the FastCGI
# processes are the ones that started, and integrity_check is ok.  Once
# with SQLite metadata, once with PostgreSQL metadata.  With SQLite, also a
# write held up by another program's lock for longer than the busy timeout.
# e2e-pg: runs with both metadata stores itself
. "$(dirname "$0")/lib.sh"

CLIENTS=32
INSERTS=55           # per client; 32 * (2 + 3 + 3 + 55) = 2,016 requests
export AYB_SERVER_PROCS=4

# req WHAT PATH DATA [HEADER...]: appends one POST to the client's curl
# config $d.cfg, with the client's token $tok.
req() {
	printf 'url = "%s%s"\nrequest = "POST"\ndata-binary = "%s"\nheader = "Authorization: Bearer %s"\nwrite-out = "\\n@@ %s %%{http_code}\\n"\nmax-time = 60\n' \
		"$URL" "$2" "$3" "$tok" "$1" >>"$d.cfg"
	shift 3
	for h in "$@"; do
		printf 'header = "%s"\n' "$h" >>"$d.cfg"
	done
	echo next >>"$d.cfg"
}

# post WHAT OUT CURL_ARGS...: one POST, tried again on 503 (README: safe to
# retry) up to 5 times; logs "WHAT CODE" per attempt; the body goes to OUT.
post() {
	_what=$1 _out=$2
	shift 2
	for _try in 1 2 3 4 5; do
		_code=$(curl -sS -m 60 -o "$_out" -w '%{http_code}' -X POST -d '' "$@")
		echo "$_what $_code" >>"$d.log"
		[ "$_code" = 503 ] || break
		cat "$_out" >>"$d.503"
		echo >>"$d.503"
	done
	[ "$_code" = 200 ]
}

# register_client C: client C (one of the 32) registers its pair's entity.
register_client() {
	c=$1
	ent=ent$(((c + 1) / 2))
	d=$RUN/c$c
	post register "$d.register" -H "entity: $ent" -H "email-address: $ent@example.org" \
		-H 'entity-type: user' "$URL/v1/register"
}

# client C: once every client has registered, confirms with its own link (a
# link works once: of the pair's two emails the first client takes the first)
# and goes on.  Writes $RUN/cC.log with "what code" lines and $RUN/cC.acked
# with "dbJ cC I" for every acknowledged insert.
client() {
	c=$1
	ent=ent$(((c + 1) / 2))
	addr=$ent@example.org
	d=$RUN/c$c
	grep -q '^register 200$' "$d.log" || return 0
	post confirm "$d.confirm" \
		-H "authentication-token: $(email_tokens "$addr" | sed -n "$(((c + 1) % 2 + 1))p")" \
		"$URL/v1/confirm" || return 0
	tok=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$d.confirm")
	# The rest goes through one curl (one keep-alive connection), in order;
	# each answer is "<body>\n@@ <what> <code>".
	: >"$d.cfg"
	for j in 1 2 3; do
		req "create $ent/db$j" "/v1/$ent/db$j.sqlite/create" '' 'db-type: sqlite' \
			'public-sharing-level: no-access'
	done
	for j in 1 2 3; do
		req "table db$j" "/v1/$ent/db$j.sqlite/query" \
			'CREATE TABLE IF NOT EXISTS t(client TEXT NOT NULL, seq INTEGER NOT NULL)'
	done
	i=1
	while [ $i -le $INSERTS ]; do
		req "insert db$((i % 3 + 1)) c$c $i" "/v1/$ent/db$((i % 3 + 1)).sqlite/query" \
			"INSERT INTO t VALUES ('c$c', $i)"
		i=$((i + 1))
	done
	sed -i '$d' "$d.cfg"   # no "next" after the last request
	curl -sS -K "$d.cfg" >"$d.out" 2>"$d.err"
	sed -n 's/^@@ //p' "$d.out" >>"$d.log"
	sed -n 's/^@@ insert \(.*\) 200$/\1/p' "$d.out" >"$d.acked"
}

# held_lock: another program holds the SQLite metadata store's write lock
# for longer than the busy timeout (5 s); a write waiting for it is retried
# instead of failing, and succeeds once the lock is released.
held_lock() {
	tok=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$RUN/c1.confirm")
	rm -f "$T/locked"
	{
		echo "BEGIN IMMEDIATE; SELECT 'locked';"
		sleep 6.5
		echo 'ROLLBACK;'
	} | sqlite3 "$T/data/ayb.sqlite" >"$T/locked" &
	lock_pid=$!
	for _ in $(seq 100); do
		grep -q locked "$T/locked" 2>/dev/null && break
		sleep 0.05
	done
	is "$(cat "$T/locked")" locked "sqlite: another program holds the write lock"
	t0=$(date +%s.%N)
	api POST /v1/ent1/late.sqlite/create -d '' -H "Authorization: Bearer $tok" \
		-H 'db-type: sqlite' -H 'public-sharing-level: no-access'
	t1=$(date +%s.%N)
	wait "$lock_pid"
	is "$STATUS" 201 "sqlite: a write blocked past the busy timeout is retried and succeeds"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "# it took %.1f s\n", b - a; exit !(b - a > 5) }'
	ok $? "sqlite: (it did wait beyond the 5 s busy timeout)"
}

# round NAME: one run of the whole workload against a fresh server.
round() {
	name=$1
	rm -rf "$T/data"
	mkdir -p "$T/data"
	RUN=$T/run-$name
	mkdir -p "$RUN"
	e2e_setup
	e2e_start_server
	pids=$(e2e_fcgi_pids)
	is "$(echo $pids | wc -w)" 4 "$name: 4 FastCGI processes"

	start=$(date +%s.%N)
	for phase in register_client client; do
		c=1 cpids=
		while [ $c -le $CLIENTS ]; do
			$phase $c &
			cpids="$cpids $!"
			c=$((c + 1))
		done
		# shellcheck disable=SC2086
		wait $cpids
	done
	end=$(date +%s.%N)
	cat "$RUN"/c*.log >"$RUN/all"
	total=$(wc -l <"$RUN/all")
	awk -v n="$total" -v a="$start" -v b="$end" -v r="$name" -v c=$CLIENTS 'BEGIN {
		printf "# %s: %d requests from %d clients in %.2f s, %.0f requests/s\n", r, n, c, b - a, n / (b - a) }'
	echo "# $name: status counts: $(awk '{ print $NF }' "$RUN/all" | sort | uniq -c | tr -s ' \n' ' ')"

	[ "$total" -ge $((CLIENTS * (INSERTS + 8))) ]
	ok $? "$name: every request was answered ($total)"
	is "$(grep -c '^register 200$' "$RUN/all")/$(grep -c '^confirm 200$' "$RUN/all")" \
		"$CLIENTS/$CLIENTS" "$name: every client registered and confirmed"
	bad=$(awk '$NF !~ /^(200|201|503)$/ && !($1 == "create" && $NF == 409)' "$RUN/all")
	is "$bad" "" "$name: only 200, 201, 503, and 409 for a lost create race"
	n503=$(grep -c ' 503$' "$RUN/all")
	if [ "$n503" -gt 0 ]; then
		{ grep -h -B1 '^@@ .* 503$' "$RUN"/c*.out; cat "$RUN"/c*.503 2>/dev/null; } |
			grep -v '^@@\|^--\|^$' | sort | uniq -c | sed 's/^/# /'
	fi
	bad=$({ grep -h -B1 '^@@ .* 503$' "$RUN"/c*.out; cat "$RUN"/c*.503 2>/dev/null; } |
		grep -v '^@@\|^--\|^$' |
		grep -v '^{"type":"Other","message":"\(Metadata store unavailable\|Metadata store error: database is locked\)')
	is "$bad" "" "$name: every 503 carries ayb's envelope and says the store was busy"
	acked=$(cat "$RUN"/c*.acked | wc -l)
	[ "$acked" -ge $((CLIENTS * INSERTS * 9 / 10)) ]
	ok $? "$name: at least 90% of the inserts acknowledged ($acked of $((CLIENTS * INSERTS)))"

	# Each raced create has one winner and one 409.
	wins=$(awk '$1 == "create" && $3 == 201 { print $2 }' "$RUN/all" | sort | uniq -c |
		awk '$1 != 1' | wc -l)
	is "$(awk '$1 == "create" && $3 == 201' "$RUN/all" | wc -l)/$wins" "48/0" \
		"$name: each of the 48 databases created exactly once"
	is "$(awk '$1 == "create" && ($3 == 409 || $3 == 503)' "$RUN/all" | wc -l)" 48 \
		"$name: the other 48 creates got 409 (or 503)"

	# What the metadata store holds.
	is "$(meta_sql 'SELECT count(*), count(DISTINCT slug) FROM entity')" "16|16" \
		"$name: 16 entities, none twice"
	is "$(meta_sql "SELECT count(*), count(DISTINCT entity_id || '/' || slug) FROM database")" \
		"48|48" "$name: 48 databases, none twice"
	is "$(meta_sql 'SELECT count(*), count(DISTINCT email_address) FROM authentication_method')" \
		"16|16" "$name: one verified address per entity"
	is "$(meta_sql 'SELECT count(*) FROM api_token')" "$CLIENTS" "$name: one API token per confirmation"
	if [ "$name" = sqlite ]; then
		is "$(sqlite3 "$T/data/ayb.sqlite" 'PRAGMA integrity_check')" ok \
			"$name: metadata integrity_check"
	fi

	# Every acknowledged insert is there, and nothing that was never sent.
	missing=0 phantom=0 notok=0
	for k in $(seq 16); do
		for j in 1 2 3; do
			f=$T/data/databases/ent$k/db$j.sqlite/current/db$j.sqlite
			# (a worker ending as the file's last connection holds it
			# briefly to checkpoint: wait, do not fail "locked")
			[ "$(sqlite3 -cmd '.timeout 5000' "$f" 'PRAGMA integrity_check' 2>&1)" = ok ] ||
				notok=$((notok + 1))
			sqlite3 -cmd '.timeout 5000' "$f" 'SELECT client, seq FROM t' 2>/dev/null |
				tr '|' ' ' | sort >"$RUN/have"
			cat "$RUN/c$((2 * k - 1)).acked" "$RUN/c$((2 * k)).acked" 2>/dev/null |
				sed -n "s/^db$j //p" | sort >"$RUN/want"
			missing=$((missing + $(comm -13 "$RUN/have" "$RUN/want" | wc -l)))
			phantom=$((phantom + $(awk '$2 < 1 || $2 > '$INSERTS' || ($2 % 3 + 1) != '$j "$RUN/have" | wc -l)))
		done
	done
	is "$missing" 0 "$name: no acknowledged insert is missing"
	is "$phantom" 0 "$name: no row that was not sent"
	is "$notok" 0 "$name: integrity_check ok on all 48 hosted databases"
	is "$(e2e_fcgi_pids)" "$pids" "$name: the same 4 FastCGI processes served everything"
	[ "$name" = sqlite ] && held_lock
	e2e_stop_server
}

round sqlite
if pg_available; then
	AYB_E2E_METADATA=pg
	round postgresql
else
	echo "# PostgreSQL not installed: the PostgreSQL round is skipped"
fi
tap_done
