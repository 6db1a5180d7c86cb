/* lib/snapshot's pure parts: ids, the object key layout (ayb's, so ayb's
 * buckets stay readable), and RFC 3339 times as S3 sends them and as ayb
 * renders them. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "tap.h"

static void ids(void)
{
	ok(ayb_snapshot_id_valid("f9e01a39a1b2c3d4e5f60718293a4b5c"
				 "6d7e8f90123456789abcdef012345678"),
	   "64 lowercase hex digits");
	ok(!ayb_snapshot_id_valid("F9E01A39A1B2C3D4E5F60718293A4B5C"
				  "6D7E8F90123456789ABCDEF012345678"),
	   "uppercase is not an id");
	ok(!ayb_snapshot_id_valid("f9e01a39"), "too short");
	ok(!ayb_snapshot_id_valid("f9e01a39a1b2c3d4e5f60718293a4b5c"
				  "6d7e8f90123456789abcdef0123456789"),
	   "too long");
	ok(!ayb_snapshot_id_valid("../../../../etc/passwd"), "a path");
	ok(!ayb_snapshot_id_valid(""), "empty");
	ok(!ayb_snapshot_id_valid("g9e01a39a1b2c3d4e5f60718293a4b5c"
				  "6d7e8f90123456789abcdef012345678"),
	   "a non-hex letter");
}

static void prefixes(void)
{
	struct ayb_snapshots_config c = { 0 };
	char *p;

	c.bucket = "bucket";
	c.path_prefix = "sqlite";
	c.force_path_style = 1;
	p = ayb_snapshot_key_prefix(&c, "e2e-first", "test.sqlite");
	is_str(p, "bucket/sqlite/e2e-first/test.sqlite/",
	       "path style: <bucket>/<prefix>/<e>/<d>/ (ayb's layout)");
	free(p);
	c.force_path_style = 0;
	p = ayb_snapshot_key_prefix(&c, "e2e-first", "test.sqlite");
	is_str(p, "sqlite/e2e-first/test.sqlite/", "virtual host: <prefix>/<e>/<d>/");
	free(p);
	c.path_prefix = "";
	p = ayb_snapshot_key_prefix(&c, "e", "d");
	is_str(p, "e/d/", "an empty prefix adds nothing (ayb starts keys with '/')");
	free(p);
	c.path_prefix = "/backups/ayb/";
	p = ayb_snapshot_key_prefix(&c, "e", "d");
	is_str(p, "backups/ayb/e/d/", "slashes around the prefix are trimmed");
	free(p);
	c.force_path_style = 1;
	c.path_prefix = "";
	p = ayb_snapshot_key_prefix(&c, "e", "d");
	is_str(p, "bucket/e/d/", "path style with an empty prefix");
	free(p);
}

static void times(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "2024-08-18T15:05:04.123Z", "2024-08-18T15:05:04.123Z" },
		{ "2024-08-18T15:05:04.000Z", "2024-08-18T15:05:04Z" },
		{ "2024-08-18T15:05:04Z", "2024-08-18T15:05:04Z" },
		{ "2024-08-18T15:05:04.123456Z", "2024-08-18T15:05:04.123456Z" },
		{ "2024-08-18T15:05:04.120000Z", "2024-08-18T15:05:04.120Z" },
		{ "2024-08-18T15:05:04.123456789Z", "2024-08-18T15:05:04.123456789Z" },
		{ "2024-08-18T15:05:04.1234567891Z", "2024-08-18T15:05:04.123456789Z" },
		{ "2024-08-18T17:05:04+02:00", "2024-08-18T15:05:04Z" },
		{ "2024-08-18T00:30:00-01:00", "2024-08-18T01:30:00Z" },
		{ "2024-12-31T23:30:00-01:00", "2025-01-01T00:30:00Z" },
		{ "2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z" },
		{ "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z" },
		{ "1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z" },
	};
	static const char *const bad[] = {
		"", "2024-08-18", "2024-08-18T15:05:04", "2024-13-18T15:05:04Z",
		"2024-02-30T15:05:04Z", "2024-08-18T24:00:00Z", "2024-08-18T15:05:04.Z",
		"2024-08-18T15:05:04Zjunk", "2024-08-18T15:05:04+0200",
		"Sun, 18 Aug 2024 15:05:04 GMT", "2024-08-18T15:05:04.12a3Z",
	};
	char out[40];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t s = 0;
		int32_t ns = 0;

		ok(ayb_snapshot_parse_time(cases[i].in, &s, &ns) == 0, "parses %s", cases[i].in);
		ayb_snapshot_format_time(s, ns, out);
		is_str(out, cases[i].out, "renders %s", cases[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t s;
		int32_t ns;

		ok(ayb_snapshot_parse_time(bad[i], &s, &ns) < 0, "refuses \"%s\"", bad[i]);
	}
	{
		int64_t a, b;
		int32_t na, nb;

		ayb_snapshot_parse_time("2024-08-18T15:05:04.999Z", &a, &na);
		ayb_snapshot_parse_time("2024-08-18T15:05:05.001Z", &b, &nb);
		ok(a < b || (a == b && na < nb), "times order by seconds, then fraction");
		ayb_snapshot_parse_time("2024-08-18T15:05:04Z", &a, &na);
		is_int(a, 1723993504, "Unix seconds");
	}
}

int main(void)
{
	ids();
	prefixes();
	times();
	return tap_done();
}
