# Shared harness for the deployment tests (tests/deploy/*.sh): the e2e
# harness (TAP, free ports, a private run directory, teardown on exit), plus
#   deploy_need CMD...        skip the whole test unless each tool exists
#   deploy_need_root          skip unless root (the web servers switch users)
#   deploy_bin                copies of the programs in $T/bin, where the web
#                             servers' user (www-data) can run them
#   deploy_config             $T/ayb/ayb.conf made from examples/ayb.conf
#   deploy_example FILE SED.. an example rewritten to $T paths and ports
#   deploy_start NAME CMD...  a server as a direct child, stopped on exit
#   deploy_wait URL           readiness: /health answers 200
#   deploy_serve NAME URL CMD...  a web server checked, started and ready
#   deploy_nginx_conf ACCESS_LOG SITES  a minimal nginx.conf around SITES
#   deploy_track PID          another background process to stop on exit
#   deploy_pidfile FILE       PIDs (one per line) to stop on exit
#   smoke URL ENTITY          register -> confirm -> create -> query with
#                             `ayb client`, one TAP line per step
# A test names what it deploys in $WHAT, which prefixes its TAP lines.

PATH=$PATH:/usr/sbin:/sbin
export PATH

# The web servers' workers (www-data) must reach the run directory: a
# private TMPDIR (mode 0700 somewhere in its path) would hide it.
if [ "$(id -u)" -eq 0 ] && [ -n "${TMPDIR:-}" ] && id www-data >/dev/null 2>&1 &&
	! runuser -u www-data -- test -x "$TMPDIR" 2>/dev/null; then
	TMPDIR=/tmp
fi

. "$(dirname "$0")/../e2e/lib.sh"

EXAMPLES=$top_srcdir/examples
WHAT=${WHAT:-deploy}
_deploy_pids=
_deploy_pidfiles=

# ---- skipping ----------------------------------------------------------------------
deploy_skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

deploy_need() {
	for _c; do
		command -v "$_c" >/dev/null 2>&1 || deploy_skip "$_c is not installed"
	done
}

deploy_need_root() {
	[ "$(id -u)" -eq 0 ] || deploy_skip "needs root: the web server runs its workers as www-data"
	id www-data >/dev/null 2>&1 || deploy_skip "no user www-data"
}

# ---- programs and configuration ------------------------------------------------------
deploy_bin() {
	mkdir -p "$T/bin"
	cp "$FCGI" "$T/bin/ayb-api.fcgi"
	# ayb-api.fcgi runs tenant SQL in the worker program found beside it,
	# and checks profile links with the checker found there.
	for _p in ayb-query-worker ayb-duckdb-worker ayb-link-check; do
		[ -x "$top_builddir/cgi/$_p" ] && cp "$top_builddir/cgi/$_p" "$T/bin/$_p"
	done
	chmod 755 "$T/bin"/*
	BIN=$T/bin
}

# deploy_config: $T/ayb/ayb.conf from examples/ayb.conf with data_path and
# the metadata under $T/data, a fresh key, and the file email backend in
# place of SMTP; owned by www-data when root.  Sets CONF and EMAILS.
deploy_config() {
	mkdir -p "$T/ayb" "$T/data"
	_key=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')
	CONF=$T/ayb/ayb.conf
	EMAILS=$T/data/emails.jsonl
	sed -e "s|/var/lib/ayb|$T/data|g" \
		-e "s|^\\( *fernet_key = \\).*|\\1\"$_key\"|" \
		-e '/^  smtp {$/,/^  }$/d' \
		-e 's/^  # file {$/  file {/' -e 's/^  #   path = /    path = /' -e 's/^  # }$/  }/' \
		"$EXAMPLES/ayb.conf" >"$CONF"
	grep -q "^    path = \"$EMAILS\"" "$CONF" ||
		bail "examples/ayb.conf changed shape: no commented file email backend to enable"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R www-data:www-data "$T/data"
		chgrp www-data "$CONF"
		chmod 640 "$CONF"
	fi
}

# deploy_example FILE [SED_ARGS...]: prints examples/FILE with the
# installed paths replaced by this run's, then SED_ARGS applied.
deploy_example() {
	_f=$1
	shift
	[ -f "$EXAMPLES/$_f" ] || bail "examples/$_f is missing"
	sed -e "s|/usr/libexec/ayb-c/|$BIN/|g" -e "s|/usr/libexec/ayb-c|$BIN|g" \
		-e "s|/etc/ayb/ayb.conf|$CONF|g" -e "s|/var/lib/ayb|$T/data|g" \
		"$EXAMPLES/$_f" | if [ $# -gt 0 ]; then sed "$@"; else cat; fi
}

# running PATH: how many processes run the program at PATH.
running() {
	ps -eo args= | grep -c "^$1\( \|\$\)"
}

# ---- servers ---------------------------------------------------------------------------
# deploy_start NAME CMD...: runs CMD as a direct child (so its PID is the
# server's), output in $T/log/NAME.out; sets PID.  The server gets its own
# session: Apache's prefork MPM signals its whole process group when it
# stops, which would otherwise include this script.  (setsid execs in place
# here: a background job of a script does not lead its process group.)
deploy_start() {
	_n=$1
	shift
	mkdir -p "$T/log"
	setsid "$@" >"$T/log/$_n.out" 2>&1 &
	PID=$!
	_deploy_pids="$PID $_deploy_pids"
}

# deploy_stop PID [SIGNAL]: stops a server started by deploy_start and
# waits for it; sets STOP_STATUS.
deploy_stop() {
	kill "-${2:-TERM}" "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	STOP_STATUS=$?
	deploy_forget "$1"
}

# deploy_forget PID: a tracked process that has been waited for; its PID
# may belong to someone else's process by the time the test exits.
deploy_forget() {
	_deploy_pids=$(echo "$_deploy_pids" | sed "s/\\b$1\\b//")
}

# deploy_track PID: another background process to stop on exit.
deploy_track() {
	_deploy_pids="$1 $_deploy_pids"
}

deploy_pidfile() {
	_deploy_pidfiles="$_deploy_pidfiles $1"
}

# gone PID...: 0 once none of the processes exists any more (3 s at most).
gone() {
	_i=0
	while [ $_i -lt 60 ]; do
		_alive=
		for _p; do
			kill -0 "$_p" 2>/dev/null && _alive=1
		done
		[ -z "$_alive" ] && return 0
		_i=$((_i + 1))
		sleep 0.05
	done
	return 1
}

port_free() {
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# deploy_wait URL [PID]: until URL/health answers 200; bails out when PID
# (default: the last deploy_start) has exited or after 10 s.
deploy_wait() {
	_i=0
	while [ $_i -lt 200 ]; do
		if ! kill -0 "${2:-$PID}" 2>/dev/null; then
			cat "$T"/log/*.out "$T"/log/*.log 2>/dev/null | tail -30 | sed 's/^/# /'
			bail "server exited during start-up"
		fi
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1/health")" = 200 ] && return 0
		_i=$((_i + 1))
		sleep 0.05
	done
	cat "$T"/log/*.out "$T"/log/*.log 2>/dev/null | tail -30 | sed 's/^/# /'
	bail "not ready: $1"
}

# deploy_serve NAME URL CMD...: a web server on URL's port (free first)
# started by deploy_start and waited for with deploy_wait; sets PID.
deploy_serve() {
	_n=$1 _u=$2
	shift 2
	port_free "${_u##*:}" || bail "port ${_u##*:} is taken"
	deploy_start "$_n" "$@"
	deploy_wait "$_u"
}

# deploy_nginx_conf ACCESS_LOG SITES: $T/nginx/nginx.conf, a minimal
# nginx that runs one worker as www-data with every path under $T, around
# the server blocks or include lines SITES; with Debian's fastcgi_params.
deploy_nginx_conf() {
	mkdir -p "$T/nginx" "$T/run" "$T/log"
	cp /etc/nginx/fastcgi_params "$T/nginx/fastcgi_params"
	cat >"$T/nginx/nginx.conf" <<CONF
daemon off;
user www-data www-data;
worker_processes 1;
pid $T/run/nginx.pid;
error_log $T/log/nginx-error.log;
events { worker_connections 64; }
http {
	access_log $1;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
$2
}
CONF
}

# deploy_nginx NAME: nginx on $T/nginx/nginx.conf, as a direct child; sets PID.
deploy_nginx() {
	deploy_start "$1" nginx -e "$T/log/nginx-error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf"
}

_deploy_cleanup() {
	for _p in $_deploy_pids; do
		kill "$_p" 2>/dev/null
	done
	for _p in $_deploy_pids; do
		wait "$_p" 2>/dev/null
	done
	for _f in $_deploy_pidfiles; do
		[ -f "$_f" ] || continue
		for _p in $(cat "$_f"); do
			kill "$_p" 2>/dev/null
		done
	done
	_e2e_cleanup
}
trap _deploy_cleanup EXIT

# ---- the smoke flow ----------------------------------------------------------------------
smoke() {
	_url=$1 _ent=$2
	run --url "$_url" register "$_ent" "$_ent@example.org"
	is "$RC:$OUT$ERR" "0:Check your email to finish registering $_ent$NL" "$WHAT: register"
	_tok=$(email_token "$_ent@example.org")
	run --url "$_url" confirm "$_tok"
	like "$RC:$OUT$ERR" "0:Successfully authenticated $_ent and saved token ayb_" "$WHAT: confirm"
	run --url "$_url" create_database "$_ent/smoke.sqlite"
	is "$RC:$OUT$ERR" "0:Successfully created $_ent/smoke.sqlite$NL" \
		"$WHAT: create_database (the bearer token reaches ayb-api.fcgi)"
	run --url "$_url" query "$_ent/smoke.sqlite" "CREATE TABLE t(x integer, s text)"
	is "$RC:$OUT$ERR" "0:${NL}Rows: 0$NL" "$WHAT: query CREATE TABLE"
	run --url "$_url" query "$_ent/smoke.sqlite" "INSERT INTO t VALUES (42, 'deployed')"
	run --url "$_url" query "$_ent/smoke.sqlite" "SELECT x, s FROM t"
	is "$RC:$OUT$ERR" "0: x  | s $NL----+----------$NL 42 | deployed $NL${NL}Rows: 1$NL" \
		"$WHAT: query SELECT reads the row back"
}
