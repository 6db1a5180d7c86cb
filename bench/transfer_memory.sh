#!/bin/sh
# Peak memory of an export and an import by database size, through `ayb
# server` (lighttpd in front of ayb-api.fcgi): shows that both stream (the
# peaks stay flat while the database grows).
#
#   bench/transfer_memory.sh [SIZE_MB...]     (default: 100 1024)
#
# Run from a configured build tree (or set top_builddir).  For each size it
# builds an SQLite file of that size with sqlite3 (1 KiB random rows), then:
#   - imports it with curl (application/octet-stream, streamed from disk),
#   - exports it back (file), and compares the two with sqlite3;
#   - with SQL=1, also exports ?format=sql and imports that dump.
# For each step: the peak RSS (VmHWM) of the ayb-api.fcgi processes, reset
# before the step through /proc/PID/clear_refs, and of the query workers
# that did the work (sampled every 50 ms while they live), and the time.
# Needs sqlite3, lighttpd and curl.  Not part of `make check`.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
export top_builddir top_srcdir
. "$top_srcdir/tests/e2e/lib.sh"

SIZES=${*:-100 1024}
e2e_setup 'isolation {
  max_file_size_mb = 8192
  query_timeout_ms = 3600000
  cpu_seconds = 4000
}'
e2e_start_server
TOKEN=$(register_user bench bench@example.org) || bail "cannot register"

# hwm PID: VmHWM of a process in KiB (0 once it is gone).
hwm() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null || echo 0
}
fcgi_reset() {
	for p in $(e2e_fcgi_pids); do echo 5 >"/proc/$p/clear_refs"; done
}
fcgi_peak() {
	m=0
	for p in $(e2e_fcgi_pids); do
		h=$(hwm "$p")
		[ "${h:-0}" -gt "$m" ] && m=$h
	done
	echo "$m"
}
# watch_workers FILE: until FILE.stop exists, the largest VmHWM of any
# query worker under the FastCGI processes goes to FILE.
watch_workers() {
	echo 0 >"$1"
	m=0
	while [ ! -e "$1.stop" ]; do
		for f in $(e2e_fcgi_pids); do
			for w in $(ps -o pid= --ppid "$f"); do
				h=$(hwm "$w")
				[ "${h:-0}" -gt "$m" ] && { m=$h; echo "$m" >"$1"; }
			done
		done
		sleep 0.05
	done
}
mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'
}
# step NAME OUT CURL_ARGS...: one request, its answer in OUT, measured.
step() {
	_name=$1 _out=$2
	shift 2
	rm -f "$T/w" "$T/w.stop"
	fcgi_reset
	watch_workers "$T/w" &
	_watch=$!
	_t0=$(date +%s.%N)
	_status=$(curl -sS -o "$_out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$@")
	_t1=$(date +%s.%N)
	touch "$T/w.stop"
	wait "$_watch"
	[ "$_status" = 200 ] || { head -c 500 "$_out"; echo; bail "$_name failed: $_status"; }
	printf '%-8s %-16s %-16s %-16s %s s\n' "$mb MB" "$_name" "$(mib "$(fcgi_peak)")" \
		"$(mib "$(cat "$T/w")")" "$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.1f", b - a }')"
}

printf '%-8s %-16s %-16s %-16s %s\n' "size" "step" "fcgi peak RSS" "worker peak RSS" "time"
for mb in $SIZES; do
	db=db$mb.sqlite
	api POST "/v1/bench/$db/create" -d '' -H "Authorization: Bearer $TOKEN" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access'
	rm -f "$T/in.db"
	sqlite3 "$T/in.db" "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT $((mb * 1000)))
		INSERT INTO t(v) SELECT randomblob(1000) FROM n;" || bail "sqlite3 failed"
	step import "$T/step.out" -X POST -H 'Content-Type: application/octet-stream' -T "$T/in.db" \
		"$URL/v1/bench/$db/import"
	step export "$T/out.db" "$URL/v1/bench/$db/export"
	[ "$(sqlite3 "$T/out.db" 'SELECT count(*), sum(length(v)) FROM t')" = \
	  "$(sqlite3 "$T/in.db" 'SELECT count(*), sum(length(v)) FROM t')" ] ||
		bail "the export differs from the import"
	if [ "${SQL:-}" ]; then
		step "export sql" "$T/out.sql" "$URL/v1/bench/$db/export?format=sql"
		step "import sql" "$T/step.out" -X POST -H 'Content-Type: application/sql' -T "$T/out.sql" \
			"$URL/v1/bench/$db/import"
		step export "$T/out.db" "$URL/v1/bench/$db/export"
		[ "$(sqlite3 "$T/out.db" 'SELECT count(*), sum(length(v)) FROM t')" = \
		  "$(sqlite3 "$T/in.db" 'SELECT count(*), sum(length(v)) FROM t')" ] ||
			bail "the SQL round trip differs"
		rm -f "$T/out.sql"
	fi
	rm -f "$T/in.db" "$T/out.db"
done
