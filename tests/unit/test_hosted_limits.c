/* ayb_hosted_run's resource limits, in this process: time, SQLite heap,
 * result rows and bytes, database file size.  Each limit stops the query
 * with its own message and leaves the database usable. */
#include "autoconfig.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "hosted.h"
#include "render.h"
#include "tap.h"

static char data[] = "/tmp/ayb-test-limits.XXXXXX";
static struct ayb_layout_file file;
static struct ayb_buf res;
static struct ayb_err err;
static int slow_writes;

static int slow_write(void *ctx, const char *p, size_t n)
{
	struct timespec ts = { 0, 150 * 1000000 };

	slow_writes++;
	nanosleep(&ts, NULL);
	return ayb_buf_add(ctx, p, n);
}

/* Runs sql within lim: the JSON, or NULL with `err` set. */
static const char *run(const char *sql, const struct ayb_query_limits *lim, int slow)
{
	struct ayb_sink sink = ayb_buf_sink(&res);
	struct ayb_render_json json;
	int rc;

	if (slow)
		sink.write = slow_write;
	ayb_buf_free(&res);
	ayb_err_clear(&err);
	ayb_render_json_init(&json, &sink);
	rc = ayb_hosted_run(&file, sql, strlen(sql), AYB_QUERY_READ_WRITE, lim, &json.rows, &err);
	ayb_render_json_free(&json);
	if (rc < 0)
		return NULL;
	return res.data ? res.data : "";
}

static const char *fails(const char *sql, const struct ayb_query_limits *lim)
{
	if (run(sql, lim, 0))
		return "(passed)";
	return err.message ? err.message : "(null)";
}

static int rm_entry(const char *p, const struct stat *st, int t, struct FTW *f)
{
	(void)st;
	(void)t;
	(void)f;
	return remove(p);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define COUNT_FOREVER \
	"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"

int main(void)
{
	struct ayb_query_limits lim;
	const char *got;
	double t0;
	struct stat st;
	char wal[PATH_MAX];
	long long size;

	if (!mkdtemp(data) || ayb_layout_create(data, "e", "d", &err) < 0 ||
	    ayb_layout_locate(data, "e", "d", &file, &err) < 0) {
		printf("Bail out! setup: %s\n", err.message ? err.message : "mkdtemp");
		return 1;
	}
	ok(run("CREATE TABLE t (a)", NULL, 0) != NULL, "no limits: a query runs");

	/* Time. */
	memset(&lim, 0, sizeof(lim));
	lim.timeout_ms = 300;
	t0 = now();
	is_str(fails(COUNT_FOREVER, &lim),
	       "Query timed out: it ran longer than 300 ms (the server's limit)",
	       "an endless recursive CTE times out");
	is_int(ayb_err_status(&err), 400, "status 400");
	ok(now() - t0 < 2.0, "soon after the limit (%.2f s)", now() - t0);
	got = run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) "
		  "SELECT x, printf('%.40c', 'y') FROM c", &lim, 1);
	ok(got && slow_writes >= 3,
	   "time spent handing output to a slow consumer does not count (%d slow writes)",
	   slow_writes);
	lim.timeout_ms = 1000;
	ok(run("SELECT count(*) FROM t", &lim, 0) != NULL, "a quick query within the limit");

	/* SQLite heap. */
	memset(&lim, 0, sizeof(lim));
	lim.heap_bytes = 16 << 20;
	is_str(fails("SELECT length(randomblob(6000000)), randomblob(6000000), "
		     "randomblob(6000000), randomblob(6000000)", &lim),
	       "Query ran out of memory: it needed more than 16 MiB (the server's limit)",
	       "randomblobs held at once run out of heap");
	is_int(ayb_err_status(&err), 400, "status 400");
	is_str(fails("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
		     "WHERE x < 1000) SELECT randomblob(7000000), randomblob(7000000), "
		     "randomblob(7000000) FROM c", &lim),
	       "Query ran out of memory: it needed more than 16 MiB (the server's limit)",
	       "randomblob in a loop runs out of heap");
	is_str(fails("SELECT length(randomblob(9000000))", &lim),
	       "SqliteFailure(Error { code: TooBig, extended_code: 18 }, Some(\"string or blob too big\"))",
	       "a value over half the heap limit is too big");
	is_int((long long)sqlite3_hard_heap_limit64(-1), 0, "the heap limit is lifted afterwards");
	ok(run("SELECT length(randomblob(9000000))", NULL, 0) != NULL, "...for queries without it");

	/* Result rows and bytes. */
	memset(&lim, 0, sizeof(lim));
	lim.max_rows = 100;
	is_str(fails("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
		     "SELECT x FROM c", &lim),
	       "Query result too large: more than 100 rows (the server's limit)",
	       "an endless result stops at the row cap");
	is_int(ayb_err_status(&err), 400, "status 400");
	ok(res.len == 0, "and nothing reached the sink");
	ok(run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) "
	       "SELECT x FROM c", &lim, 0) != NULL, "exactly the cap is fine");
	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = 1 << 20;
	is_str(fails("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
		     "SELECT printf('%.1000c', 'z') FROM c", &lim),
	       "Query result too large: more than 1 MiB of JSON (the server's limit)",
	       "a result stops at the byte cap");
	ok(res.len <= (1 << 20), "the sink got no more than the cap (%zu bytes)", res.len);

	/* Database file size. */
	memset(&lim, 0, sizeof(lim));
	lim.max_file_bytes = 1 << 20;
	is_str(fails("INSERT INTO t WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
		     "WHERE x < 100) SELECT randomblob(100000) FROM c", &lim),
	       "Database file too large: it would grow beyond 1 MiB (the server's limit)",
	       "a file-size bomb stops at the limit");
	is_int(ayb_err_status(&err), 400, "status 400");
	is_str(fails("INSERT INTO t WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
		     "WHERE x < 100) SELECT randomblob(100000) FROM c", &lim),
	       "Database file too large: it would grow beyond 1 MiB (the server's limit)",
	       "and again");
	/* (stat first: the order ok()'s arguments are evaluated in is open) */
	size = stat(file.path, &st) == 0 ? st.st_size : -1;
	ok(size >= 0 && size <= (1 << 20), "the file stayed within it (%lld bytes)", size);
	snprintf(wal, sizeof(wal), "%s-wal", file.path);
	size = stat(wal, &st) == 0 ? st.st_size : -1;
	ok(size <= (5 << 18), "no oversized WAL left behind (%lld bytes; -1: none)", size);
	is_str(run("INSERT INTO t VALUES ('small')", &lim, 0), "{\"fields\":[],\"rows\":[]}",
	       "a small insert still fits");
	is_str(run("PRAGMA integrity_check", &lim, 0),
	       "{\"fields\":[\"integrity_check\"],\"rows\":[[\"ok\"]]}",
	       "the database is intact");

	ayb_layout_file_free(&file);
	ayb_buf_free(&res);
	ayb_err_clear(&err);
	nftw(data, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
