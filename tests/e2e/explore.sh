#!/bin/sh
# Explore (README "Explore") through lighttpd and the CLI: the directory
# lists only public databases, searched and paginated; the schema of tables
# and views; a table page's rows with keyset pagination that stays stable
# while rows are inserted, sorts, filters whose hostile values stay data,
# and downloads equal to the filtered rows; only for callers who may read.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_start_server
TOKEN=$(register_user alice alice@example.org) || bail "cannot register alice"
AUTH="Authorization: Bearer $TOKEN"
BOB=$(register_user bob bob@example.org) || bail "cannot register bob"

mk() { api POST "/v1/alice/$1/create" -d '' -H "$AUTH" -H 'db-type: sqlite' -H "public-sharing-level: $2"; }
q() { api POST "/v1/alice/$1/query" -H "$AUTH" --data-binary "$2"; }

mk birds.sqlite read-only
is "$STATUS" 201 "a public database"
mk recipes.sqlite fork
mk secret.sqlite no-access
api PATCH /v1/alice/birds.sqlite/update -H "$AUTH" -H 'Content-Type: application/json' \
	-d '{"description": "Bird sightings of 2024, by county"}'
is "$STATUS $BODY" "200 {}" "a description is set with PATCH .../update"
api PATCH /v1/alice/secret.sqlite/update -H "$AUTH" -H 'Content-Type: application/json' \
	-d '{"description": "nothing to see"}'
is "$STATUS" 200 "a private database may have a description too"
api PATCH /v1/alice/birds.sqlite/update -H "Authorization: Bearer $BOB" \
	-H 'Content-Type: application/json' -d '{"description": "defaced"}'
is "$STATUS" 403 "only a manager may set it"
api PATCH /v1/alice/birds.sqlite/update -H "$AUTH" -H 'Content-Type: application/json' \
	-d '{"description": 5}'
is "$STATUS" 400 "a description that is not a string is refused"
like "$BODY" '"type":"Other"' "in ayb's error shape"
api PATCH /v1/alice/birds.sqlite/update -H "$AUTH" -d ''
is "$STATUS" 400 "nothing to update is still ayb's error"
like "$BODY" 'EmptyUpdateError' "EmptyUpdateError"
long=$(head -c 3000 /dev/zero | tr '\0' x)
api PATCH /v1/alice/birds.sqlite/update -H "$AUTH" -H 'Content-Type: application/json' \
	-d "{\"description\": \"$long\"}"
is "$STATUS" 400 "an over-long description is refused"

# ---- the directory ------------------------------------------------------------
api GET /v1/explore
is "$STATUS" 200 "the directory answers anyone"
is "$BODY" '{"databases":[{"entity":"alice","database":"recipes.sqlite","database_type":"sqlite","public_sharing_level":"fork","description":null},{"entity":"alice","database":"birds.sqlite","database_type":"sqlite","public_sharing_level":"read-only","description":"Bird sightings of 2024, by county"}],"page":1,"next_page":null}' \
	"only public databases, the most recently changed (here: created) first, with their descriptions"
# Activity: a snapshot pass that finds new content records when (snapshots.sh
# checks that); the directory lists the most recently changed first.
meta_sql "UPDATE database SET changed_at = '2999-01-01 00:00:00.000000' WHERE slug = 'birds.sqlite'"
api GET /v1/explore
like "$BODY" '{"databases":[{"entity":"alice","database":"birds.sqlite"' \
	"the database that changed last comes first"
meta_sql "UPDATE database SET changed_at = NULL WHERE slug = 'birds.sqlite'"
api GET /v1/explore
like "$BODY" '{"databases":[{"entity":"alice","database":"recipes.sqlite"' \
	"one whose changes were never recorded (from before) comes after"
api GET '/v1/explore?q=COUNTY'
like "$BODY" '"database":"birds.sqlite"' "search matches the description, any case"
api GET '/v1/explore?q=nothing'
is "$BODY" '{"databases":[],"page":1,"next_page":null}' "a private description is never searched"
api GET '/v1/explore?q=%25'
is "$BODY" '{"databases":[],"page":1,"next_page":null}' "% in a search is literal"
api GET '/v1/explore?q=rec'
like "$BODY" '"database":"recipes.sqlite"' "search matches the name"
api GET '/v1/explore?page=0'
is "$STATUS" 400 "page 0 is refused"
api GET '/v1/explore?page=abc'
is "$STATUS" 400 "a page that is not a number is refused"
api GET "/v1/explore?q=$(head -c 300 /dev/zero | tr '\0' a)"
is "$STATUS" 400 "an over-long search is refused"
for i in $(seq 1 20); do mk "d$i.sqlite" read-only; done
api GET /v1/explore
like "$BODY" '"next_page":2' "20 a page, and a next one"
like "$BODY" '{"databases":[{"entity":"alice","database":"d20.sqlite"' "newest first"
api GET '/v1/explore?page=2'
is "$BODY" '{"databases":[{"entity":"alice","database":"recipes.sqlite","database_type":"sqlite","public_sharing_level":"fork","description":null},{"entity":"alice","database":"birds.sqlite","database_type":"sqlite","public_sharing_level":"read-only","description":"Bird sightings of 2024, by county"}],"page":2,"next_page":null}' \
	"the second page holds the rest"

# ---- the schema ----------------------------------------------------------------
q birds.sqlite "CREATE TABLE sightings(id INTEGER PRIMARY KEY, species TEXT NOT NULL, county TEXT, n INTEGER)"
q birds.sqlite "CREATE INDEX by_species ON sightings(species, county)"
q birds.sqlite "CREATE VIEW counts AS SELECT species, sum(n) AS total FROM sightings GROUP BY species"
q birds.sqlite "CREATE TABLE \"odd \"\"name\"(k TEXT PRIMARY KEY, v) WITHOUT ROWID"
q birds.sqlite "INSERT INTO sightings(species, county, n) VALUES ('heron', 'Kent', 3), ('owl', NULL, 1), ('wren', 'Essex', 7), ('heron', 'Essex', 2), ('robin', 'Kent', NULL)"
is "$STATUS" 200 "rows inserted"
api GET /v1/alice/birds.sqlite/schema
is "$STATUS" 200 "anyone may read a read-only public database's schema"
is "$BODY" '{"tables":[{"name":"counts","type":"view","columns":[{"name":"species","type":"TEXT","primary_key":false,"nullable":true},{"name":"total","type":"","primary_key":false,"nullable":true}],"indexes":[],"row_count":null},{"name":"odd \"name","type":"table","columns":[{"name":"k","type":"TEXT","primary_key":true,"nullable":false},{"name":"v","type":"","primary_key":false,"nullable":true}],"indexes":[{"name":"sqlite_autoindex_odd \"name_1","columns":"k","unique":true}],"row_count":0,"row_count_more":false},{"name":"sightings","type":"table","columns":[{"name":"id","type":"INTEGER","primary_key":true,"nullable":true},{"name":"species","type":"TEXT","primary_key":false,"nullable":false},{"name":"county","type":"TEXT","primary_key":false,"nullable":true},{"name":"n","type":"INTEGER","primary_key":false,"nullable":true}],"indexes":[{"name":"by_species","columns":"species, county","unique":false}],"row_count":5,"row_count_more":false}],"row_count_cap":100000,"truncated":false}' \
	"tables and views, columns, indexes and row counts"
q d1.sqlite "CREATE TABLE big(x)"
q d1.sqlite "INSERT INTO big WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100050) SELECT i FROM c"
api GET /v1/alice/d1.sqlite/schema
like "$BODY" '"row_count":100000,"row_count_more":true' "a huge table says more than the cap"
q d3.sqlite "CREATE TABLE gone(a)"
q d3.sqlite "CREATE VIEW broken AS SELECT * FROM gone"
q d3.sqlite "CREATE TABLE kept(b TEXT)"
q d3.sqlite "DROP TABLE gone"
api GET /v1/alice/d3.sqlite/schema
is "$STATUS $BODY" '200 {"tables":[{"name":"kept","type":"table","columns":[{"name":"b","type":"TEXT","primary_key":false,"nullable":true}],"indexes":[],"row_count":0,"row_count_more":false}],"row_count_cap":100000,"truncated":false}' \
	"a broken view leaves the tables listed"
api GET /v1/alice/secret.sqlite/schema
is "$STATUS" 404 "a private database's schema is hidden as missing"
api GET /v1/alice/secret.sqlite/schema -H "Authorization: Bearer $BOB"
is "$STATUS" 404 "from other users too"
api GET /v1/alice/recipes.sqlite/schema
is "$STATUS" 403 "a fork-only public database is not readable anonymously"
like "$BODY" "can't query database" "the query right's error"

# ---- browsing a table ----------------------------------------------------------
T_=/v1/alice/birds.sqlite/table
api GET "$T_/sightings"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["1","heron","Kent","3"],["2","owl",null,"1"],["3","wren","Essex","7"],["4","heron","Essex","2"],["5","robin","Kent",null]],"next":null}' \
	"rows in ayb's shape, NULL as null, no next page"
api GET "$T_/sightings?_size=2"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["1","heron","Kent","3"],["2","owl",null,"1"]],"next":"2"}' \
	"a page of two and the next cursor"
q birds.sqlite "INSERT INTO sightings(id, species, county, n) VALUES (0, 'early', 'Kent', 1)"
api GET "$T_/sightings?_size=2&_after=2"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["3","wren","Essex","7"],["4","heron","Essex","2"]],"next":"4"}' \
	"the next page is where it was, whatever was inserted before it"
api GET "$T_/sightings?_sort=county&_size=3"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["2","owl",null,"1"],["3","wren","Essex","7"],["4","heron","Essex","2"]],"next":"4"}' \
	"sorted by a column: NULL first, ties by row"
api GET "$T_/sightings?_sort=county&_size=3&_after=4"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["0","early","Kent","1"],["1","heron","Kent","3"],["5","robin","Kent",null]],"next":null}' \
	"and the page after it"
api GET "$T_/sightings?_sort_desc=n&_size=2"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["3","wren","Essex","7"],["1","heron","Kent","3"]],"next":"1"}' \
	"sorted descending"
api GET "$T_/sightings?_sort_desc=n&_size=4&_after=1"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["4","heron","Essex","2"],["2","owl",null,"1"],["0","early","Kent","1"],["5","robin","Kent",null]],"next":null}' \
	"descending: ties by row descending, NULL last"
api GET "$T_/sightings?_sort=county&_size=1&_after=2"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["3","wren","Essex","7"]],"next":"3"}' \
	"a cursor on a NULL continues after it"
api GET "$T_/sightings?species=heron"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["1","heron","Kent","3"],["4","heron","Essex","2"]],"next":null}' \
	"a bare column filters on equality"
api GET "$T_/sightings?county__isnull=1"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["2","owl",null,"1"]],"next":null}' "isnull"
api GET "$T_/sightings?n__gte=3&county__not=Kent"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["3","wren","Essex","7"]],"next":null}' \
	"filters combine (gte on an integer column, not)"
api GET "$T_/sightings?species__contains=ro&species__startswith=r&species__endswith=n"
is "$BODY" '{"fields":["id","species","county","n"],"rows":[["5","robin","Kent",null]],"next":null}' \
	"contains, startswith, endswith"
for evil in "x' OR '1'='1" "heron\" OR 1=1 --" "%" "_" "'; DROP TABLE sightings; --"; do
	enc=$(printf '%s' "$evil" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')
	api GET "$T_/sightings?species=$enc"
	is "$STATUS $BODY" '200 {"fields":["id","species","county","n"],"rows":[],"next":null}' \
		"a hostile value stays data: $evil"
	api GET "$T_/sightings?species__contains=$enc"
	is "$STATUS" 200 "in contains too: $evil"
done
q birds.sqlite "SELECT count(*) FROM sightings"
is "$BODY" '{"fields":["count(*)"],"rows":[["6"]]}' "nothing was dropped"
api GET "$T_/sightings?nope=1"
is "$STATUS" 400 "a filter on a missing column is refused"
like "$BODY" 'has no such column' "naming it"
api GET "$T_/sightings?_sort=x%22%20DESC"
is "$STATUS" 400 "a sort column that is not one is refused"
api GET "$T_/sightings?_size=0"
is "$STATUS" 400 "a page of no rows is refused"
api GET "$T_/sightings?_after=1x"
is "$STATUS" 400 "a cursor that is not one is refused"
api GET "$T_/nope"
is "$STATUS" 404 "a missing table is 404"
like "$BODY" '"type":"Other"' "in ayb's error shape"
api GET "$T_/sqlite_schema"
is "$STATUS" 404 "SQLite's own tables are not browsed"
api GET "$T_/odd%20%22name?v__isnull=1"
is "$STATUS $BODY" '200 {"fields":["k","v"],"rows":[],"next":null}' "a WITHOUT ROWID table with an odd name"
api GET "$T_/counts?_sort_desc=total"
is "$BODY" '{"fields":["species","total"],"rows":[["wren","7"],["heron","5"],["early","1"],["owl","1"],["robin",null]],"next":null}' \
	"a view"
api GET "$T_/counts?_size=2&_after=2"
is "$BODY" '{"fields":["species","total"],"rows":[["owl","1"],["robin",null]],"next":"4"}' \
	"a view pages by position"
api GET /v1/alice/secret.sqlite/table/t
is "$STATUS" 404 "a private database's table is hidden"
api GET /v1/alice/recipes.sqlite/table/t
is "$STATUS" 403 "a fork-only one is not readable"

# Stable under inserts: page through 300 rows 7 at a time while another
# writer inserts before, inside and after the pages; every original row is
# seen exactly once.
q d2.sqlite "CREATE TABLE s(id INTEGER PRIMARY KEY, v INTEGER)"
q d2.sqlite "INSERT INTO s(id, v) WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 300) SELECT i * 10, i % 13 FROM c"
after="" seen="" k=0
while :; do
	api GET "/v1/alice/d2.sqlite/table/s?_sort=v&_size=7${after:+&_after=$after}"
	[ "$STATUS" = 200 ] || break
	seen="$seen $(printf '%s' "$BODY" | grep -o '\["[0-9]*","[0-9]*"\]' | sed 's/\["\([0-9]*\)".*/\1/' | tr '\n' ' ')"
	k=$((k + 1))
	after=$(printf '%s' "$BODY" | sed -n 's/.*"next":"\([0-9]*\)"}$/\1/p')
	q d2.sqlite "INSERT INTO s(id, v) VALUES ($((k * 10 + 5)), $((k % 13))), ($((5000 + k)), 0), ($((6000 + k)), 12)"
	[ -n "$after" ] || break
done
orig=$(for w in $seen; do [ $((w % 10)) = 0 ] && [ "$w" -le 3000 ] && echo "$w"; done | sort -n | uniq -c | awk '$1 == 1' | wc -l)
dups=$(for w in $seen; do echo "$w"; done | sort -n | uniq -d | wc -l)
is "$orig $dups" "300 0" "every original row seen once while rows were inserted ($k pages)"

# ---- the web pages ------------------------------------------------------------------
api GET '/explore?q=bird'
is "$STATUS" 200 "the directory page answers anyone"
like "$BODY" '<a href="/alice/birds.sqlite"><strong>alice/birds.sqlite</strong></a>' "listing the match"
like "$BODY" '<p>Bird sightings of 2024, by county</p>' "with its description"
case "$BODY" in *secret*) ok 1 "no private database on the page" ;; *) ok 0 "no private database on the page" ;; esac
api GET '/explore?page=2'
like "$BODY" 'href="/explore?page=1"' "a link back to the first page"
api GET '/explore?page=x'
is "$STATUS" 400 "a bad page number is a 400 page"
api GET /alice/birds.sqlite
is "$STATUS" 200 "the database page, anonymously"
like "$BODY" '<aside class="schema-sidebar"' "has the schema sidebar"
like "$BODY" '<a href="/alice/birds.sqlite/table/sightings">sightings</a> <small class="muted">6 rows</small>' \
	"linking each table with its row count"
like "$BODY" 'href="/alice/birds.sqlite/table/odd%20%22name">odd &quot;name</a>' "odd names escaped"
api GET '/alice/birds.sqlite/table/sightings?_fc=species&_fo=exact&_fv=heron&_fc=&_fo=exact&_fv=&_sort_desc=n'
is "$STATUS" 200 "the table page with a filter from the form"
like "$BODY" '<tr><td>1</td><td>heron</td><td>Kent</td><td>3</td></tr><tr><td>4</td><td>heron</td><td>Essex</td><td>2</td></tr></tbody>' \
	"shows the filtered rows in order"
like "$BODY" 'href="/alice/birds.sqlite/table/sightings?_sort_desc=n&amp;species__exact=heron&amp;_format=csv"' \
	"a CSV download of exactly this view"
api GET '/alice/birds.sqlite/table/sightings?_sort=county'
like "$BODY" '<td class="null"></td>' "NULL is shown distinctly"
q birds.sqlite "CREATE TABLE notes(body TEXT)"
long=$(head -c 500 /dev/zero | tr '\0' y)
q birds.sqlite "INSERT INTO notes VALUES ('$long<script>')"
api GET /alice/birds.sqlite/table/notes
like "$BODY" '<details class="cell"><summary>yyyy' "a long cell is cut, with the rest behind <details>"
like "$BODY" 'yyy&lt;script&gt;</details>' "its whole text escaped"
api GET '/alice/birds.sqlite/table/sightings?species=heron&_sort_desc=n&_format=csv'
is "$STATUS" 200 "the CSV download"
is "$(printf '%s' "$BODY" | tr -d '\r')" 'id,species,county,n
1,heron,Kent,3
4,heron,Essex,2' "holds exactly the filtered rows"
api GET '/alice/birds.sqlite/table/sightings?species=heron&_format=json'
like "$BODY" '"rows": [' "the JSON download"
api GET "/alice/birds.sqlite/table/sightings?species=x%27%20OR%201%3D1--&_format=csv"
is "$(printf '%s' "$BODY" | tr -d '\r')" 'id,species,county,n' "a hostile filter in a download stays data"
api GET '/alice/birds.sqlite/table/sightings?_size=2'
like "$BODY" 'href="/alice/birds.sqlite/table/sightings?_size=2&amp;_after=1">Next page' "a next page link"
api GET '/alice/birds.sqlite/table/sightings?nope=1'
is "$STATUS" 400 "a bad filter is a 400 page"
like "$BODY" 'has no such column' "saying why"
# The owner edits the description beside the database page (a form with
# its CSRF token, as every state-changing form of the web UI).
JAR=$T/jar
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tauth\talice:%s\n' "$TOKEN" >"$JAR"
api GET /alice/d4.sqlite -b "$JAR" -c "$JAR"
like "$BODY" '<textarea id="description" name="description"' "the owner sees the description form"
csrf=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
api POST /alice/d4.sqlite/update_description -b "$JAR" -c "$JAR" \
	--data-urlencode "csrf=$csrf" --data-urlencode 'description=Tides <and> moons'
is "$STATUS" 303 "saved, back to the database page"
api GET /alice/d4.sqlite
like "$BODY" '<p class="description">Tides &lt;and&gt; moons</p>' "shown, escaped, to anyone"
case "$BODY" in *'name="description"'*) ok 1 "no form for a visitor" ;; *) ok 0 "no form for a visitor" ;; esac
api POST /alice/d4.sqlite/update_description -b "$JAR" --data-urlencode 'description=x'
is "$STATUS" 403 "without its CSRF token the form is refused"
api GET '/v1/explore?q=moons'
like "$BODY" '"database":"d4.sqlite"' "the directory finds it"
api GET /alice/secret.sqlite/table/t
is "$STATUS" 404 "a private database's table page is 404"
api GET /alice/birds.sqlite/table/missing
is "$STATUS" 404 "a missing table's page is 404"

# ---- the command line -------------------------------------------------------------
export AYB_SERVER_URL=$URL AYB_API_TOKEN=$TOKEN
run update_database alice/recipes.sqlite --description 'Soups & stews'
is "$RC $(echo "$OUT")" "0 Database alice/recipes.sqlite updated successfully" "update_database --description"
api GET '/v1/explore?q=stews'
like "$BODY" '"database":"recipes.sqlite","database_type":"sqlite","public_sharing_level":"fork","description":"Soups & stews"' \
	"the description set by the CLI is in the directory"
run update_database alice/recipes.sqlite --description '' --public_sharing_level read-only
is "$RC" 0 "both at once, an empty description clearing it"
api GET '/v1/explore?q=stews'
is "$BODY" '{"databases":[],"page":1,"next_page":null}' "cleared"
run update_database alice/recipes.sqlite
is "$RC" 2 "update_database with nothing to update is a usage error"
like "$ERR" "the following required arguments were not provided:
  --public_sharing_level <public_sharing_level>" "as ayb says it"
AYB_API_TOKEN=$BOB run update_database alice/birds.sqlite --description x
is "$RC" 1 "another user's database: refused"
like "$ERR" "can't update database alice/birds.sqlite" "with the server's message"
AYB_API_TOKEN='' run schema alice/birds.sqlite
is "$RC" 0 "schema without a token, for a public database"
is "$(echo "$OUT")" 'View counts
  species TEXT
  total
Table notes (1 rows)
  body TEXT
Table odd "name (0 rows)
  k TEXT PRIMARY KEY NOT NULL
  v
  unique index sqlite_autoindex_odd "name_1 (k)
Table sightings (6 rows)
  id INTEGER PRIMARY KEY
  species TEXT NOT NULL
  county TEXT
  n INTEGER
  index by_species (species, county)' "ayb client schema shows tables, views, columns, indexes and counts"
run schema alice/d1.sqlite
like "$OUT" "Table big (more than 100000 rows)" "a huge table, bounded"
AYB_API_TOKEN='' run schema alice/secret.sqlite
is "$RC" 1 "a private database's schema: refused"
like "$ERR" "Error: Database alice/secret.sqlite not found" "as missing"
run schema nodatabase
is "$RC" 2 "a malformed database name is a usage error"

tap_done
