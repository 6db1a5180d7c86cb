/* Slug rules (README "The HTTP API") and reserved names (lib/slug.c). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slug.h"
#include "tap.h"

/* The generated table itself, to check the build sorted it. */
static const char *const table[] = {
#include "reserved_usernames.inc"
};

/* Runs ayb_slug_check and returns its message ("" when it passed); the
 * kind and status are checked on every failure. */
static const char *check(enum ayb_slug_kind kind, const char *slug, size_t len)
{
	static char msg[512];
	struct ayb_err err = {0};

	msg[0] = '\0';
	if (ayb_slug_check(kind, slug, len, &err) < 0) {
		if (err.kind != AYB_E_INVALID_SLUG || ayb_err_status(&err) != 400)
			snprintf(msg, sizeof(msg), "wrong kind %d / status %d", err.kind,
				 ayb_err_status(&err));
		else
			snprintf(msg, sizeof(msg), "%s", err.message ? err.message : "(null)");
	} else if (err.kind != AYB_OK) {
		snprintf(msg, sizeof(msg), "passed but set an error");
	}
	ayb_err_clear(&err);
	return msg;
}

#define E(s) check(AYB_SLUG_ENTITY, (s), strlen(s))
#define D(s) check(AYB_SLUG_DATABASE, (s), strlen(s))

int main(void)
{
	char s129[130], s128[129], s200[201], lower[32];
	size_t i;
	int sorted = 1, all_reserved = 1;

	/* Valid examples from the spec. */
	static const char *const valid[] = {
		"alice", "bob123", "my-company", "user_2024", "testuser",
		"ValiDUSer445", "test.sqlite", "e2e-first", "testuser_123",
		"test.duckdb", "a", "...", ".x", "x.", "-", "_", "0",
	};
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		is_str(E(valid[i]), "", "entity slug %s is valid", valid[i]);
		is_str(D(valid[i]), "", "database slug %s is valid", valid[i]);
	}

	/* Empty. */
	is_str(E(""), "A entity slug can't be empty", "empty entity");
	is_str(D(""), "A database slug can't be empty", "empty database");

	/* Length: 128 bytes pass, 129 fail with ayb's message format. */
	memset(s128, 'a', 128);
	s128[128] = '\0';
	memset(s129, 'b', 129);
	s129[129] = '\0';
	memset(s200, 'c', 200);
	s200[200] = '\0';
	is_int(AYB_SLUG_MAX, 128, "cap is 128 bytes (ayb's #822)");
	is_str(E(s128), "", "128-byte entity slug is valid");
	is_str(D(s128), "", "128-byte database slug is valid");
	is_str(E(s129), "A entity slug can't be longer than 128 bytes, but this one is 129 bytes",
	       "129-byte entity slug");
	is_str(D(s129), "A database slug can't be longer than 128 bytes, but this one is 129 bytes",
	       "129-byte database slug");
	is_str(D(s200), "A database slug can't be longer than 128 bytes, but this one is 200 bytes",
	       "200-byte database slug");
	/* Length is checked before characters: a long bad slug is not echoed. */
	memset(s200, '/', 200);
	is_str(E(s200), "A entity slug can't be longer than 128 bytes, but this one is 200 bytes",
	       "200 slashes: the length rule wins");

	/* "." and "..". */
	is_str(E("."), "Invalid entity slug: .", "entity .");
	is_str(E(".."), "Invalid entity slug: ..", "entity ..");
	is_str(D("."), "Invalid database slug: .", "database .");
	is_str(D(".."), "Invalid database slug: ..", "database ..");

	/* Characters. */
	is_str(D("a/b"),
	       "Invalid database slug: a/b. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "slash");
	is_str(D("/"),
	       "Invalid database slug: /. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "lone slash");
	is_str(E("../../etc/passwd"),
	       "Invalid entity slug: ../../etc/passwd. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "path traversal");
	is_str(D("%2e%2e"),
	       "Invalid database slug: %2e%2e. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "percent-encoded dots stay invalid");
	is_str(E("foo bar"),
	       "Invalid entity slug: foo bar. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "space");
	is_str(D("foo'"),
	       "Invalid database slug: foo'. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "quote");
	is_str(D("foo';ATTACH 'x' AS y;--"),
	       "Invalid database slug: foo';ATTACH 'x' AS y;--. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "SQL injection attempt");
	is_str(D("foo\\bar"),
	       "Invalid database slug: foo\\bar. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "backslash");
	is_str(E("caf\xc3\xa9"),
	       "Invalid entity slug: caf\xc3\xa9. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "non-ASCII letter is echoed as UTF-8");
	/* A NUL inside: the length says 3, so it is a bad character, and it
	 * is shown as U+FFFD so the message stays a C string. */
	is_str(check(AYB_SLUG_DATABASE, "a\0b", 3),
	       "Invalid database slug: a\xef\xbf\xbd"
	       "b. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "NUL inside");
	is_str(check(AYB_SLUG_ENTITY, "ab\xff", 3),
	       "Invalid entity slug: ab\xef\xbf\xbd. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "invalid UTF-8 is shown as U+FFFD");
	is_str(check(AYB_SLUG_ENTITY, "\0", 1),
	       "Invalid entity slug: \xef\xbf\xbd. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "lone NUL");
	is_str(check(AYB_SLUG_ENTITY, "..\0", 3),
	       "Invalid entity slug: ..\xef\xbf\xbd. Only letters, numbers, underscores, hyphens, and periods are allowed",
	       "\"..\" followed by NUL is not \"..\" but still invalid");

	/* Reserved names: case-insensitive. */
	static const char *const reserved[] = {
		"register", "log_in", "log_out", "confirm", "v1", "tokens", "health",
		"admin", "root", "www", "api", "support", "help", "blog", "news",
		"email", "contact", "about", "null", "settings", "oauth", "0",
		"cgi-bin", "__system__", "yourusername",
		"REGISTER", "Log_In", "API", "ROOT", "ToKeNs", "HEALTH",
	};
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		ok(ayb_slug_is_reserved(reserved[i]), "%s is reserved", reserved[i]);
	static const char *const free_names[] = {
		"alice", "bob123", "my-company", "user_2024", "testuser",
		"validuser445", "entity", "create_database", "registers", "",
		"e2e-first", "adminx", "xadmin", "1",
	};
	for (i = 0; i < sizeof(free_names) / sizeof(free_names[0]); i++)
		ok(!ayb_slug_is_reserved(free_names[i]), "'%s' is not reserved", free_names[i]);
	ok(!ayb_slug_is_reserved(s128), "a 128-byte name is not reserved");
	memset(s200, 'a', 200);
	ok(!ayb_slug_is_reserved(s200), "a 200-byte name is not reserved (no overflow)");
	/* Database slugs may be reserved words: the syntax check does not care. */
	is_str(D("register"), "", "database slug register is valid");

	/* The generated table: lowercase, strictly sorted, ~600 names. */
	ok(sizeof(table) / sizeof(table[0]) > 600, "table has %zu names",
	   sizeof(table) / sizeof(table[0]));
	for (i = 1; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i - 1], table[i]) >= 0)
			sorted = 0;
	ok(sorted, "table is sorted and without duplicates");
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!ayb_slug_is_reserved(table[i]))
			all_reserved = 0;
	ok(all_reserved, "every table entry is found");
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strchr(table[i], '#') == table[i] || !table[i][0] ||
		    strpbrk(table[i], " \t\rABCDEFGHIJKLMNOPQRSTUVWXYZ"))
			all_reserved = 0;
	ok(all_reserved, "no comment, blank, whitespace or uppercase entries");

	/* ayb_slug_lower. */
	snprintf(lower, sizeof(lower), "ValiDUSer445");
	is_str(ayb_slug_lower(lower), "validuser445", "lower ValiDUSer445");
	snprintf(lower, sizeof(lower), "A-Z_a.z-09\xc3\x89");
	is_str(ayb_slug_lower(lower), "a-z_a.z-09\xc3\x89", "only ASCII letters change");
	ok(ayb_slug_lower(lower) == lower, "returns its argument");
	return tap_done();
}
