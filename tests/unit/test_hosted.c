/* Hosted databases: the on-disk layout, and running queries with SQLite's
 * guards and ayb's result and error text (README "Isolation", lib/hosted.h). */
#include "autoconfig.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base64.h"
#include "hosted.h"
#include "hosted_query.h"
#include "tap.h"

/* tap.h's is_str evaluates its arguments more than once: run each query
 * exactly once. */
#define IS(got, want, ...) \
	do { \
		const char *got_ = (got); \
		is_str(got_, (want), __VA_ARGS__); \
	} while (0)

static char data[PATH_MAX];
static struct ayb_buf res;
static struct ayb_err err;

/* Runs sql and returns the JSON text, or NULL with `err` set. */
static const char *q(const char *e, const char *d, const char *sql,
		     enum ayb_query_mode mode)
{
	struct ayb_sink sink = ayb_buf_sink(&res);

	ayb_buf_free(&res);
	ayb_err_clear(&err);
	if (hosted_query(data, e, d, sql, strlen(sql), mode, &sink, &err) < 0)
		return NULL;
	return res.data ? res.data : "";
}

#define RW(sql) q("e", "d", (sql), AYB_QUERY_READ_WRITE)
#define RO(sql) q("e", "d", (sql), AYB_QUERY_READ_ONLY)

/* The error message of a query expected to fail ("(passed)" if it did not). */
static const char *fails(const char *e, const char *d, const char *sql,
			 enum ayb_query_mode mode)
{
	if (q(e, d, sql, mode))
		return "(passed)";
	return err.message ? err.message : "(null)";
}

#define RWERR(sql) fails("e", "d", (sql), AYB_QUERY_READ_WRITE)
#define ROERR(sql) fails("e", "d", (sql), AYB_QUERY_READ_ONLY)

static int rm_entry(const char *p, const struct stat *st, int t, struct FTW *f)
{
	(void)st;
	(void)t;
	(void)f;
	return remove(p);
}

static char *current_target(const char *e, const char *d)
{
	char link[PATH_MAX + 64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/databases/%s/%s/current", data, e, d);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	return strdup(target);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Sink that counts its calls and refuses from call number `refuse_at`. */
struct picky {
	int calls, refuse_at;
	size_t bytes;
};

static int picky_write(void *ctx, const char *p, size_t n)
{
	struct picky *pk = ctx;

	(void)p;
	if (++pk->calls >= pk->refuse_at)
		return -1;
	pk->bytes += n;
	return 0;
}

static void test_layout(void)
{
	char path[PATH_MAX + 128], *t, *t2, *nv = NULL;
	const char *uuid;
	struct stat st;

	ok(ayb_layout_create(data, "e", "d", &err) == 0, "create e/d");
	snprintf(path, sizeof(path), "%s/databases/e/d/current", data);
	ok(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "current is a symlink");
	t = current_target("e", "d");
	ok(t && t[0] == '/', "current points at an absolute path");
	uuid = t ? strrchr(t, '/') + 1 : "";
	is_int(strlen(uuid), 36, "version directory is a 36-char UUID");
	ok(uuid[14] == '7', "UUID version 7");
	ok(strchr("89ab", uuid[19]) != NULL, "UUID variant 10");
	ok(strspn(uuid, "0123456789abcdef-") == 36, "lowercase hex");
	ok(t && stat(t, &st) == 0 && S_ISDIR(st.st_mode), "version directory exists");
	is_int(st.st_mode & 0777, 0700, "version directory is private");
	snprintf(path, sizeof(path), "%s/d", t ? t : "");
	ok(!exists(path), "no database file yet");
	snprintf(path, sizeof(path), "%s/databases/e/d/current.tmp", data);
	ok(!exists(path), "no current.tmp left behind");

	/* A second create swaps in a new version and deletes the old one. */
	ok(ayb_layout_create(data, "e", "x", &err) == 0, "create e/x");
	t2 = current_target("e", "x");
	ok(ayb_layout_create(data, "e", "x", &err) == 0, "create e/x again");
	ok(t2 && !exists(t2), "the replaced version directory is gone");
	free(t2);
	t2 = current_target("e", "x");
	ok(t2 && exists(t2), "the new one is there");

	/* new_version + swap, as a restore does. */
	ok(ayb_layout_new_version(data, "e", "x", &nv, &err) == 0, "new version dir");
	ok(nv && nv[0] == '/' && exists(nv), "it exists and is absolute");
	ok(ayb_layout_swap(data, "e", "x", nv, &err) == 0, "swap it in");
	ok(t2 && !exists(t2), "the old version is deleted");
	free(t2);
	t2 = current_target("e", "x");
	IS(t2, nv, "current points at the swapped-in version");
	free(t2);
	free(nv);

	/* swap refuses anything but a version directory of the same database. */
	ok(ayb_layout_swap(data, "e", "x", "/tmp", &err) < 0, "swap to /tmp refused");
	is_int(ayb_err_status(&err), 500, "status 500");
	ok(ayb_layout_swap(data, "e", "x", t, &err) < 0,
	   "swap to another database's version refused");
	t2 = current_target("e", "x");
	ok(t2 && exists(t2), "current unchanged after refusals");
	free(t2);

	/* Path components are checked again here. */
	ok(ayb_layout_create(data, "..", "d", &err) < 0, "entity .. refused");
	ok(ayb_layout_create(data, "e", "a/b", &err) < 0, "database a/b refused");
	ok(ayb_layout_create(data, "e", "", &err) < 0, "empty database refused");
	free(t);
}

static void test_first_write(void)
{
	char path[PATH_MAX + 128], want[512], *t = current_target("e", "d");
	const char *uuid = t ? strrchr(t, '/') + 1 : "?";

	/* Read-only before the first read-write query: CannotOpen, with the
	 * path relative to data_path rather than ayb's absolute one. */
	snprintf(want, sizeof(want),
		 "SqliteFailure(Error { code: CannotOpen, extended_code: 14 }, "
		 "Some(\"unable to open database file: databases/e/d/%s/d\"))", uuid);
	IS(ROERR("SELECT 1"), want, "read-only before the file exists");
	is_str(ayb_err_kind_name(err.kind), "Other", "kind Other");
	is_int(ayb_err_status(&err), 400, "status 400");
	ok(err.message && !strstr(err.message, data), "no absolute server path in it");
	snprintf(path, sizeof(path), "%s/d", t ? t : "");
	ok(!exists(path), "read-only did not create the file");

	IS(RW("SELECT 1"), "{\"fields\":[\"1\"],\"rows\":[[\"1\"]]}",
	       "first read-write query (a SELECT) works");
	ok(exists(path), "and created the file");
	IS(RO("PRAGMA journal_mode"), "{\"fields\":[\"journal_mode\"],\"rows\":[[\"wal\"]]}",
	       "read-write opened it in WAL mode");
	IS(RW("PRAGMA foreign_keys"), "{\"fields\":[\"foreign_keys\"],\"rows\":[[\"1\"]]}",
	       "foreign keys on in read-write mode");
	IS(RW("PRAGMA synchronous"), "{\"fields\":[\"synchronous\"],\"rows\":[[\"2\"]]}",
	       "synchronous=FULL in read-write mode");
	IS(RO("PRAGMA foreign_keys"), "{\"fields\":[\"foreign_keys\"],\"rows\":[[\"0\"]]}",
	       "read-only connections leave the pragmas alone");

	/* No `current` at all: ayb's I/O error, a server fault. */
	IS(fails("e", "nope", "SELECT 1", AYB_QUERY_READ_WRITE),
	       "IO error: Os { code: 2, kind: NotFound, message: \"No such file or directory\" }",
	       "database directory missing");
	is_int(ayb_err_status(&err), 500, "status 500");
	free(t);
}

static void test_results(void)
{
	IS(RW("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, b BLOB)"),
	       "{\"fields\":[],\"rows\":[]}", "CREATE TABLE");
	IS(RW("INSERT INTO t (name, score) VALUES ('PostgreSQL', 10), ('SQLite', 9.5), "
	      "('x', NULL)"),
	       "{\"fields\":[],\"rows\":[]}", "INSERT");
	IS(RW("SELECT name, score FROM t ORDER BY id"),
	       "{\"fields\":[\"name\",\"score\"],\"rows\":[[\"PostgreSQL\",\"10\"],[\"SQLite\",\"9.5\"],[\"x\",null]]}",
	       "SELECT (REAL 10.0 renders as \"10\")");
	IS(RO("SELECT COUNT(*) AS the_count FROM t"),
	       "{\"fields\":[\"the_count\"],\"rows\":[[\"3\"]]}", "read-only SELECT");
	IS(RW("INSERT INTO t (name) VALUES ('y') RETURNING id, name"),
	       "{\"fields\":[\"id\",\"name\"],\"rows\":[[\"4\",\"y\"]]}", "INSERT RETURNING");
	IS(RO("SELECT 1 WHERE 0"), "{\"fields\":[\"1\"],\"rows\":[]}", "no rows");

	IS(RO("SELECT -3, 9223372036854775807, -9223372036854775808, NULL"),
	       "{\"fields\":[\"-3\",\"9223372036854775807\",\"-9223372036854775808\",\"NULL\"],"
	       "\"rows\":[[\"-3\",\"9223372036854775807\",\"-9223372036854775808\",null]]}",
	       "integers and NULL");
	IS(RO("SELECT 2.0 AS a, 0.1 AS b, 1e21 AS c, 1e-7 AS d, -0.0 AS e, 1.5 AS f, "
	      "9e999 AS g, -9e999 AS h"),
	       "{\"fields\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\"],"
	       "\"rows\":[[\"2\",\"0.1\",\"1000000000000000000000\",\"0.0000001\",\"-0\",\"1.5\",\"inf\",\"-inf\"]]}",
	       "reals");
	IS(RO("SELECT 'a\"b\\c' || char(10) || char(9) || char(13) || char(1) || char(127) || '/'"),
	       "{\"fields\":[\"'a\\\"b\\\\c' || char(10) || char(9) || char(13) || char(1) || char(127) || '/'\"],"
	       "\"rows\":[[\"a\\\"b\\\\c\\n\\t\\r\\u0001\x7f/\"]]}",
	       "quotes, backslashes and control characters are JSON-escaped");
	IS(RO("SELECT 'h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80' AS u"),
	       "{\"fields\":[\"u\"],\"rows\":[[\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]]}",
	       "unicode text passes through as UTF-8");
	IS(RO("SELECT char(0) || 'x' AS z"),
	       "{\"fields\":[\"z\"],\"rows\":[[\"\\u0000x\"]]}", "NUL inside text");
	IS(RO("SELECT 1 AS \"a\"\"b\""), "{\"fields\":[\"a\\\"b\"],\"rows\":[[\"1\"]]}",
	       "column names are JSON-escaped");
	IS(RO("SELECT '' AS a, X'' AS b"), "{\"fields\":[\"a\",\"b\"],\"rows\":[[\"\",\"\"]]}",
	       "empty text and empty blob");

	/* BLOBs: text if valid UTF-8, else binary, in base64 (ayb: Utf8Error). */
	IS(RO("SELECT X'68c3a9'"), "{\"fields\":[\"X'68c3a9'\"],\"rows\":[[\"h\xc3\xa9\"]]}",
	       "valid UTF-8 blob");
	IS(RO("SELECT X'6162ff' AS b"),
	   "{\"fields\":[\"b\"],\"rows\":[[{\"base64\":\"YWL/\"}]]}",
	       "blob with an invalid byte: base64");
	IS(RO("SELECT X'61e282' AS b"),
	   "{\"fields\":[\"b\"],\"rows\":[[{\"base64\":\"YeKC\"}]]}",
	       "blob ending inside a sequence: base64");
	IS(RO("SELECT X'61e228a1' AS b"),
	   "{\"fields\":[\"b\"],\"rows\":[[{\"base64\":\"YeIooQ==\"}]]}",
	       "bad second byte: base64");
	IS(RO("SELECT X'f09f9828' AS b"),
	   "{\"fields\":[\"b\"],\"rows\":[[{\"base64\":\"8J+YKA==\"}]]}",
	       "bad fourth byte: base64");
	IS(RO("SELECT X'f09028' AS b"),
	   "{\"fields\":[\"b\"],\"rows\":[[{\"base64\":\"8JAo\"}]]}",
	       "bad third byte: base64");
	IS(RO("SELECT X'eda080' AS b"),
	   "{\"fields\":[\"b\"],\"rows\":[[{\"base64\":\"7aCA\"}]]}",
	       "surrogate: base64");
	IS(RO("SELECT X'c0af' AS b"),
	   "{\"fields\":[\"b\"],\"rows\":[[{\"base64\":\"wK8=\"}]]}",
	       "overlong: base64");
	IS(RO("SELECT X'f4908080' AS b"),
	   "{\"fields\":[\"b\"],\"rows\":[[{\"base64\":\"9JCAgA==\"}]]}",
	       "past U+10FFFF: base64");
	IS(RO("SELECT 'ok', CAST(X'41ff' AS TEXT) AS t"),
	       "{\"fields\":[\"'ok'\",\"t\"],\"rows\":[[\"ok\",{\"base64\":\"Qf8=\"}]]}",
	       "invalid UTF-8 in TEXT: base64 too");
	{
		/* Every byte value, and lengths that need each padding. */
		char sql[600], want[600];
		struct ayb_buf b64 = { 0 };
		unsigned char all[256];

		for (int i = 0; i < 256; i++)
			all[i] = (unsigned char)(255 - i);
		for (size_t n = 254; n <= 256; n++) {
			struct ayb_buf hex = { 0 };

			for (size_t i = 0; i < n; i++)
				ayb_buf_printf(&hex, "%02x", all[i]);
			b64.len = 0;
			ayb_base64_add(&b64, all, n);
			snprintf(sql, sizeof(sql), "SELECT X'%s' AS b", hex.data);
			snprintf(want, sizeof(want),
				 "{\"fields\":[\"b\"],\"rows\":[[{\"base64\":\"%s\"}]]}", b64.data);
			IS(RO(sql), want, "%zu bytes, every value: base64", n);
			ayb_buf_free(&hex);
		}
		ayb_buf_free(&b64);
	}
	/* Invalid UTF-8 in the SQL itself. */
	IS(RWERR("SELECT 'a\xff'"), "Utf8Error { valid_up_to: 9, error_len: Some(1) }",
	       "invalid UTF-8 in the query text");
}

static void test_errors(void)
{
	IS(RWERR("SELEC 1"),
	       "SqliteFailure(Error { code: Unknown, extended_code: 1 }, Some(\"near \\\"SELEC\\\": syntax error\"))",
	       "syntax error");
	is_str(ayb_err_kind_name(err.kind), "Other", "kind Other");
	is_int(ayb_err_status(&err), 400, "status 400");
	IS(ROERR("SELECT * FROM foo"),
	       "SqliteFailure(Error { code: Unknown, extended_code: 1 }, Some(\"no such table: foo\"))",
	       "no such table");
	IS(ROERR("SELECT * FROM \"a\tb\"\"c\\\""),
	       "SqliteFailure(Error { code: Unknown, extended_code: 1 }, Some(\"no such table: a\\tb\\\"c\\\\\"))",
	       "the message is Debug-escaped");
	IS(ROERR("SELECT * FROM \"a\x01\x7f\xc2\x85\xc3\xa9\""),
	       "SqliteFailure(Error { code: Unknown, extended_code: 1 }, Some(\"no such table: a\\u{1}\\u{7f}\\u{85}\xc3\xa9\"))",
	       "control characters as \\u{..}");

	RW("CREATE TABLE u (a UNIQUE)");
	RW("INSERT INTO u VALUES (1)");
	IS(RWERR("INSERT INTO u VALUES (1)"),
	       "SqliteFailure(Error { code: ConstraintViolation, extended_code: 2067 }, Some(\"UNIQUE constraint failed: u.a\"))",
	       "UNIQUE violation");
	is_int(res.len, 0, "nothing written");

	/* Read-only mode. */
	IS(ROERR("INSERT INTO u VALUES (2)"),
	       "Attempted to write to database while in read-only mode", "write in read-only mode");
	is_int(err.kind, AYB_E_NO_WRITE, "kind NoWriteAccessError");
	is_int(ayb_err_status(&err), 403, "status 403");
	IS(ROERR("CREATE TABLE v (a)"),
	       "Attempted to write to database while in read-only mode", "DDL in read-only mode");
	IS(RO("SELECT COUNT(*) FROM u"), "{\"fields\":[\"COUNT(*)\"],\"rows\":[[\"1\"]]}",
	       "the write did not happen");

	/* Guards: each refusal has its own message and status 403. */
	IS(RWERR("ATTACH 'other.db' AS o"),
	       "Forbidden operation: ATTACH is not allowed on this server", "ATTACH refused");
	is_int(ayb_err_status(&err), 403, "status 403");
	IS(RWERR("DETACH main"),
	       "Forbidden operation: DETACH is not allowed on this server", "DETACH refused");
	IS(RWERR("VACUUM INTO 'copy.db'"),
	       "Forbidden operation: VACUUM is not allowed on this server", "VACUUM INTO refused");
	IS(RWERR("VACUUM"),
	       "Forbidden operation: VACUUM is not allowed on this server", "VACUUM refused");
	ok(!exists("copy.db") && !exists("other.db"), "and wrote no file");
	IS(RWERR("SELECT load_extension('x')"),
	       "Forbidden operation: load_extension() is not allowed on this server",
	       "load_extension refused");
	IS(RWERR("SELECT fts3_tokenizer('simple', x'0000000000000000')"),
	       "Forbidden operation: fts3_tokenizer() is not allowed on this server",
	       "fts3_tokenizer (takes a function pointer) refused");
	IS(RWERR("PRAGMA temp_store_directory = '/tmp'"),
	       "Forbidden operation: PRAGMA temp_store_directory is not allowed on this server",
	       "temp_store_directory refused");
	IS(RWERR("PRAGMA writable_schema = ON"),
	       "Forbidden operation: PRAGMA writable_schema is not allowed on this server",
	       "writable_schema refused");
	IS(RWERR("UPDATE sqlite_master SET sql = 'x'"),
	       "SqliteFailure(Error { code: Unknown, extended_code: 1 }, Some(\"table sqlite_master may not be modified\"))",
	       "defensive mode blocks schema corruption");
	IS(RW("CREATE VIRTUAL TABLE f4 USING fts4(x)"), "{\"fields\":[],\"rows\":[]}",
	   "FTS4 tables still work (fts3_tokenizer is only refused in SQL)");

	/* Ordinary schema features keep working under the guards. */
	IS(RW("CREATE TABLE j (a, b AS (json_extract(a, '$.k')))"), "{\"fields\":[],\"rows\":[]}",
	   "generated column using JSON");
	IS(RW("CREATE TRIGGER jt AFTER INSERT ON j BEGIN "
	      "INSERT INTO u VALUES (json_array(new.b)); END"),
	   "{\"fields\":[],\"rows\":[]}", "trigger using JSON");
	IS(RW("INSERT INTO j (a) VALUES ('{\"k\":7}')"), "{\"fields\":[],\"rows\":[]}",
	   "the trigger runs");
	IS(RO("SELECT b, (SELECT a FROM u WHERE a = '[7]') FROM j"),
	   "{\"fields\":[\"b\",\"(SELECT a FROM u WHERE a = '[7]')\"],\"rows\":[[\"7\",\"[7]\"]]}",
	   "generated column and trigger output");
	RW("DELETE FROM u WHERE a = '[7]'");
	IS(RW("CREATE VIRTUAL TABLE f USING fts5(x)"), "{\"fields\":[],\"rows\":[]}", "FTS5 table");
	RW("INSERT INTO f VALUES ('hello world')");
	IS(RO("SELECT x FROM f WHERE f MATCH 'hello'"),
	   "{\"fields\":[\"x\"],\"rows\":[[\"hello world\"]]}", "FTS5 query");

	/* Only the first statement runs. */
	IS(RW("INSERT INTO u VALUES (10); INSERT INTO u VALUES (11)"),
	       "{\"fields\":[],\"rows\":[]}", "two statements");
	IS(RO("SELECT group_concat(a) FROM u; garbage that does not parse"),
	       "{\"fields\":[\"group_concat(a)\"],\"rows\":[[\"1,10\"]]}",
	       "only the first ran; the tail is ignored");
	IS(RO("  ; -- nothing\n ; SELECT 5"), "{\"fields\":[\"5\"],\"rows\":[[\"5\"]]}",
	       "leading empty statements are skipped");

	/* Empty queries. */
	IS(ROERR(""), "Query is empty", "empty");
	is_int(ayb_err_status(&err), 400, "status 400");
	IS(ROERR("  \n\t"), "Query is empty", "whitespace");
	IS(ROERR("-- just a comment"), "Query is empty", "line comment");
	IS(ROERR("/* block */ ;"), "Query is empty", "block comment and semicolon");
	ayb_err_clear(&err);
	ok(hosted_query(data, "e", "d", NULL, 0, AYB_QUERY_READ_ONLY,
			    &(struct ayb_sink){ NULL, NULL }, &err) < 0 &&
	   err.message && strcmp(err.message, "Query is empty") == 0, "NULL text, length 0");
}

static void test_busy(void)
{
	char path[PATH_MAX + 128], *t = current_target("e", "d");
	sqlite3 *other = NULL;

	snprintf(path, sizeof(path), "%s/d", t ? t : "");
	ok(sqlite3_open(path, &other) == SQLITE_OK &&
	   sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK,
	   "another connection holds the write lock");
	IS(RWERR("INSERT INTO u VALUES (3)"),
	       "SqliteFailure(Error { code: DatabaseBusy, extended_code: 5 }, Some(\"database is locked\"))",
	       "writer waits 5 s, then DatabaseBusy");
	is_int(ayb_err_status(&err), 503, "status 503");
	IS(RO("SELECT COUNT(*) FROM u"), "{\"fields\":[\"COUNT(*)\"],\"rows\":[[\"2\"]]}",
	       "readers are not blocked (WAL)");
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);

	/* A file may hold names that are not UTF-8 (written outside the API,
	 * or restored): column names are checked, and error messages quoting
	 * them get U+FFFD like rusqlite's lossy conversion. */
	ok(sqlite3_exec(other, "CREATE TABLE w (a CHECK (a <> 'x\xff'), \"c\xff\" INT)",
			NULL, NULL, NULL) == SQLITE_OK, "table with non-UTF-8 names");
	IS(RWERR("INSERT INTO w (a) VALUES (CAST(X'78ff' AS TEXT))"),
	   "SqliteFailure(Error { code: ConstraintViolation, extended_code: 275 }, "
	   "Some(\"CHECK constraint failed: a <> 'x\xef\xbf\xbd'\"))",
	   "invalid UTF-8 in an error message becomes U+FFFD");
	IS(ROERR("SELECT * FROM w"), "Utf8Error { valid_up_to: 1, error_len: Some(1) }",
	   "invalid UTF-8 in a column name");
	sqlite3_close(other);
	free(t);
}

static void test_streaming(void)
{
	static const char endless[] =
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";
	static const char big[] =
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x FROM c";
	struct picky pk = { 0, 4, 0 };
	struct ayb_sink sink = { picky_write, &pk };
	struct ayb_buf b = {0};
	struct ayb_sink bs = ayb_buf_sink(&b);
	char tail[64];
	int r;

	/* A sink that refuses stops even an endless query. */
	ayb_err_clear(&err);
	r = hosted_query(data, "e", "d", endless, strlen(endless), AYB_QUERY_READ_ONLY,
			     &sink, &err);
	is_int(r, -1, "endless query stops when the sink refuses");
	is_int(pk.calls, 4, "after the refused write");
	ok(pk.bytes >= 3 * 16384, "earlier chunks were written (%zu bytes)", pk.bytes);
	is_int(ayb_err_status(&err), 500, "status 500");
	ok(err.message != NULL, "err set: %s", err.message ? err.message : "");

	pk.calls = 0;
	pk.refuse_at = 1;
	ayb_err_clear(&err);
	r = hosted_query(data, "e", "d", "SELECT 1", 8, AYB_QUERY_READ_ONLY, &sink, &err);
	is_int(r, -1, "a small result refused at its only write");
	is_int(pk.calls, 1, "one write attempted");

	/* A big result arrives whole, in order. */
	ayb_err_clear(&err);
	r = hosted_query(data, "e", "d", big, strlen(big), AYB_QUERY_READ_ONLY, &bs, &err);
	is_int(r, 0, "100000 rows");
	ok(b.data && strncmp(b.data, "{\"fields\":[\"x\"],\"rows\":[[\"1\"],[\"2\"],", 36) == 0,
	   "starts right");
	snprintf(tail, sizeof(tail), "%s", b.data ? b.data + b.len - 22 : "");
	IS(tail, "[\"99999\"],[\"100000\"]]}", "ends right");
	ayb_buf_free(&b);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/ayb-test-hosted-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir) || !realpath(dir, data)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	/* Relative names in the tests (copy.db, other.db) land here. */
	if (chdir(data) < 0) {
		printf("Bail out! chdir: %s\n", strerror(errno));
		return 1;
	}

	test_layout();
	test_first_write();
	test_results();
	test_errors();
	test_streaming();
	test_busy();

	ayb_buf_free(&res);
	ayb_err_clear(&err);
	if (chdir("/") == 0)
		nftw(data, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
