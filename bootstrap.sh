#!/bin/sh
# Installs the Debian packages ayb-c needs (only those missing) and builds it
# out of tree:  ./bootstrap.sh [--test] [BUILD_DIR [CONFIGURE_ARGS...]]
#   --test      also install what the test suite needs (lighttpd is always
#               installed: `ayb server` runs it), and the npm test tools
#   BUILD_DIR   default: build
# Used by examples/quickstart.sh and tests/run-all.sh.
set -eu
cd "$(dirname "$0")"
top=$(pwd)

with_tests=
if [ "${1:-}" = --test ]; then
	with_tests=1
	shift
fi
build=${1:-build}
[ $# -gt 0 ] && shift

packages="autoconf automake pkg-config make gcc libc6-dev \
libfcgi-dev libsqlite3-dev libpq-dev libcjson-dev libsodium-dev libzstd-dev \
libcurl4-openssl-dev libconfuse-dev libedit-dev libseccomp-dev lighttpd curl ca-certificates"
[ -n "$with_tests" ] && packages="$packages sqlite3 iproute2 procps chromium postgresql"
# Snapshot tests: an independent S3 client, zstd, and flock/b2sum (util-linux, coreutils).
[ -n "$with_tests" ] && packages="$packages awscli zstd util-linux coreutils"
# Deployment tests (tests/deploy): the other web servers, systemd's socket
# activation tools, groff for the man pages, and what builds the .deb.
[ -n "$with_tests" ] && packages="$packages nginx spawn-fcgi apache2 libapache2-mod-fcgid \
systemd groff-base dpkg-dev debhelper"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$with_tests" ] && ! command -v node >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
if [ -n "$missing" ]; then
	echo "Installing Debian packages:$missing"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	# Installing lighttpd must not start a system-wide web server.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
		$sudo chmod +x /usr/sbin/policy-rc.d
	fi
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Re-run when a tool added to package.json is missing from node_modules.
if [ -n "$with_tests" ] && [ ! -d tests/tools/node_modules/playwright-core ]; then
	(cd tests/tools && npm ci --no-audit --no-fund --loglevel=error)
fi

# A tree configured in place blocks out-of-tree builds.
[ -f config.status ] && make distclean >/dev/null
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
	"$top/configure" -q "$@"
fi
make -s -j"$(nproc)"
