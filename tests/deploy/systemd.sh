#!/bin/sh
# examples/systemd: the units pass `systemd-analyze verify`, and
# ayb-api.socket + ayb-api.service run as systemd would run them (the test
# machine has no systemd as PID 1): systemd-socket-activate listens on the
# socket's ListenStream with its SocketMode/SocketGroup, then starts the
# service's ExecStart with its Environment= as its User= (www-data here),
# with examples/nginx-unix.conf in front.  Then: the smoke flow with
# `ayb client`, AYB_API_PROCESSES workers, a crashed worker replaced, and
# SIGTERM to the main process (KillMode=mixed) stopping them all.
WHAT=systemd
. "$(dirname "$0")/lib.sh"

deploy_need systemd-socket-activate setpriv nginx curl ss
deploy_need_root
deploy_bin
deploy_config
UNITS=$EXAMPLES/systemd
mkdir -p "$T/units" "$T/run" "$T/log" "$T/nginx"

# unit_value FILE KEY: every value of KEY= in the unit, one per line.
unit_value() {
	sed -n "s/^$2=//p" "$1"
}

# ---- the units are valid -----------------------------------------------------------------
SNAPSHOT=$top_builddir/cron/ayb-snapshot
for u in ayb-api.socket ayb-api.service ayb-snapshot.service ayb-snapshot.timer \
	ayb-continuous.service; do
	deploy_example "systemd/$u" -e "s|^ExecStart=/usr/bin/ayb-snapshot|ExecStart=$SNAPSHOT|" \
		>"$T/units/$u"
done
if command -v systemd-analyze >/dev/null 2>&1 && [ -x "$SNAPSHOT" ]; then
	(cd "$T/units" && systemd-analyze verify --man=no ./ayb-api.socket ./ayb-api.service \
		./ayb-snapshot.service ./ayb-snapshot.timer ./ayb-continuous.service) \
		>"$T/log/verify.out" 2>&1
	is "$?:$(cat "$T/log/verify.out")" "0:" "$WHAT: systemd-analyze verify finds nothing to say"
else
	ok 0 "$WHAT: systemd-analyze verify # SKIP needs systemd-analyze and cron/ayb-snapshot"
fi
is "$(unit_value "$UNITS/ayb-snapshot.service" ExecStart)" "/usr/bin/ayb-snapshot --config /etc/ayb/ayb.conf" \
	"$WHAT: ayb-snapshot.service runs the installed ayb-snapshot on /etc/ayb/ayb.conf"
is "$(unit_value "$UNITS/ayb-snapshot.timer" OnCalendar)" minutely "$WHAT: the timer fires every minute"
is "$(unit_value "$UNITS/ayb-continuous.service" ExecStart)" \
	"/usr/bin/ayb-snapshot --config /etc/ayb/ayb.conf --continuous" \
	"$WHAT: ayb-continuous.service runs continuous backup's shipper"
is "$(unit_value "$UNITS/ayb-continuous.service" Restart)" always "$WHAT: and starts it again"

# ---- ayb-api.socket + ayb-api.service ----------------------------------------------------
SOCK=$(unit_value "$UNITS/ayb-api.socket" ListenStream)
is "$SOCK" /run/ayb/api.sock "$WHAT: the socket is /run/ayb/api.sock, as nginx-unix.conf expects"
SOCK=$T/run/api.sock
MODE=$(unit_value "$UNITS/ayb-api.socket" SocketMode)
GROUP=$(unit_value "$UNITS/ayb-api.socket" SocketGroup)
EXEC=$(unit_value "$T/units/ayb-api.service" ExecStart)
is "$EXEC" "$BIN/ayb-api.fcgi" "$WHAT: ExecStart is ayb-api.fcgi"
set --
for e in $(unit_value "$T/units/ayb-api.service" Environment); do
	set -- "$@" -E "$e"
done
PROCS=$(unit_value "$UNITS/ayb-api.service" Environment | sed -n 's/^AYB_API_PROCESSES=//p')
is "$(unit_value "$UNITS/ayb-api.service" KillMode)" mixed \
	"$WHAT: KillMode=mixed: SIGTERM to the main process, which stops its workers"
# The socket file gets the unit's owner and mode once systemd-socket-activate
# has created it, before the first connection (which starts the service).
deploy_start api systemd-socket-activate -l "$SOCK" "$@" \
	setpriv --reuid=www-data --regid=www-data --init-groups -- $EXEC
API=$PID
i=0
until [ -S "$SOCK" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || bail "systemd-socket-activate did not create $SOCK"
	sleep 0.05
done
chgrp "$GROUP" "$SOCK" && chmod "$MODE" "$SOCK"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
deploy_example nginx-unix.conf -e "s|listen 80;|listen 127.0.0.1:$PORT;|" \
	-e "s|/run/ayb/api.sock|$SOCK|" >"$T/nginx/site.conf"
deploy_nginx_conf off "	include $T/nginx/site.conf;"
port_free "$PORT" || bail "port $PORT is taken"
deploy_nginx nginx
NGINX=$PID
deploy_wait "$URL" "$NGINX"
kill -0 "$API" 2>/dev/null || bail "the service exited: $(cat "$T/log/api.out")"

smoke "$URL" systemd

workers() {
	ps -o pid= --ppid "$API" | tr -d ' '
}
is "$(workers | grep -c .)" "$PROCS" "$WHAT: AYB_API_PROCESSES=$PROCS workers share the socket"
is "$(ps -o user= -p "$API" | tr -d ' ')" www-data "$WHAT: the service runs as its User="
victim=$(workers | head -1)
kill -KILL "$victim"
i=0
while [ "$(workers | grep -c .)" != "$PROCS" ] || workers | grep -qx "$victim"; do
	i=$((i + 1))
	[ $i -lt 100 ] || break
	sleep 0.05
done
is "$(workers | grep -c .)" "$PROCS" "$WHAT: a worker that dies is replaced"
like "$(cat "$T/log/api.out")" "worker $victim was killed by signal 9; starting another" \
	"$WHAT: ... and the journal says so"
run --url "$URL" query systemd/smoke.sqlite "SELECT count(*) AS n FROM t"
like "$OUT" "Rows: 1" "$WHAT: still serving"

all=$(workers)
deploy_stop "$API" TERM
is "$STOP_STATUS" 0 "$WHAT: SIGTERM to the main process: exit status 0"
# shellcheck disable=SC2086
gone $all
ok $? "$WHAT: ... after every worker exited"
deploy_stop "$NGINX" QUIT

# ---- ayb-snapshot.service, as the timer starts it ---------------------------------------
# Against the S3 test server (tests/e2e/s3.sh), with the service's
# ExecStart and User= (www-data here, ayb in the example).
if [ -x "$SNAPSHOT" ] && command -v node >/dev/null 2>&1; then
	. "$top_srcdir/tests/e2e/s3.sh"
	trap 's3_stop; _deploy_cleanup' EXIT
	s3_start
	s3_config 'interval = "1h"' 'max_snapshots = 3' >>"$CONF"
	run_snapshot() { # N: the Nth run, output in $T/log/snapshot-N.out
		# shellcheck disable=SC2046
		setpriv --reuid=www-data --regid=www-data --init-groups -- \
			$(unit_value "$T/units/ayb-snapshot.service" ExecStart | sed "s|/etc/ayb/ayb.conf|$CONF|") \
			>"$T/log/snapshot-$1.out" 2>&1
	}
	objects() {
		grep -l 'systemd/smoke.sqlite/' "$T/s3/$S3_BUCKET"/*.json 2>/dev/null | grep -c .
	}
	run_snapshot 1
	is "$?" 0 "$WHAT: ayb-snapshot.service's command succeeds as its user"
	like "$(cat "$T/log/snapshot-1.out")" "1 uploaded" "$WHAT: ... and uploads the database"
	is "$(objects)" 1 "$WHAT: ... which the S3 server stored"
	run_snapshot 2
	is "$?" 0 "$WHAT: the next timer run succeeds too"
	like "$(cat "$T/log/snapshot-2.out")" "1 not due" "$WHAT: ... and leaves the database alone before its interval"
	is "$(objects)" 1 "$WHAT: ... so nothing new is stored"
else
	ok 0 "$WHAT: ayb-snapshot.service # SKIP needs cron/ayb-snapshot and node"
fi
tap_done
