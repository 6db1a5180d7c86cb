#!/bin/sh
# OAuth with PKCE in a real browser: tests/browser/oauth_flow.js drives
# Debian's Chromium headless through a test app on another origin, against
# `ayb server`.  Screenshots of each step (the consent and error pages
# among them) are left in tests/browser/oauth_flow.shots/ of the build tree.
. "$(dirname "$0")/lib.sh"
browser_setup oauth_flow

e2e_setup
e2e_start_server
A=$(register_user alice alice@example.org) || bail "register alice"
for db in empty.sqlite notes.sqlite; do
	api POST /v1/alice/$db/create -d '' -H "Authorization: Bearer $A" -H 'db-type: sqlite' \
		-H 'public-sharing-level: no-access'
	[ "$STATUS" = 201 ] || bail "create $db: $STATUS $BODY"
done
api POST /v1/alice/notes.sqlite/query -H "Authorization: Bearer $A" \
	--data-binary "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)"
api POST /v1/alice/notes.sqlite/query -H "Authorization: Bearer $A" \
	--data-binary "INSERT INTO notes(body) VALUES ('héllo'), (NULL)"
[ "$STATUS" = 200 ] || bail "insert: $STATUS $BODY"

# The browser uses the server by the name public_url gives it by default
# (http://localhost:<port>), the app by 127.0.0.1: two sites.
AYB_BASE=http://localhost:$PORT AYB_EMAILS=$EMAILS AYB_SHOTS=$SHOTS AYB_CHROMIUM=$CHROMIUM \
NODE_PATH=$TOOLS TMPDIR=$T/tmp \
	node "$top_srcdir/tests/browser/oauth_flow.js" </dev/null
