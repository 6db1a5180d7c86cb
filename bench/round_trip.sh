#!/bin/bash
# Where B1's point query spends its CPU and its system calls, by process,
# against the servers `bench/run.sh -p B1` keeps running (bench/RESULTS.md,
# issue 18 item 4).
#
#   bench/round_trip.sh SERVERS_ENV [SECONDS]
#
# SERVERS_ENV is the file `bench/run.sh -p` prints.  First a wrk run of B1's
# query (32 connections, SECONDS, default 5) with the CPU time (user +
# system) of lighttpd, its FastCGI processes and their query workers, each
# divided by the requests answered; then a shorter, lighter run (4
# connections, 3 s) under `strace -c -f` attached to the FastCGI processes
# (every thread) and, separately, to the workers, printed as calls per
# request.  Needs wrk and strace; run it as a user that may trace them.
set -u
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
	sed -n '2,14s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
# shellcheck disable=SC1090
. "$1"
SECS=${2:-5}
export BENCH_TOKEN BENCH_SQL BENCH_IDS
target=$URL/v1/bench/point.sqlite/query
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# ticks PID...: user + system clock ticks used so far by these processes.
ticks() {
	for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
		sed 's/.*) //' | awk '{ t += $12 + $13 } END { print t + 0 }'
}
requests() { awk '/ requests in / { print $1 }' "$1"; }

# A warm-up, so that every request thread has its worker.
wrk -t2 -c32 -d1s -s "$LUA" "$target" >/dev/null 2>&1
# shellcheck disable=SC2086
fcgi=$(ps -o pid= --ppid "$AYB_PID" | tr '\n' ' ')
# shellcheck disable=SC2086
workers=$(for p in $fcgi; do ps -o pid= --ppid "$p"; done | tr '\n' ' ')

# shellcheck disable=SC2086
l0=$(ticks "$AYB_PID") f0=$(ticks $fcgi) w0=$(ticks $workers)
wrk -t2 -c32 -d"${SECS}s" -s "$LUA" "$target" >"$out/wrk" 2>&1
# shellcheck disable=SC2086
l1=$(ticks "$AYB_PID") f1=$(ticks $fcgi) w1=$(ticks $workers)
awk -v n="$(requests "$out/wrk")" -v hz="$(getconf CLK_TCK)" -v l=$((l1 - l0)) \
	-v f=$((f1 - f0)) -v w=$((w1 - w0)) 'BEGIN {
	us = 1e6 / hz / n
	printf "%d requests; CPU per request: lighttpd %.1f us, ayb-api.fcgi %.1f us, ", n, l * us, f * us
	printf "workers %.1f us, all %.1f us\n", w * us, (l + f + w) * us }'
grep '^Requests/sec' "$out/wrk"

fa=''
wa=''
for p in $fcgi; do fa="$fa -p $p"; done
for p in $workers; do wa="$wa -p $p"; done
# shellcheck disable=SC2086
strace -c -f -o "$out/fcgi" $fa 2>/dev/null &
s1=$!
# shellcheck disable=SC2086
strace -c -f -o "$out/worker" $wa 2>/dev/null &
s2=$!
sleep 1
wrk -t1 -c4 -d3s -s "$LUA" "$target" >"$out/wrk-strace" 2>&1
kill -INT "$s1" "$s2"
wait "$s1" "$s2"
n=$(requests "$out/wrk-strace")
for who in fcgi worker; do
	awk -v n="$n" -v who="$who" '
	$1 ~ /^[0-9.]+$/ && $NF ~ /^[a-z_0-9]+$/ && $NF != "total" { line = line sprintf(" %s %.2f,", $NF, $4 / n) }
	$NF == "total" { printf "%s: %.2f system calls per request:%s\n", who, $4 / n, line }' "$out/$who"
done | sed 's/,$//'
