#!/bin/sh
# examples/apache-fcgid.conf under a real Apache 2.4 with mod_fcgid (workers
# and FastCGI processes as www-data): the smoke flow with `ayb client`
# (which needs the Authorization header passed: CGIPassAuth On), a body
# above mod_fcgid's default limit, then a stop that ends every FastCGI
# process.
WHAT="Apache + mod_fcgid"
. "$(dirname "$0")/lib.sh"

MODULES=/usr/lib/apache2/modules
deploy_need apache2 curl ss
[ -f "$MODULES/mod_fcgid.so" ] || deploy_skip "mod_fcgid is not installed (libapache2-mod-fcgid)"
deploy_need_root
deploy_bin
deploy_config
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
mkdir -p "$T/apache" "$T/run" "$T/log"

# The example is a Debian sites-available file: wrap it in the little a
# whole httpd.conf needs (Debian's apache2.conf would provide it).
deploy_example apache-fcgid.conf -e "s|<VirtualHost \\*:80>|<VirtualHost 127.0.0.1:$PORT>|" \
	>"$T/apache/site.conf"
cat >"$T/apache/httpd.conf" <<CONF
ServerRoot "$T/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile $T/run/httpd.pid
DefaultRuntimeDir $T/run
Mutex file:$T/run default
ErrorLog $T/log/httpd-error.log
Define APACHE_LOG_DIR $T/log
LogFormat "%h %l %u %t \"%r\" %>s %O" combined
LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule alias_module $MODULES/mod_alias.so
LoadModule fcgid_module $MODULES/mod_fcgid.so
User www-data
Group www-data
FcgidIPCDir $T/run/fcgid
FcgidProcessTableFile $T/run/fcgid_shm
Include $T/apache/site.conf
CONF

apache2 -t -f "$T/apache/httpd.conf" >"$T/log/syntax.out" 2>&1
ok $? "$WHAT: the example passes apache2 -t"
deploy_serve apache "$URL" apache2 -DFOREGROUND -f "$T/apache/httpd.conf"
APACHE=$PID

smoke "$URL" fcgid
pid=$(ps -eo pid=,args= | awk -v p="$BIN/ayb-api.fcgi" '$2 == p { print $1; exit }')
is "$(ps -o user= -p "${pid:-0}" | tr -d ' ')" www-data "$WHAT: the FastCGI processes run as www-data"

# Bodies between mod_fcgid's default limit (128 KiB) and ayb's SQL limit
# (256 KiB) get through: FcgidMaxRequestLen in the example.
token=$(sed -n 's/.*"\(ayb_[^"]*\)".*/\1/p' "$XDG_CONFIG_HOME/ayb/ayb.json")
{
	printf 'SELECT 1 -- '
	head -c 200000 /dev/zero | tr '\0' x
} >"$T/big.sql"
api POST /v1/fcgid/smoke.sqlite/query -H "Authorization: Bearer $token" --data-binary "@$T/big.sql"
is "$STATUS" 200 "$WHAT: a 200 KB query gets through"
! grep -q 'ayb_[A-Za-z0-9]*_[A-Za-z0-9]' "$T/log/httpd-error.log" "$T/log/ayb-error.log"
ok $? "$WHAT: no API token in Apache's error logs"

deploy_stop "$APACHE" TERM
is "$STOP_STATUS" 0 "$WHAT: stop"
i=0
while [ "$(running "$BIN/ayb-api.fcgi")" != 0 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.05
done
is "$(running "$BIN/ayb-api.fcgi")" 0 "$WHAT: no FastCGI process outlives Apache"
tap_done
