#!/bin/sh
# Installs the Debian packages ayb-c needs (only those missing) and builds it
# out of tree:  ./bootstrap.sh [--test] [BUILD_DIR [CONFIGURE_ARGS...]]
#   --test      also install what the test suite needs (lighttpd is always
#               installed: `ayb server` runs it), and the npm test tools
#   BUILD_DIR   default: build
# Used by examples/quickstart.sh and tests/run-all.sh.
# DuckDB (README "DuckDB databases"): when neither Debian nor the prefix
# below has libduckdb, DuckDB's own release build is fetched through npm
# into $AYB_DUCKDB_PREFIX (default ~/.cache/ayb-c/duckdb-<version>), outside
# the source tree, and configure is pointed at it.  AYB_DUCKDB=no skips it.
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
# npm fetches the test tools and DuckDB (below).
if { [ -n "$with_tests" ] || [ "${AYB_DUCKDB:-yes}" != no ]; } &&
	! command -v npm >/dev/null 2>&1; then
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

# The pinned DuckDB: the library from the npm package of DuckDB's Node
# bindings, the header from the `duckdb` package of the same release.
duckdb_version=1.4.4
duckdb_bindings=1.4.4-r.4
duckdb_prefix=${AYB_DUCKDB_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/ayb-c/duckdb-$duckdb_version}
if [ "${AYB_DUCKDB:-yes}" != no ] && [ "$(uname -m)" = x86_64 ] &&
	[ ! -e /usr/include/duckdb.h ] && [ ! -s "$duckdb_prefix/lib/libduckdb.so" ]; then
	if command -v npm >/dev/null 2>&1; then
		echo "Fetching libduckdb $duckdb_version (npm: @duckdb/node-bindings-linux-x64@$duckdb_bindings," \
			"duckdb@$duckdb_version) into $duckdb_prefix"
		tmp=$(mktemp -d)
		mkdir -p "$duckdb_prefix/lib" "$duckdb_prefix/include"
		(cd "$tmp" && npm pack --silent --loglevel=error \
			"@duckdb/node-bindings-linux-x64@$duckdb_bindings" "duckdb@$duckdb_version" >/dev/null &&
			tar xzf "duckdb-$duckdb_version.tgz" -O package/src/duckdb/src/include/duckdb.h \
				>"$duckdb_prefix/include/duckdb.h" &&
			tar xzf "duckdb-node-bindings-linux-x64-$duckdb_bindings.tgz" -O package/libduckdb.so \
				>"$duckdb_prefix/lib/libduckdb.so.tmp" &&
			mv "$duckdb_prefix/lib/libduckdb.so.tmp" "$duckdb_prefix/lib/libduckdb.so") ||
			echo "Could not fetch libduckdb: building without DuckDB"
		rm -rf "$tmp"
	else
		echo "npm is missing: building without DuckDB (install npm, or see README \"DuckDB databases\")"
	fi
fi
duckdb_arg=
[ -s "$duckdb_prefix/lib/libduckdb.so" ] && duckdb_arg=--with-duckdb=$duckdb_prefix

# A tree configured in place blocks out-of-tree builds.
[ -f config.status ] && make distclean >/dev/null
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
	"$top/configure" -q $duckdb_arg "$@"
fi
make -s -j"$(nproc)"
