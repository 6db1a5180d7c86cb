#!/bin/sh
# The whole end-to-end suite runs with both metadata stores: every test that
# starts its server through e2e_setup has a twin tests/e2e/pg/<name>.sh that
# runs it with AYB_E2E_METADATA=pg, and every twin is in Makefile.am's tests.
# A test that needs no twin says why in a line "# e2e-pg: <reason>".
# Adding a test?  Copy any tests/e2e/pg/*.sh, change the name, list it in
# PG_E2E_TESTS.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
dir=$top_srcdir/tests/e2e
n=0
failed=0

check() { # STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

for t in "$dir"/*.sh; do
	name=$(basename "$t")
	grep -q '^[^#]*e2e_setup' "$t" || continue
	[ "$name" = lib.sh ] && continue
	if grep -q '^# e2e-pg:' "$t"; then
		check 0 "$name: $(sed -n 's/^# e2e-pg: *//p' "$t" | head -1)"
		continue
	fi
	[ -x "$dir/pg/$name" ] && grep -q "AYB_E2E_METADATA=pg" "$dir/pg/$name"
	check $? "$name has a PostgreSQL twin tests/e2e/pg/$name"
done
for twin in "$dir"/pg/*.sh; do
	name=$(basename "$twin")
	[ -f "$dir/$name" ]
	check $? "pg/$name runs an existing test"
	grep -q "tests/e2e/pg/$name" "$top_srcdir/Makefile.am"
	check $? "pg/$name is in Makefile.am"
done

echo "1..$n"
[ "$failed" -eq 0 ]
