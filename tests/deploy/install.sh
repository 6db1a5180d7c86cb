#!/bin/sh
# `make install DESTDIR=...`: every file where it belongs, the installed
# programs run (`ayb server` with the installed ayb-api.fcgi, the smoke flow
# with the installed `ayb client`), the man pages render without warnings,
# and `make uninstall` takes everything back.
WHAT="make install"
. "$(dirname "$0")/lib.sh"

deploy_need lighttpd curl ss make
STAGE=$T/stage
MAKE=${MAKE:-make}

# dir NAME: an installation directory as the build configured it (a
# recursive make, as under distcheck, may still announce its directory).
dir() {
	printf 'show:\n\t@echo "dir=$(%s)"\n' "$1" |
		$MAKE -s --no-print-directory -C "$top_builddir" -f Makefile -f - show |
		sed -n 's/^dir=//p'
}
bindir=$(dir bindir)
pkglibexecdir=$(dir pkglibexecdir)
sysconfdir=$(dir sysconfdir)
mandir=$(dir mandir)
docdir=$(dir docdir)
[ -n "$bindir" ] && [ -n "$pkglibexecdir" ] || bail "cannot read the installation directories"

$MAKE -s --no-print-directory -C "$top_builddir" install DESTDIR="$STAGE" >"$T/install.log" 2>&1
ok $? "$WHAT: succeeds"
[ $? -eq 0 ] || sed 's/^/# /' "$T/install.log" | tail -20

for f in "$bindir/ayb" "$bindir/ayb-snapshot" "$pkglibexecdir/ayb-api.fcgi" \
	"$pkglibexecdir/ayb-query-worker" "$pkglibexecdir/ayb-link-check"; do
	[ -x "$STAGE$f" ]
	ok $? "$WHAT: $f"
done
cmp -s "$STAGE$sysconfdir/ayb/ayb.conf.example" "$top_srcdir/examples/ayb.conf"
ok $? "$WHAT: $sysconfdir/ayb/ayb.conf.example is examples/ayb.conf"
[ ! -e "$STAGE$sysconfdir/ayb/ayb.conf" ]
ok $? "$WHAT: no ayb.conf of its own (a fresh key is the administrator's to make)"
for m in man1/ayb.1 man5/ayb.conf.5 man8/ayb-api.fcgi.8 man8/ayb-snapshot.8; do
	[ -f "$STAGE$mandir/$m" ]
	ok $? "$WHAT: $mandir/$m"
done
for e in lighttpd.conf nginx-tcp.conf nginx-unix.conf spawn-fcgi.sh apache-fcgid.conf \
	apache-cgi.htaccess crontab systemd/ayb-api.socket systemd/ayb-api.service \
	systemd/ayb-snapshot.service systemd/ayb-snapshot.timer; do
	cmp -s "$STAGE$docdir/examples/$e" "$top_srcdir/examples/$e"
	ok $? "$WHAT: $docdir/examples/$e"
done

# The man pages: groff finds nothing to warn about.
if command -v groff >/dev/null 2>&1; then
	for m in "$STAGE$mandir"/man*/*; do
		w=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
		is "$w" "" "$WHAT: $(basename "$m") renders without warnings"
	done
else
	ok 0 "$WHAT: man pages render # SKIP groff is not installed"
fi

# ---- the installed programs ---------------------------------------------------------
AYB=$STAGE$bindir/ayb
is "$("$AYB" --version)" "ayb 0.1.12" "$WHAT: the installed ayb runs"
like "$("$STAGE$bindir/ayb-snapshot" --help 2>&1)" "Usage: ayb-snapshot" "$WHAT: the installed ayb-snapshot runs"
"$AYB" default_server_config >"$T/ayb.conf"
ok $? "$WHAT: ayb default_server_config"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
EMAILS=$T/ayb_data/emails.jsonl
sed -i "s/^port = .*/port = $PORT/" "$T/ayb.conf"
port_free "$PORT" || bail "port $PORT is taken"
# DESTDIR is a staging area: the programs were built for $pkglibexecdir,
# so `ayb server` is told where the staged ayb-api.fcgi is.
deploy_start server env AYB_API_FCGI="$STAGE$pkglibexecdir/ayb-api.fcgi" \
	"$AYB" server --config "$T/ayb.conf"
SERVER=$PID
deploy_wait "$URL"
like "$(cat "$T/log/server.out")" "Starting server 127.0.0.1:$PORT" "$WHAT: the installed ayb server starts"
smoke "$URL" installed
deploy_stop "$SERVER" TERM
is "$STOP_STATUS" 0 "$WHAT: ayb server stops on SIGTERM"

# ---- uninstall -------------------------------------------------------------------------
$MAKE -s --no-print-directory -C "$top_builddir" uninstall DESTDIR="$STAGE" >"$T/uninstall.log" 2>&1
ok $? "$WHAT: make uninstall succeeds"
is "$(find "$STAGE" -type f | sed "s|^$STAGE||")" "" "$WHAT: make uninstall leaves no file behind"
tap_done
