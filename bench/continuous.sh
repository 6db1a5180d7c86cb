#!/bin/sh
# Continuous backup's recovery point and its cost in S3 (README "Snapshots"):
# N single-row commits, one after the other, through `ayb server` with
# continuous backup on (sync_interval 1s, its default) against the S3 test
# server.  For each commit, the time from its commit to the moment the
# segment holding it was in S3 (the commit time its record carries, and the
# object's LastModified); and the bytes in S3 per 1,000 commits, segments
# alone and with the generation's base.
#
#   bench/continuous.sh [COMMITS]    default 1000
#
# Needs a built tree (top_builddir, default: this checkout), node, zstd,
# sqlite3 and curl, as the tests do.  Prints one table.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$here}"
: "${top_srcdir:=$here}"
N=${1:-1000}
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/s3.sh"

s3_start
e2e_setup "$(s3_config | sed '$d')
  continuous {
    enabled = true
  }
}"
e2e_start_server
TOKEN=$(register_user bench bench@example.org) || bail "cannot register"
AUTH="Authorization: Bearer $TOKEN"
api POST /v1/bench/c.sqlite/create -d '' -H "$AUTH" -H 'db-type: sqlite' \
	-H 'public-sharing-level: no-access'
[ "$STATUS" = 201 ] || bail "create: $STATUS $BODY"
api POST /v1/bench/c.sqlite/query -H "$AUTH" --data-binary \
	'CREATE TABLE ins (id INTEGER PRIMARY KEY, v TEXT NOT NULL)'
[ "$STATUS" = 200 ] || bail "create: $STATUS $BODY"
# The base and the table's commit first, so the count is of the rows alone.
spool=$T/data/continuous/bench/c.sqlite
drained() {
	_i=0
	while [ -n "$(ls "$spool" | grep -v '^lock$')" ] && [ $_i -lt 3000 ]; do
		sleep 0.01
		_i=$((_i + 1))
	done
}
drained
s3_keys bucket/sqlite/bench/c.sqlite/wal/ >"$T/before"
i=0
while [ $i -lt "$N" ]; do
	printf '%s\n' "url = \"$URL/v1/bench/c.sqlite/query\"" "header = \"$AUTH\"" \
		"data-binary = \"INSERT INTO ins (v) VALUES ('one row of the insert benchmark')\"" \
		'output = "/dev/null"' 'fail' next >>"$T/curl.cfg"
	i=$((i + 1))
done
sed -i '$d' "$T/curl.cfg"
curl -sS -K "$T/curl.cfg" || bail "the inserts failed"
drained
s3_keys bucket/sqlite/bench/c.sqlite/wal/ | grep -v '/base.zst$' | sort >"$T/after"
comm -13 "$T/before" "$T/after" >"$T/new"
# Each new segment: its size, when it was stored, and the commit time of
# every record in it (a record's time is at byte 12, its length at byte 4).
: >"$T/rpo"
bytes=0
for key in $(cat "$T/new"); do
	s3_aws s3api head-object --bucket bucket --key "$key" \
		--query '[ContentLength,LastModified]' --output text >"$T/head" || bail "head $key"
	set -- $(cat "$T/head")
	bytes=$((bytes + $1))
	s3_aws s3 cp --only-show-errors "s3://bucket/$key" "$T/seg.zst" || bail "get $key"
	stored=$(grep -h "\"key\":\"$key\"" "$T"/s3/bucket/*.json |
		sed -n 's/.*"lastModified":"\([^"]*\)".*/\1/p')
	stored_ms=$(date -d "$stored" +%s%3N)
	zstd -dqc "$T/seg.zst" >"$T/seg"
	size=$(stat -c %s "$T/seg")
	at=0
	while [ $at -lt "$size" ]; do
		len=$(od -An -tu8 -j $((at + 4)) -N8 "$T/seg" | tr -d ' ')
		t=$(od -An -td8 -j $((at + 12)) -N8 "$T/seg" | tr -d ' ')
		echo $((stored_ms - t)) >>"$T/rpo"
		at=$((at + len))
	done
done
base=$(s3_keys bucket/sqlite/bench/c.sqlite/wal/ | grep '/base.zst$' | head -1)
base_bytes=$(s3_aws s3api head-object --bucket bucket --key "$base" \
	--query ContentLength --output text)
records=$(wc -l <"$T/rpo")
pct() { sort -n "$T/rpo" | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; print v[i] }'; }
printf '| continuous backup, %s single-row commits, sync_interval 1s | figure |\n|---|---|\n' "$N"
printf '| RPO (commit to segment in S3), p50 | %s ms |\n' "$(pct 50)"
printf '| RPO, p99 | %s ms |\n' "$(pct 99)"
printf '| RPO, max | %s ms |\n' "$(pct 100)"
printf '| records found in S3 | %s in %s segments |\n' "$records" "$(wc -l <"$T/new")"
printf '| S3 bytes per 1,000 commits (segments) | %s |\n' "$((bytes * 1000 / N))"
printf '| the base (once per generation) | %s bytes |\n' "$base_bytes"
