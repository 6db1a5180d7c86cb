#!/bin/sh
# examples/lighttpd.conf under a real lighttpd running its workers as
# www-data: the smoke flow with `ayb client`, then a graceful stop that ends
# every FastCGI process.
WHAT=lighttpd
. "$(dirname "$0")/lib.sh"

deploy_need lighttpd curl ss
deploy_need_root
deploy_bin
deploy_config
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
mkdir -p "$T/www" "$T/run" "$T/log" "$T/upload"
chown www-data:www-data "$T/run" "$T/log" "$T/upload"

# The example is a Debian conf-available snippet: wrap it in the little a
# whole lighttpd.conf needs, and point it at this run's host and socket.
deploy_example lighttpd.conf -e "s|\"ayb.example.org\"|\"127.0.0.1:$PORT\"|" \
	-e "s|/run/lighttpd/ayb-api.sock|$T/run/ayb-api.sock|" >"$T/site.conf"
cat >"$T/lighttpd.conf" <<CONF
server.bind = "127.0.0.1"
server.port = $PORT
server.username = "www-data"
server.groupname = "www-data"
server.document-root = "$T/www"
server.errorlog = "$T/log/lighttpd-error.log"
server.upload-dirs = ( "$T/upload" )
include "$T/site.conf"
CONF

lighttpd -tt -f "$T/lighttpd.conf" >"$T/log/syntax.out" 2>&1
ok $? "$WHAT: the example passes lighttpd -tt"
deploy_serve lighttpd "$URL" lighttpd -D -f "$T/lighttpd.conf"
LIGHTTPD=$PID

smoke "$URL" lighty
is "$(ps -o user= -p "$(ps -eo pid=,args= | awk -v p="$BIN/ayb-api.fcgi" '$2 == p { print $1; exit }')" | tr -d ' ')" \
	www-data "$WHAT: the FastCGI processes run as www-data"
is "$(running "$BIN/ayb-api.fcgi")" 4 "$WHAT: max-procs FastCGI processes"

# A POST without a body (and without Content-Length) is refused by lighttpd
# itself, before ayb-api.fcgi; documented in the README.
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/v1/log_in" -H 'entity: lighty')" 411 \
	"$WHAT: lighttpd answers 411 to a POST without Content-Length"

deploy_stop "$LIGHTTPD" INT
is "$STOP_STATUS" 0 "$WHAT: graceful stop"
i=0
while [ "$(running "$BIN/ayb-api.fcgi")" != 0 ] && [ $i -lt 60 ]; do
	i=$((i + 1))
	sleep 0.05
done
is "$(running "$BIN/ayb-api.fcgi")" 0 "$WHAT: no FastCGI process outlives lighttpd"
tap_done
