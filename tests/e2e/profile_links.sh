#!/bin/sh
# Profile links (README "The HTTP API": profile links): PATCH /v1/entity/<me>
# stores them and answers without waiting for any link; ayb-link-check then
# fetches each https link and writes the verified flags back.  It connects to
# loopback and private addresses only with profile_links.allow_private_targets,
# and a profile has at most 16 links.  The far ends are
# tests/tools/link-server.js: one that accepts and holds connections, one that
# serves pages over HTTPS with a throwaway certificate.
. "$(dirname "$0")/lib.sh"

NODE=$(command -v node || echo /usr/bin/node)
LS_PIDS=
trap 'for p in $LS_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; _e2e_cleanup' EXIT

# link_server NAME FD MODE [ARGS...]: starts link-server.js, its commands
# written on file descriptor FD (see ls_cmd), its output in $T/NAME.log;
# sets LS_PORT once it listens.
link_server() {
	_n=$1 _fd=$2
	shift 2
	mkfifo "$T/$_n.ctl"
	"$NODE" "$top_srcdir/tests/tools/link-server.js" "$@" <"$T/$_n.ctl" >"$T/$_n.log" 2>&1 &
	LS_PIDS="$LS_PIDS $!"
	eval "exec $_fd>\"\$T/\$_n.ctl\""
	_i=0
	until grep -q '^listening ' "$T/$_n.log"; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] || { cat "$T/$_n.log" >&2; bail "link server $_n not ready"; }
		sleep 0.05
	done
	LS_PORT=$(sed -n 's/^listening //p' "$T/$_n.log")
}

# ls_cmd NAME FD COMMAND: sends COMMAND and waits for its answer (the line
# that starts with the command's name); prints it.
ls_cmd() {
	_before=$(wc -l <"$T/$1.log")
	echo "$3" >&"$2"
	_i=0
	until _answer=$(sed -n "$((_before + 1)),\$p" "$T/$1.log" | grep "^$3" | head -1) &&
		[ -n "$_answer" ]; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] || bail "link server $1 did not answer $3"
		sleep 0.05
	done
	echo "$_answer"
}

# links_json URL...: the PATCH body setting those links.
links_json() {
	_l=
	for _u; do
		_l="$_l${_l:+,}{\\\"url\\\":\\\"$_u\\\"}"
	done
	printf '{"links":"[%s]"}' "$_l"
}

patch_links() {
	_who=$1 _tok=$2
	shift 2
	api PATCH "/v1/entity/$_who" -H "Authorization: Bearer $_tok" \
		-H 'Content-Type: application/json' -d "$(links_json "$@")"
}

# poll_profile ENTITY TOKEN SUBSTRING: polls GET /v1/entity/ENTITY (at most
# 30 s: the checker's own budget is 20 s) until its body holds SUBSTRING.
poll_profile() {
	_i=0
	while :; do
		api GET "/v1/entity/$1" -H "Authorization: Bearer $2"
		case "$BODY" in *"$3"*) return 0 ;; esac
		_i=$((_i + 1))
		[ $_i -lt 600 ] || return 1
		sleep 0.05
	done
}

# ---- with the default configuration: no private targets ------------------------
e2e_setup
e2e_start_server
TOK=$(register_user carol carol@example.org) || bail "register carol"

# (d) At most 16 links: the 17th is refused whole, in ayb's error shape.
set -- $(seq 1 17 | sed 's|^|http://ayb.host/|')
patch_links carol "$TOK" "$@"
is "$STATUS $BODY" '400 {"type":"Other","message":"Too many links: a profile has at most 16"}' \
	"17 links: 400"
shift
patch_links carol "$TOK" "$@"
is "$STATUS $BODY" "200 {}" "16 links: 200"
api GET /v1/entity/carol -H "Authorization: Bearer $TOK"
like "$BODY" '{"url":"http://ayb.host/17","verified":false}]' "all 16 stored"

# A link that is not new keeps its flag: set by hand here, since nothing on
# loopback can be verified without the switch.  http links start no checker.
meta_sql "UPDATE entity SET links = '[{\"url\":\"http://ayb.host/a\",\"verified\":true}]' WHERE slug = 'carol'"
patch_links carol "$TOK" http://ayb.host/a http://ayb.host/b
is "$STATUS" 200 "update keeping one link"
api GET /v1/entity/carol -H "Authorization: Bearer $TOK"
like "$BODY" '"links":[{"url":"http://ayb.host/a","verified":true},{"url":"http://ayb.host/b","verified":false}]' \
	"the unchanged link keeps its flag, the new one is unverified"

# (b) Loopback targets, by address and by name, get no connection.  The
# checker is seen done when it clears the flags set by hand (checking
# afresh, it finds nothing verifiable).
link_server rec 3 hold
REC_PORT=$LS_PORT
L1=https://127.0.0.1:$REC_PORT/me
L2=https://localhost:$REC_PORT/me
meta_sql "UPDATE entity SET links = '[{\"url\":\"$L1\",\"verified\":true},{\"url\":\"$L2\",\"verified\":true}]' WHERE slug = 'carol'"
patch_links carol "$TOK" "$L1" "$L2"
is "$STATUS" 200 "links to loopback are accepted"
poll_profile carol "$TOK" "\"links\":[{\"url\":\"$L1\",\"verified\":false},{\"url\":\"$L2\",\"verified\":false}]"
ok $? "the checker ran: both loopback links are unverified"
is "$(grep -c '^accept' "$T/rec.log")" 0 "and it connected to neither (127.0.0.1, localhost)"
e2e_stop_server

# ---- with profile_links.allow_private_targets (and the test's CA) --------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=127.0.0.1 -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/openssl.log" ||
	{ cat "$T/openssl.log" >&2; bail "openssl req"; }
e2e_setup "profile_links {
  allow_private_targets = true
  ca_file = \"$T/cert.pem\"
}"
# An override with a secret's shape, which ayb-api.fcgi gets and the checker must not.
export AYB__CORS__ORIGIN='*'
e2e_start_server
TOK=$(register_user dave dave@example.org) || bail "register dave"

# (a) The answer does not wait for the links: a listener that accepts and
# holds each connection until released.  When the PATCH has answered, no
# connection has been given up by the checker (a check inside the request
# would have had to time out first); then the checker's connection
# arrives, and /health answers while it is held.  Four links keep the
# checker busy for its whole 20 s budget, one 5 s link at a time, until the
# release.
link_server hold 4 hold
HOLD=https://127.0.0.1:$LS_PORT
patch_links dave "$TOK" "$HOLD/1" "$HOLD/2" "$HOLD/3" "$HOLD/4"
is "$STATUS $BODY" "200 {}" "PATCH with a link to a listener that holds"
like "$(ls_cmd hold 4 mark)" " closed=0" \
	"it answered while the listener held every connection it got"
_i=0
until grep -q '^accept' "$T/hold.log"; do
	_i=$((_i + 1))
	[ $_i -lt 200 ] || break
	sleep 0.05
done
ok $((_i >= 200)) "the checker connects after the answer"
api GET /health
is "$STATUS $BODY" '200 {"status":"ok"}' "/health answers meanwhile"
# The checker holds no socket or pipe of ayb-api.fcgi's, and is no child of it.
fd_targets() {
	for _p; do
		for _f in /proc/"$_p"/fd/*; do readlink "$_f"; done
	done 2>/dev/null
}
# checkers: this server's link checkers, the processes with its AYB_CONFIG
# that are not its FastCGI processes: ayb-link-check, or a fork about to
# exec it (named ayb-api.fcgi, its parent gone).
checkers() {
	ps -eo pid=,ppid=,comm= | while read -r _p _pp _c; do
		case $_c in
		ayb-link-check) ;;
		ayb-api.fcgi)
			case $(ps -o comm= -p "$_pp") in ayb-api.fcgi | lighttpd) continue ;; esac ;;
		*) continue ;;
		esac
		{ tr '\0' '\n' <"/proc/$_p/environ"; } 2>/dev/null |
			grep -qxF "AYB_CONFIG=$T/ayb.conf" && echo "$_p"
	done
}
checker=$(checkers)
fcgi=$(e2e_fcgi_pids)
[ -n "$checker" ] && [ -n "$fcgi" ]
ok $? "the checker is running ($checker) beside ayb-api.fcgi ($fcgi)"
fd_targets $fcgi | grep -E '^(socket|pipe):' | sort -u >"$T/fcgi.fds"
fd_targets $checker | grep -E '^(socket|pipe):' | sort -u >"$T/checker.fds"
is "$(comm -12 "$T/fcgi.fds" "$T/checker.fds")" "" "it shares no socket or pipe with ayb-api.fcgi"
[ -n "$checker" ] && ! tr '\0' '\n' <"/proc/$checker/environ" | grep -qE '^(AYB__|HTTP_)'
ok $? "its environment has no AYB__ overrides or request headers"
ppid=$([ -n "$checker" ] && ps -o ppid= -p "$checker" | tr -d ' ')
[ -n "$ppid" ] && ! echo " $fcgi " | grep -q " $ppid "
ok $? "and is not its child (its parent: ${ppid:-none})"
api GET /v1/entity/dave -H "Authorization: Bearer $TOK"
like "$BODY" "{\"url\":\"$HOLD/1\",\"verified\":false}" "the held link is unverified meanwhile"

# (c) A page that links back with rel=me becomes verified once the checker
# has run; one that does not stays unverified.  Updated while the first
# checker still holds the entity's lock: the new update's checker leaves,
# and the running one checks the new links after its pass.
mkdir -p "$T/pages"
printf '<html><body><a href="http://localhost:%s/dave" rel="me noopener">me</a></body></html>\n' \
	"$PORT" >"$T/pages/me"
printf '<html><body><a href="http://localhost:%s/dave">not rel=me</a></body></html>\n' \
	"$PORT" >"$T/pages/other"
link_server pages 5 https "$T/cert.pem" "$T/key.pem" "$T/pages"
ME=https://127.0.0.1:$LS_PORT/me
OTHER=https://localhost:$LS_PORT/other
patch_links dave "$TOK" "$ME" "$OTHER"
is "$STATUS $BODY" "200 {}" "PATCH with links to a local https page, while a check runs"
_i=0
until [ "$(checkers)" = "$checker" ]; do
	_i=$((_i + 1))
	[ $_i -lt 200 ] || break
	sleep 0.05
done
ok $((_i >= 200)) "its checker found the lock taken and left; the first one runs on"
[ $_i -lt 200 ] || echo "# checkers now: $(checkers | tr '\n' ' ')"
ls_cmd hold 4 release >/dev/null
poll_profile dave "$TOK" "\"links\":[{\"url\":\"$ME\",\"verified\":true},{\"url\":\"$OTHER\",\"verified\":false}]"
ok $? "the page linking back with rel=me is verified, the other one is not"

# The checker left no process behind: not the one ayb-api.fcgi waited for,
# nor a zombie among the FastCGI processes' children.
zombies=
for f in $(e2e_fcgi_pids); do
	zombies="$zombies$(ps -o stat= --ppid "$f" | grep '^Z')"
done
is "$zombies" "" "no zombie children of ayb-api.fcgi"

tap_done
