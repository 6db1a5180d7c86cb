#!/bin/sh
# From a fresh Debian machine to a running ayb server in one command:
# installs what is missing, builds, writes ./ayb.conf if there is none, and
# serves the API on 127.0.0.1:5433 (Ctrl-C stops it).
set -eu
cd "$(dirname "$0")/.."
./bootstrap.sh build
if [ ! -f ayb.conf ]; then
	build/cli/ayb default_server_config >ayb.conf
	echo "Wrote ayb.conf (SQLite metadata and emails under ./ayb_data)"
fi
exec build/cli/ayb server --config ayb.conf
