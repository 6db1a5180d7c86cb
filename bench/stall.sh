#!/bin/sh
# Can one tenant stall the others?  tests/e2e/load_isolation.sh's victim
# (alternating /health and point queries on one connection) alone, then
# while four hostile tenants run runaway queries, link-heavy profile updates
# and restores of a snapshot that is expensive to check.  The victim alone
# is the floor; the target is a p99 under 100 ms under load.
#
#   bench/stall.sh [REQUESTS]    default 400
#
# Needs a built tree (top_builddir, default: this checkout), node, zstd,
# sqlite3, b2sum and awscli, as the test does.  Prints one table.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$here}"
: "${top_srcdir:=$here}"
export top_builddir top_srcdir AYB_LOAD_REQUESTS="${1:-400}"

# figures HOSTILE: "p50 p99 max total_ms" of one run of the test.
figures() {
	AYB_LOAD_HOSTILE=$1 AYB_LOAD_P99_MS=${2:-} sh "$top_srcdir/tests/e2e/load_isolation.sh" \
		>"$log" 2>&1
	sed -n 's/^# victim: [0-9]* requests in \([0-9]*\) ms.*p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms, max \([0-9.]*\) ms$/\2 \3 \4 \1/p' "$log"
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
alone=$(figures 0)
loaded=$(figures 4 100)
verdict=$(grep -q '^not ok' "$log" && echo "missed" || echo "met")
set -- $alone
printf '| victim (%s requests) | p50 ms | p99 ms | max ms | total ms |\n' "$AYB_LOAD_REQUESTS"
printf '|---|---|---|---|---|\n'
printf '| alone (floor) | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"
set -- $loaded
printf '| 4 hostile tenants | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"
printf '\ntarget: p99 under load < 100 ms: %s\n' "$verdict"
grep '^# hostile\|^# connections' "$log"
