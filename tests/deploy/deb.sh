#!/bin/sh
# The Debian package: `dpkg-buildpackage -us -uc -b` on the distributed
# sources, installed with apt-get, `ayb server` run from it as the user ayb
# with the smoke flow, reinstalled (the generated configuration stays), then
# purged; whatever the package left (the user ayb, /var/lib/ayb) is removed
# when this test created it.
#
# It installs system-wide, so it runs only when asked, as root:
# AYB_TEST_DEB=1 (tests/run-all.sh sets it for its plain build only).
WHAT=deb
. "$(dirname "$0")/lib.sh"

[ "${AYB_TEST_DEB:-}" = 1 ] ||
	deploy_skip "set AYB_TEST_DEB=1 to build, install and purge the ayb package (as root)"
[ "$(id -u)" -eq 0 ] || deploy_skip "needs root"
deploy_need dpkg-buildpackage dh apt-get dpkg-query lighttpd curl ss setpriv
dpkg-query -W -f='${Status}' ayb 2>/dev/null | grep -q ' installed$' &&
	deploy_skip "a package ayb is installed already; this test would replace it"

had_user=$(getent passwd ayb)
had_group=$(getent group ayb)
[ -e /var/lib/ayb ] && had_var=1 || had_var=
_deb_cleanup() {
	if dpkg-query -W -f='${Status}' ayb 2>/dev/null | grep -qv '^unknown'; then
		[ -n "$SERVER" ] && deploy_stop "$SERVER" TERM
		dpkg --purge ayb >/dev/null 2>&1
	fi
	[ -z "$had_var" ] && rm -rf /var/lib/ayb
	[ -z "$had_user" ] && getent passwd ayb >/dev/null && userdel ayb
	[ -z "$had_group" ] && getent group ayb >/dev/null && groupdel ayb
	_deploy_cleanup
}
SERVER=
trap _deb_cleanup EXIT

# ---- build -------------------------------------------------------------------------------
version=$(sed -n '1s/^ayb (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
SRC=$T/src/ayb-$version
mkdir -p "$T/src"
make -s --no-print-directory -C "$top_builddir" distdir distdir="$SRC" top_distdir="$SRC" \
	>"$T/distdir.log" 2>&1
ok $? "$WHAT: the distributed sources, debian/ included"
[ -x "$SRC/debian/rules" ] || bail "debian/ is not distributed"
(cd "$SRC" && env -u AYB_TEST_DEB DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
ok $? "$WHAT: dpkg-buildpackage -us -uc -b"
DEB=$(ls "$T/src/ayb_${version}_"*.deb 2>/dev/null | head -1)
[ -f "$DEB" ] || {
	tail -30 "$T/build.log" | sed 's/^/# /'
	bail "no ayb_${version}_*.deb was built"
}

depends=$(dpkg-deb -f "$DEB" Depends)
for lib in libfcgi0ldbl libsqlite3-0 libpq5 libcjson1 libsodium23 libzstd1 libcurl4 \
	libconfuse2 libedit2 libseccomp2 adduser; do
	like "$depends" "$lib" "$WHAT: depends on $lib"
done
files=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\.||')
for f in /usr/bin/ayb /usr/bin/ayb-snapshot /usr/libexec/ayb-c/ayb-api.fcgi \
	/usr/libexec/ayb-c/ayb-query-worker /usr/libexec/ayb-c/ayb-link-check \
	/etc/ayb/ayb.conf.example \
	/usr/share/man/man1/ayb.1.gz /usr/share/man/man5/ayb.conf.5.gz \
	/usr/share/man/man8/ayb-api.fcgi.8.gz /usr/share/man/man8/ayb-snapshot.8.gz \
	/lib/systemd/system/ayb-api.socket /lib/systemd/system/ayb-api.service \
	/lib/systemd/system/ayb-snapshot.service /lib/systemd/system/ayb-snapshot.timer \
	/usr/share/doc/ayb/examples/nginx-unix.conf; do
	printf '%s\n' "$files" | grep -qx "$f"
	ok $? "$WHAT: ships $f"
done
! printf '%s\n' "$files" | grep -qx /etc/ayb/ayb.conf
ok $? "$WHAT: does not ship /etc/ayb/ayb.conf (each installation gets its own key)"

# ---- install -----------------------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$DEB" \
	>"$T/install.log" 2>&1
ok $? "$WHAT: apt-get install"
is "$(dpkg-query -W -f='${Status}' ayb 2>/dev/null)" "install ok installed" "$WHAT: installed"
user=$(getent passwd ayb)
like "$user" ":/var/lib/ayb:" "$WHAT: the user ayb, at home in /var/lib/ayb"
[ "$(echo "$user" | cut -d: -f3)" -lt 1000 ]
ok $? "$WHAT: ... a system user"
is "$(stat -c '%U:%G %a' /var/lib/ayb)" "ayb:ayb 750" "$WHAT: /var/lib/ayb belongs to ayb"
is "$(stat -c '%U:%G %a' /etc/ayb/ayb.conf)" "root:ayb 640" \
	"$WHAT: /etc/ayb/ayb.conf is readable by root and ayb only"
like "$(dpkg-query -W -f='${Conffiles}' ayb)" "/etc/ayb/ayb.conf.example" \
	"$WHAT: the example configuration is a conffile"
conf=$(cat /etc/ayb/ayb.conf)
like "$conf" 'data_path = "/var/lib/ayb"' "$WHAT: the configuration keeps its data in /var/lib/ayb"
like "$conf" 'database_url = "sqlite:///var/lib/ayb/ayb.sqlite"' "$WHAT: ... metadata included"
key=$(sed -n 's/^ *fernet_key = "\(.*\)"$/\1/p' /etc/ayb/ayb.conf)
is "${#key}" 44 "$WHAT: ... and a fresh 32-byte key"

# ---- ayb server from the package, as ayb --------------------------------------------------
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
EMAILS=/var/lib/ayb/emails.jsonl
port_free "$PORT" || bail "port $PORT is taken"
deploy_start server setpriv --reuid=ayb --regid=ayb --init-groups \
	env HOME=/var/lib/ayb TMPDIR=/tmp AYB__PORT="$PORT" /usr/bin/ayb server --config /etc/ayb/ayb.conf
SERVER=$PID
deploy_wait "$URL"
AYB=/usr/bin/ayb
smoke "$URL" debian
pid=$(ps -eo pid=,args= | awk '$2 == "/usr/libexec/ayb-c/ayb-api.fcgi" { print $1; exit }')
is "$(ps -o user= -p "${pid:-0}" | tr -d ' ')" ayb "$WHAT: its FastCGI processes run as ayb"
deploy_stop "$SERVER" TERM
SERVER=
is "$STOP_STATUS" 0 "$WHAT: ayb server stops on SIGTERM"

# ---- reinstall, purge ----------------------------------------------------------------------
dpkg -i "$DEB" >"$T/reinstall.log" 2>&1
ok $? "$WHAT: reinstall"
is "$(cat /etc/ayb/ayb.conf)" "$conf" "$WHAT: ... keeps the generated configuration and its key"
dpkg --purge ayb >"$T/purge.log" 2>&1
ok $? "$WHAT: purge"
[ ! -e /etc/ayb ]
ok $? "$WHAT: ... removes /etc/ayb"
[ -d /var/lib/ayb ] && getent passwd ayb >/dev/null
ok $? "$WHAT: ... keeps the databases and the user ayb"
tap_done
