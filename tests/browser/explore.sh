#!/bin/sh
# Explore in a real browser (README "Explore"): tests/browser/explore.js
# drives Debian's Chromium headless as a reader with no account, without
# JavaScript and at phone width, from /explore to a filtered table and its
# download.  Screenshots of every page are left in
# tests/browser/explore.shots/ of the build tree.
. "$(dirname "$0")/lib.sh"
browser_setup explore

e2e_setup
e2e_start_server
TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"
api POST /v1/alice/birds.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' \
	-H 'public-sharing-level: read-only'
api PATCH /v1/alice/birds.sqlite/update -H "$AUTH" -H 'Content-Type: application/json' \
	-d '{"description": "Bird sightings of 2024, by county"}'
api POST /v1/alice/hidden.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access'
api POST /v1/alice/birds.sqlite/query -H "$AUTH" --data-binary \
	"CREATE TABLE sightings(id INTEGER PRIMARY KEY, species TEXT NOT NULL, county TEXT, n INTEGER, notes TEXT)"
api POST /v1/alice/birds.sqlite/query -H "$AUTH" --data-binary \
	"INSERT INTO sightings(species, county, n, notes) VALUES ('heron', 'Kent', 3, 'grey, by the river'), ('owl', NULL, 1, NULL), ('wren', 'Essex', 7, '$(head -c 400 /dev/zero | tr '\0' w)'), ('heron', 'Essex', 2, '<b>not bold</b>'), ('robin', 'Kent', NULL, 'x'' OR 1=1')"
[ "$STATUS" = 200 ] || bail "cannot fill the database: $BODY"

AYB_BASE=$URL AYB_SHOTS=$SHOTS AYB_CHROMIUM=$CHROMIUM NODE_PATH=$TOOLS TMPDIR=$T/tmp \
	node "$top_srcdir/tests/browser/explore.js" </dev/null
rc=$?
# Where each page's screenshot is, in the test's output.
for f in "$SHOTS"/*.png; do [ -e "$f" ] && echo "# screenshot: $f"; done
exit $rc
