#!/bin/sh
# The web UI in a real browser: tests/browser/ui_flows.js drives Debian's
# Chromium headless (playwright-core) through registration, profile, create
# and query, sharing between users, snapshots, tokens, XSS and CSRF probes,
# phone width and no-JavaScript use, against `ayb server` with an S3 test
# server for snapshots.  Screenshots of every step are left in
# tests/browser/ui_flows.shots/ of the build tree (failure_*.png show what
# each open page looked like when a flow stopped).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/e2e/s3.sh"

browser_setup ui_flows

s3_start
# The automation section lets ayb-snapshot run; the test calls it itself
# between steps, so the interval is long enough never to fire.
e2e_setup "$(s3_config 'interval = "24h"' 'max_snapshots = 5')"
e2e_start_server

# Chromium leaves profiles and artifacts in TMPDIR when a run fails: keep
# them inside the run directory, which the EXIT trap removes.
AYB_BASE=$URL AYB_EMAILS=$EMAILS AYB_SHOTS=$SHOTS AYB_CHROMIUM=$CHROMIUM \
AYB_SNAPSHOT="[\"$top_builddir/cron/ayb-snapshot\",\"--config\",\"$T/ayb.conf\"]" \
NODE_PATH=$TOOLS TMPDIR=$T/tmp \
	node "$top_srcdir/tests/browser/ui_flows.js" </dev/null
