#!/bin/sh
# examples/nginx-tcp.conf and examples/nginx-unix.conf under a real nginx
# (workers as www-data), with the FastCGI processes started by
# examples/spawn-fcgi.sh: the smoke flow with `ayb client` over each, then
# every process stopped by its PID.
WHAT=nginx
. "$(dirname "$0")/lib.sh"

deploy_need nginx spawn-fcgi curl ss
deploy_need_root
deploy_bin
deploy_config
mkdir -p "$T/run" "$T/log" "$T/nginx"
P_TCP=$(free_port)
P_UNIX=$(free_port)
while [ "$P_UNIX" = "$P_TCP" ]; do P_UNIX=$(free_port); done
FPORT=$(free_port)

# ---- the FastCGI processes -------------------------------------------------------------
spawn() { # MODE: examples/spawn-fcgi.sh MODE with this run's paths
	env AYB_FCGI="$BIN/ayb-api.fcgi" AYB_CONFIG="$CONF" AYB_USER=www-data AYB_GROUP=www-data \
		AYB_PROCESSES=2 AYB_PORT="$FPORT" AYB_SOCKET="$T/run/api.sock" \
		AYB_PIDFILE="$T/run/spawn-$1.pid" sh "$EXAMPLES/spawn-fcgi.sh" "$1" \
		>"$T/log/spawn-$1.out" 2>&1
}
port_free "$FPORT" || bail "port $FPORT is taken"
deploy_pidfile "$T/run/spawn-tcp.pid"
spawn tcp
ok $? "$WHAT: spawn-fcgi.sh tcp"
deploy_pidfile "$T/run/spawn-unix.pid"
spawn unix
ok $? "$WHAT: spawn-fcgi.sh unix"
is "$(ss -Hltn "sport = :$FPORT" | awk '{ print $4 }')" "127.0.0.1:$FPORT" \
	"$WHAT: the TCP FastCGI port is bound to loopback only"
is "$(stat -c '%U:%G %a' "$T/run/api.sock")" "www-data:www-data 660" \
	"$WHAT: the unix socket is open to nginx's group only"
is "$(grep -c . "$T/run/spawn-tcp.pid") $(grep -c . "$T/run/spawn-unix.pid")" "2 2" \
	"$WHAT: spawn-fcgi started the processes asked for"

# ---- nginx: the two example sites inside a minimal nginx.conf ----------------------------
deploy_example nginx-tcp.conf -e "s|listen 80;|listen 127.0.0.1:$P_TCP;|" \
	-e "s|127.0.0.1:9000|127.0.0.1:$FPORT|" >"$T/nginx/site-tcp.conf"
deploy_example nginx-unix.conf -e "s|listen 80;|listen 127.0.0.1:$P_UNIX;|" \
	-e "s|/run/ayb/api.sock|$T/run/api.sock|" >"$T/nginx/site-unix.conf"
deploy_nginx_conf "$T/log/nginx-access.log" "	include $T/nginx/site-tcp.conf;
	include $T/nginx/site-unix.conf;"
nginx -t -q -e "$T/log/nginx-error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" \
	>"$T/log/syntax.out" 2>&1
ok $? "$WHAT: the examples pass nginx -t"
port_free "$P_TCP" && port_free "$P_UNIX" || bail "port $P_TCP or $P_UNIX is taken"
deploy_nginx nginx
NGINX=$PID

WHAT="nginx + spawn-fcgi (TCP)"
deploy_wait "http://127.0.0.1:$P_TCP" "$NGINX"
smoke "http://127.0.0.1:$P_TCP" ngtcp
WHAT="nginx + spawn-fcgi (unix socket)"
deploy_wait "http://127.0.0.1:$P_UNIX" "$NGINX"
smoke "http://127.0.0.1:$P_UNIX" ngunix
WHAT=nginx

# nginx takes a POST without a body as an empty body (lighttpd does not).
URL=http://127.0.0.1:$P_TCP
api POST /v1/log_in -H 'entity: ngtcp'
is "$STATUS" 200 "$WHAT: a POST without Content-Length reaches ayb-api.fcgi"
! grep -q 'ayb_[A-Za-z0-9]*_[A-Za-z0-9]' "$T/log/nginx-error.log"
ok $? "$WHAT: no API token in nginx's error log"

deploy_stop "$NGINX" QUIT
is "$STOP_STATUS" 0 "$WHAT: graceful stop"
# Each FastCGI process ends on SIGTERM (after the request it holds).
pids=$(awk 1 "$T/run/spawn-tcp.pid" "$T/run/spawn-unix.pid")  # no final newlines
# shellcheck disable=SC2086
kill $pids
# shellcheck disable=SC2086
gone $pids
ok $? "$WHAT: every FastCGI process exits on SIGTERM"
rm -f "$T/run/spawn-tcp.pid" "$T/run/spawn-unix.pid"
tap_done
