#!/bin/sh
# What `ayb admin adopt` costs on a large ayb server (README "Moving from
# ayb"): time and peak memory of a dry run, the adoption and a second run,
# on an ayb store of N users, each with an email address, an API token, a
# database on disk and a grant, plus N/10 pending OAuth codes.
#
#   bench/adopt.sh [N]                  (default 10000)
#   AYB_E2E_METADATA=pg bench/adopt.sh  the same store in PostgreSQL
#
# Run from a configured build tree (or set top_builddir).  Builds the store
# with tests/e2e/ayb_fixture.sh's schema, measures with /usr/bin/time.  Not
# part of `make check`.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
export top_builddir top_srcdir
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/ayb_fixture.sh"

[ -x /usr/bin/time ] || bail "/usr/bin/time is missing (apt-get install time)"
N=${1:-10000}

e2e_setup
ayb_fixture_build
seq_n="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)"
_fx_sql "$seq_n INSERT INTO entity (slug, entity_type) SELECT 'u' || i, 0 FROM n;
INSERT INTO authentication_method (entity_id, method_type, status, email_address)
	SELECT id, 0, 0, slug || '@example.org' FROM entity WHERE slug LIKE 'u%';
INSERT INTO database (slug, db_type, entity_id, public_sharing_level)
	SELECT 'd.sqlite', 0, id, 0 FROM entity WHERE slug LIKE 'u%';
INSERT INTO api_token (short_token, entity_id, hash, created_at)
	SELECT 'T' || id, id, '$(printf 'a%.0s' $(seq 64))', '2025-01-01 00:00:00'
	FROM entity WHERE slug LIKE 'u%';
INSERT INTO entity_database_permission (entity_id, database_id, sharing_level)
	SELECT e.id, d.id, 1 FROM entity e JOIN database d ON d.entity_id = e.id + 1
	WHERE e.slug LIKE 'u%';
INSERT INTO oauth_authorization_request (code, entity_id, code_challenge, redirect_uri,
	app_name, requested_query_permission_level, database_id, query_permission_level,
	expires_at)
	SELECT 'code' || d.id, d.entity_id, 'x', 'http://localhost/cb', 'app', 0, d.id, 0,
	'2099-01-01 00:00:00' FROM database d WHERE d.id % 10 = 0;"
# Each user's database in ayb's layout: a version directory, `current`.
seq "$N" | while read -r i; do
	_d=$T/data/databases/u$i/d.sqlite/0190a0a0-0000-7000-8000-$(printf '%012d' "$i")
	mkdir -p "$_d"
	ln -s "$_d" "$T/data/databases/u$i/d.sqlite/current"
done

for pass in dry-run adopt again; do
	opt=
	[ "$pass" = dry-run ] && opt=--dry-run
	/usr/bin/time -f "%e s, peak RSS %M KiB" -o "$T/time" \
		"$AYB" admin adopt --config "$T/ayb.conf" $opt >"$T/out" 2>&1 ||
		{ cat "$T/out"; bail "adopt failed"; }
	echo "# $pass, $N users (${AYB_E2E_METADATA:-sqlite}): $(cat "$T/time")"
	sed 's/^/#   /' "$T/out" | head -3
done
