#!/bin/sh
# Installs the build and test dependencies that are missing, builds, and runs
# every test twice: a plain build, then one with AddressSanitizer and
# UndefinedBehaviorSanitizer.  Ends with one line "N passed, N failed" and
# exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)

passed=0
failed=0

# run BUILD_DIR [CONFIGURE_ARGS...]
run() {
	dir=$1
	shift
	if ! ./bootstrap.sh --test "$dir" "$@"; then
		echo "build in $dir failed"
		failed=$((failed + 1))
		return
	fi
	(cd "$dir" && make -s -j2 check >/dev/null 2>&1)
	log=$dir/test-suite.log
	# The machines are shared and noisy: a test that failed is run once
	# more, alone, and named here either way, so a flake stays visible.
	if [ -f "$log" ] && grep -q '^# \(FAIL\|ERROR\): *[1-9]' "$log"; then
		echo "$dir: failed on the first run:"
		find "$dir/tests" -name '*.trs' -exec grep -l '^:test-result: \(FAIL\|ERROR\)' {} + |
			sed 's/\.trs$//; s/^/    /'
		# recheck's summary covers only the tests it ran: rebuild the
		# summary of the whole suite from every test's result afterwards.
		(cd "$dir" && make -s recheck >/dev/null 2>&1;
		 rm -f test-suite.log && make -s test-suite.log >/dev/null 2>&1)
	fi
	if [ ! -f "$log" ]; then
		echo "no test log in $dir"
		failed=$((failed + 1))
		return
	fi
	# Each TAP line counts: a test program with 40 checks counts 40.
	p=$(sed -n 's/^# PASS: *//p' "$log")
	f=$(sed -n 's/^# FAIL: *//p' "$log")
	e=$(sed -n 's/^# ERROR: *//p' "$log")
	x=$(sed -n 's/^# XPASS: *//p' "$log")
	echo "$dir: ${p:-0} passed, ${f:-0} failed, ${e:-0} errors"
	if [ "${f:-0}" -gt 0 ] || [ "${e:-0}" -gt 0 ] || [ "${x:-0}" -gt 0 ]; then
		# Show what failed: the failing lines and the logs of failing scripts.
		find "$dir/tests" -name '*.log' -exec grep -h '^not ok\|^ERROR\|^FAIL' {} + | head -50
		sed -n '/^FAIL\|^ERROR/,/^$/p' "$log" | head -100
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
}

# tests/deploy/deb.sh builds, installs and purges the Debian package: once,
# with the plain build (it would test the same package again otherwise).
AYB_TEST_DEB=1
export AYB_TEST_DEB
run build
unset AYB_TEST_DEB
run build-san --enable-sanitizers

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
