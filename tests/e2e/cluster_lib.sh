# Several machines on one (README "Several machines"): three nodes, each
# `ayb server` (lighttpd + ayb-api.fcgi) with its own data_path and port,
# one PostgreSQL metadata store and one S3 test server shared by all, and
# an nginx front hashing on the entity (examples/nginx-cluster.conf
# itself).  Sourced after lib.sh; stopped by the test's EXIT trap.
#
#   cluster_start [FORWARD [PLACEMENT [CONFIG]]]   starts everything: FORWARD is the
#                        nodes' node.forward (default x-accel), PLACEMENT their
#                        node.placement (default fewest), CONFIG more of each
#                        node's ayb.conf (as e2e_setup's argument).  Sets FRONT (the front's
#                        URL), URL=$FRONT (so lib.sh's api and register_user go
#                        through it), EMAILS, DATABASE_URL, META_DB
#   CLUSTER_NODES        "n1 n2 n3"
#   CLUSTER_CONTINUOUS   set before cluster_start: continuous backup on every node
#   cluster_url NODE     the node's own URL (lighttpd, no front)
#   cluster_conf NODE    its ayb.conf;  cluster_data NODE: its data_path
#   cluster_stop_node NODE   a graceful stop;  cluster_kill_node NODE: kill -9 of
#                        every process of the node (lighttpd, ayb-api.fcgi, workers
#                        and writers), as if its machine died
#   cluster_start_node NODE  starts it again (same port, same data)
#   cluster_placement ENTITY DB   prints node|epoch|state
#   meta_sql SQL         (lib.sh) on the shared metadata store
#   front_stop / front_start      the nginx front alone

. "$top_srcdir/tests/e2e/s3.sh"

CLUSTER_NODES="n1 n2 n3"
FRONT=
FRONT_PID=
NGINX=${AYB_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

cluster_url() { eval "echo \$_cl_url_$1"; }
cluster_conf() { echo "$T/$1/ayb.conf"; }
cluster_data() { echo "$T/$1/data"; }
_cluster_pid() { eval "echo \${_cl_pid_$1:-}"; }

# _cluster_conf NODE PORT FORWARD PLACEMENT [CONFIG]: the node's ayb.conf.
# The nodes' snapshots section; with CLUSTER_CONTINUOUS set, continuous
# backup on (`ayb server` then runs each node's shipper).
_cluster_snapshots() {
	if [ -n "${CLUSTER_CONTINUOUS:-}" ]; then
		s3_config | sed '$d'
		printf '  continuous {\n    enabled = true\n    sync_interval = "200ms"\n  }\n}\n'
	else
		s3_config
	fi
}

_cluster_conf() {
	mkdir -p "$T/$1/data"
	cat >"$T/$1/ayb.conf" <<CONF
host = "127.0.0.1"
port = $2
database_url = "$DATABASE_URL"
data_path = "$T/$1/data"
authentication {
  fernet_key = "$KEY"
  token_expiration_seconds = 3600
}
email {
  file {
    path = "$EMAILS"
  }
  max_per_client_per_hour = 1000
}
cors {
  origin = "*"
}
$(_cluster_snapshots)
node {
  name = "$1"
  url = "http://127.0.0.1:$2"
  placement = "$4"
  forward = "$3"
}
${5:-}
CONF
}

cluster_start_node() {
	_u=$(cluster_url "$1")
	[ -z "$(ss -Hltn "sport = :${_u##*:}" 2>/dev/null)" ] || bail "port of $1 is taken"
	"$AYB" server --config "$T/$1/ayb.conf" >>"$T/$1/server.log" 2>&1 &
	eval "_cl_pid_$1=$!"
	_i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "$_u/health")" = 200 ]; do
		kill -0 "$(_cluster_pid "$1")" 2>/dev/null ||
			{ cat "$T/$1/server.log" >&2; bail "node $1 exited during start-up"; }
		_i=$((_i + 1))
		[ $_i -lt 400 ] || { cat "$T/$1/server.log" >&2; bail "node $1 not ready"; }
		sleep 0.05
	done
}

cluster_stop_node() {
	_p=$(_cluster_pid "$1")
	[ -n "$_p" ] || return 0
	kill -INT "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	eval "_cl_pid_$1="
	_cluster_kill_rest "$1"
}

# _cluster_descendants PID: PID and every process below it.
_cluster_descendants() {
	echo "$1"
	for _c in $(ps -o pid= --ppid "$1"); do
		_cluster_descendants "$_c"
	done
}

# _cluster_kill_rest NODE: kill -9 of the processes still holding a file of
# the node's data_path open (writers leave the process tree: setsid).
_cluster_kill_rest() {
	for _f in /proc/[0-9]*/fd; do
		_p=${_f#/proc/}
		_p=${_p%/fd}
		ls -l "$_f" 2>/dev/null | grep -q " $T/$1/data/" && kill -9 "$_p" 2>/dev/null
	done
	return 0
}

cluster_kill_node() {
	_p=$(_cluster_pid "$1")
	[ -n "$_p" ] || return 0
	# shellcheck disable=SC2046
	kill -9 $(_cluster_descendants "$_p") 2>/dev/null
	wait "$_p" 2>/dev/null
	eval "_cl_pid_$1="
	_cluster_kill_rest "$1"
}

cluster_placement() {
	meta_sql "SELECT p.node, p.epoch, p.state FROM placement p
		JOIN database d ON d.id = p.database_id JOIN entity e ON e.id = d.entity_id
		WHERE e.slug = '$1' AND d.slug = '$2'"
}

# front_start: examples/nginx-cluster.conf itself, its addresses replaced
# by the front's and the nodes' ports.
front_start() {
	mkdir -p "$T/front"
	_sed="s|listen 127.0.0.1:5433;|listen 127.0.0.1:${FRONT##*:};|"
	_k=4
	for _n in $CLUSTER_NODES; do
		_u=$(cluster_url "$_n")
		_sed="$_sed;s|127.0.0.1:543$_k|${_u#http://}|g"
		_k=$((_k + 1))
	done
	sed -e "$_sed" "$top_srcdir/examples/nginx-cluster.conf" >"$T/front/nginx.conf"
	"$NGINX" -t -q -e "$T/front/error.log" -p "$T/front" -c "$T/front/nginx.conf" ||
		bail "the front's nginx configuration is refused"
	"$NGINX" -e "$T/front/error.log" -p "$T/front" -c "$T/front/nginx.conf" &
	FRONT_PID=$!
	_i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "$FRONT/health")" = 200 ]; do
		kill -0 "$FRONT_PID" 2>/dev/null || { cat "$T/front/error.log" >&2; bail "nginx exited"; }
		_i=$((_i + 1))
		[ $_i -lt 200 ] || bail "the front is not ready"
		sleep 0.05
	done
}

front_stop() {
	[ -n "$FRONT_PID" ] || return 0
	kill -QUIT "$FRONT_PID" 2>/dev/null
	wait "$FRONT_PID" 2>/dev/null
	FRONT_PID=
}

cluster_stop() {
	front_stop
	for _n in $CLUSTER_NODES; do
		cluster_stop_node "$_n"
	done
}

cluster_start() {
	_fwd=${1:-x-accel}
	_place=${2:-fewest}
	AYB_E2E_METADATA=pg
	_e2e_metadata
	s3_start
	EMAILS=$T/emails.jsonl
	KEY=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')
	for _n in $CLUSTER_NODES; do
		_port=$(free_port)
		eval "_cl_url_$_n=http://127.0.0.1:$_port"
		_cluster_conf "$_n" "$_port" "$_fwd" "$_place" "${3:-}"
		cluster_start_node "$_n"
	done
	FRONT=http://127.0.0.1:$(free_port)
	URL=$FRONT
	front_start
}

trap 'cluster_stop; s3_stop; _e2e_cleanup' EXIT
