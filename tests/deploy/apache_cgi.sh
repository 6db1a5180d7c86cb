#!/bin/sh
# Shared hosting: examples/apache-cgi.htaccess in the document root of an
# Apache 2.4 with mod_cgi that allows .htaccess overrides, as a hosting
# company would run it (the configuration here is the host's, not ours):
# ayb-api.fcgi as a plain CGI program (ayb.cgi) beside it, the smoke flow
# with `ayb client`, and nothing left running afterwards.
WHAT="Apache + mod_cgi (.htaccess)"
. "$(dirname "$0")/lib.sh"

MODULES=/usr/lib/apache2/modules
deploy_need apache2 curl ss
[ -f "$MODULES/mod_cgi.so" ] && [ -f "$MODULES/mod_mpm_prefork.so" ] ||
	deploy_skip "Apache's mod_cgi or mpm_prefork is missing"
deploy_need_root
deploy_bin
deploy_config
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
SITE=$T/home/api.example.org
mkdir -p "$T/apache" "$T/run" "$T/log" "$SITE"

# What the user uploads: the two programs and the .htaccess.
cp "$BIN/ayb-api.fcgi" "$SITE/ayb.cgi"
for p in ayb-query-worker ayb-link-check; do
	[ -x "$BIN/$p" ] && cp "$BIN/$p" "$SITE/"
done
chmod 755 "$SITE"/*
deploy_example apache-cgi.htaccess -e "s|/home/USER/ayb/ayb.conf|$CONF|" >"$SITE/.htaccess"
grep -q "^SetEnv AYB_CONFIG $CONF\$" "$SITE/.htaccess" || bail "the .htaccess example has no SetEnv AYB_CONFIG line"

# The hosting company's side: CGI allowed, overrides allowed in user sites.
cat >"$T/apache/httpd.conf" <<CONF
ServerRoot "$T/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile $T/run/httpd.pid
DefaultRuntimeDir $T/run
Mutex file:$T/run default
ErrorLog $T/log/httpd-error.log
LoadModule mpm_prefork_module $MODULES/mod_mpm_prefork.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule mime_module $MODULES/mod_mime.so
TypesConfig /etc/mime.types
LoadModule env_module $MODULES/mod_env.so
LoadModule rewrite_module $MODULES/mod_rewrite.so
LoadModule cgi_module $MODULES/mod_cgi.so
User www-data
Group www-data
DocumentRoot $SITE
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory $SITE>
	AllowOverride All
	Require all granted
</Directory>
CONF

apache2 -t -f "$T/apache/httpd.conf" >"$T/log/syntax.out" 2>&1
ok $? "$WHAT: the host's configuration passes apache2 -t"
deploy_serve apache "$URL" apache2 -DFOREGROUND -f "$T/apache/httpd.conf"
APACHE=$PID

smoke "$URL" shared
api GET /ayb-query-worker
is "$STATUS" 404 "$WHAT: the programs cannot be downloaded (every path goes to ayb.cgi)"
api GET /.htaccess
is "$STATUS" 404 "$WHAT: nor can the .htaccess"
api GET /v1/entity/shared -H 'Authorization: Bearer ayb_AAAA_BBBBBBBB'
is "$STATUS" 401 "$WHAT: a wrong token is refused"
! grep -q 'ayb_[A-Za-z0-9]*_[A-Za-z0-9]' "$T/log/httpd-error.log"
ok $? "$WHAT: no API token in Apache's error log"

deploy_stop "$APACHE" TERM
is "$STOP_STATUS" 0 "$WHAT: stop"
is "$(running "$SITE/ayb.cgi")" 0 "$WHAT: no CGI process left"
tap_done
