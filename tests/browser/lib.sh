# What the browser tests' shell halves share: the end-to-end harness
# (tests/e2e/lib.sh), and browser_setup NAME, which skips the test when
# Debian's Chromium or playwright-core is missing, and otherwise sets
# CHROMIUM, TOOLS (for NODE_PATH) and an empty SHOTS directory,
# tests/browser/NAME.shots/ of the build tree, for the screenshots.
. "$(dirname "$0")/../e2e/lib.sh"

browser_setup() {
	CHROMIUM=${AYB_CHROMIUM:-/usr/bin/chromium}
	TOOLS=$top_srcdir/tests/tools/node_modules
	if [ ! -x "$CHROMIUM" ] || [ ! -d "$TOOLS/playwright-core" ]; then
		echo "1..0 # SKIP needs chromium and playwright-core (./bootstrap.sh --test installs them)"
		exit 0
	fi
	SHOTS=$top_builddir/tests/browser/$1.shots
	rm -rf "$SHOTS"
	mkdir -p "$SHOTS"
}
