/* The connections ayb_hosted_run keeps open between queries (lib/hosted.c,
 * "connections kept between queries"): kept when a query left nothing
 * behind, never carrying one query's state into the next, let go when the
 * file is swapped or replaced, and closed on demand; and the pooled query
 * worker of a database's older version ended once the new one is queried. */
#include "autoconfig.h"

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "hosted.h"
#include "hosted_query.h"
#include "render.h"
#include "tap.h"
#include "worker.h"

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

/* Runs sql on e/d within lim (NULL: none): the JSON text, or NULL with
 * `err` set. */
static const char *run(const char *sql, enum ayb_query_mode mode,
		       const struct ayb_query_limits *lim)
{
	struct ayb_sink sink = ayb_buf_sink(&res);

	ayb_buf_free(&res);
	ayb_err_clear(&err);
	if (hosted_query_within(data, "e", "d", sql, strlen(sql), mode, lim, &sink, &err) < 0)
		return NULL;
	return res.data ? res.data : "";
}

/* sql on e/d in a pooled query worker, read-write. */
static const char *wq(const char *sql)
{
	struct ayb_isolation_config iso;
	struct ayb_sink sink = ayb_buf_sink(&res);
	struct ayb_render_json json;
	int rc;

	memset(&iso, 0, sizeof(iso));
	iso.enabled = 1;
	iso.mode = AYB_ISOLATION_POOL;
	iso.query_timeout_ms = 10000;
	iso.heap_limit_mb = 64;
	iso.max_result_mb = 64;
	iso.max_file_size_mb = 256;
	iso.address_space_mb = 256;
	iso.cpu_seconds = 60;
	iso.open_files = 32;
	iso.max_workers = 8;
	iso.worker_idle_seconds = 300;
	ayb_buf_free(&res);
	ayb_err_clear(&err);
	ayb_render_json_init(&json, &sink);
	rc = ayb_worker_query(&iso, data, "e", "d", sql, strlen(sql), AYB_QUERY_READ_WRITE,
			      &json.rows, &err);
	ayb_render_json_free(&json);
	if (rc < 0)
		return NULL;
	return res.data ? res.data : "";
}

#define RW(sql) run((sql), AYB_QUERY_READ_WRITE, NULL)
#define RO(sql) run((sql), AYB_QUERY_READ_ONLY, NULL)

static const char *msg(const char *got)
{
	if (got)
		return "(passed)";
	return err.message ? err.message : "(null)";
}

/* How many descriptors of process `pid` ("self" for this one) are open on
 * files whose path contains `part` (a deleted file shows with " (deleted)"
 * appended). */
static int open_in(const char *pid, const char *part)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(link, sizeof(link), "/proc/%s/fd", pid);
	if (!(d = opendir(link)))
		return -1;
	while ((de = readdir(d))) {
		ssize_t len;

		snprintf(link, sizeof(link), "/proc/%s/fd/%s", pid, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strstr(target, part))
			n++;
	}
	closedir(d);
	return n;
}

static int open_on(const char *part)
{
	return open_in("self", part);
}

/* Children of this process (the pooled query workers), and how many of
 * their descriptors are open on paths containing `part`. */
static int workers(const char *part, int *open)
{
	char path[PATH_MAX], buf[512], *paren;
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0, ppid;
	char state;
	FILE *f;

	*open = 0;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f) && (paren = strrchr(buf, ')')) &&
		    sscanf(paren + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid() &&
		    state != 'Z') {
			n++;
			*open += open_in(de->d_name, part);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/* The rows of sql on `file` through a connection of our own. */
static char *direct(const char *file, const char *sql)
{
	static char out[256];
	sqlite3 *db;
	sqlite3_stmt *st;

	out[0] = '\0';
	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s;",
				 (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return out;
}

static int rm_entry(const char *p, const struct stat *st, int t, struct FTW *f)
{
	(void)st;
	(void)t;
	(void)f;
	return remove(p);
}

int main(void)
{
	struct ayb_layout_file f;
	struct ayb_query_limits lim;
	char *vdir = NULL, file[PATH_MAX + 64], tmp[PATH_MAX + 64], old[PATH_MAX];
	const char *top = getenv("top_builddir");
	sqlite3 *db;
	int n;

	snprintf(file, sizeof(file), "%s/cgi/ayb-query-worker", top ? top : ".");
	setenv("AYB_QUERY_WORKER", file, 1);

	snprintf(data, sizeof(data), "%s/ayb-keep.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(data) || ayb_layout_create(data, "e", "d", &err) < 0) {
		printf("Bail out! cannot make a data directory\n");
		return 1;
	}

	IS(RW("CREATE TABLE p (id INTEGER PRIMARY KEY)"), "{\"fields\":[],\"rows\":[]}", "create");
	IS(RW("CREATE TABLE t (v TEXT, p INTEGER REFERENCES p(id))"), "{\"fields\":[],\"rows\":[]}",
	   "create with a foreign key");
	IS(RW("INSERT INTO t (v) VALUES ('real')"), "{\"fields\":[],\"rows\":[]}", "insert");
	IS(RW("SELECT total_changes()"), "{\"fields\":[\"total_changes()\"],\"rows\":[[\"1\"]]}",
	   "the next query runs on the same connection (its counter goes on)");
	ok(open_on("/d") > 0, "which stays open between queries");

	/* A temp object would shadow the tenant's table for the next query. */
	IS(RW("CREATE TEMP VIEW t AS SELECT 'fake' AS v"), "{\"fields\":[],\"rows\":[]}",
	   "a temp view");
	IS(RW("SELECT v FROM t"), "{\"fields\":[\"v\"],\"rows\":[[\"real\"]]}",
	   "is gone for the next query");
	IS(RO("CREATE TEMP TABLE x (a)"), "{\"fields\":[],\"rows\":[]}", "a temp table, read-only");
	IS(msg(RO("SELECT * FROM temp.x")),
	   "SqliteFailure(Error { code: Unknown, extended_code: 1 }, "
	   "Some(\"no such table: temp.x\"))", "is gone too");

	/* Pragmas change the connection: foreign_keys is ON again after. */
	IS(RW("PRAGMA foreign_keys=OFF"), "{\"fields\":[],\"rows\":[]}", "foreign keys off");
	IS(msg(RW("INSERT INTO t VALUES ('orphan', 42)")),
	   "SqliteFailure(Error { code: ConstraintViolation, extended_code: 787 }, "
	   "Some(\"FOREIGN KEY constraint failed\"))", "are on again for the next query");

	/* A transaction left open is rolled back with its connection, as ayb's
	 * connection per query does, and the next query commits on its own. */
	IS(RW("BEGIN"), "{\"fields\":[],\"rows\":[]}", "BEGIN alone");
	IS(RW("INSERT INTO t (v) VALUES ('after begin')"), "{\"fields\":[],\"rows\":[]}",
	   "then an insert");
	snprintf(file, sizeof(file), "%s/databases/e/d/current/d", data);
	IS(direct(file, "SELECT v FROM t ORDER BY rowid"), "real;after begin;",
	   "which another connection sees committed");

	/* An error drops the connection; the next query works. */
	ok(!RW("SELEC 1"), "a syntax error");
	IS(RW("SELECT count(*) FROM t"), "{\"fields\":[\"count(*)\"],\"rows\":[[\"2\"]]}",
	   "then a query");

	/* Modes and limits are never mixed up. */
	IS(msg(RO("INSERT INTO t (v) VALUES ('ro')")),
	   "Attempted to write to database while in read-only mode",
	   "read-only right after read-write is still read-only");
	memset(&lim, 0, sizeof(lim));
	lim.max_file_bytes = 1 << 20;
	IS(msg(run("INSERT INTO t (v) WITH RECURSIVE c(x) AS "
		   "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30) "
		   "SELECT randomblob(100000) FROM c", AYB_QUERY_READ_WRITE, &lim)),
	   "Database file too large: it would grow beyond 1 MiB (the server's limit)",
	   "a file size limit applies even after queries without one");

	/* A restore swaps in a new version: the next query reads it, and the
	 * connection to the old file is let go. */
	if (ayb_layout_locate(data, "e", "d", &f, &err) < 0 ||
	    ayb_layout_new_version(data, "e", "d", &vdir, &err) < 0) {
		printf("Bail out! %s\n", err.message);
		return 1;
	}
	snprintf(old, sizeof(old), "%s", f.dir);
	snprintf(tmp, sizeof(tmp), "%s/d", vdir);
	if (sqlite3_open(tmp, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('restored')",
			 NULL, NULL, NULL) != SQLITE_OK) {
		printf("Bail out! cannot write %s\n", tmp);
		return 1;
	}
	sqlite3_close(db);
	IS(RO("SELECT count(*) FROM t"), "{\"fields\":[\"count(*)\"],\"rows\":[[\"2\"]]}",
	   "read-only before the swap");
	ok(ayb_layout_swap(data, "e", "d", vdir, &err) == 0, "swap");
	IS(RW("SELECT v FROM t"), "{\"fields\":[\"v\"],\"rows\":[[\"restored\"]]}",
	   "the next query reads the new version");
	is_int(open_on(old), 0, "and nothing holds the old file any more");

	/* A file replaced under the same name is opened afresh. */
	IS(RO("SELECT v FROM t"), "{\"fields\":[\"v\"],\"rows\":[[\"restored\"]]}", "read-only");
	snprintf(tmp, sizeof(tmp), "%s/other", vdir);
	if (sqlite3_open(tmp, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('replaced')",
			 NULL, NULL, NULL) != SQLITE_OK) {
		printf("Bail out! cannot write %s\n", tmp);
		return 1;
	}
	sqlite3_close(db);
	snprintf(file, sizeof(file), "%s/d", vdir);
	ok(rename(tmp, file) == 0, "replace the file");
	IS(RO("SELECT v FROM t"), "{\"fields\":[\"v\"],\"rows\":[[\"replaced\"]]}",
	   "read-only reads the new file");
	IS(RW("SELECT v FROM t"), "{\"fields\":[\"v\"],\"rows\":[[\"replaced\"]]}",
	   "read-write too");

	ayb_hosted_close_kept();
	is_int(open_on(vdir), 0, "ayb_hosted_close_kept closes them all");
	IS(RO("SELECT v FROM t"), "{\"fields\":[\"v\"],\"rows\":[[\"replaced\"]]}",
	   "and queries go on");
	ayb_hosted_close_kept();

	/* A pooled worker keeps its connection too: once a restore swapped
	 * in a new version, the worker of the old one must not hold the
	 * replaced file until it idles out. */
	snprintf(old, sizeof(old), "%s", vdir);
	IS(wq("SELECT v FROM t"), "{\"fields\":[\"v\"],\"rows\":[[\"replaced\"]]}",
	   "a worker's query");
	is_int(workers(old, &n), 1, "one worker");
	ok(n > 0, "which keeps the file open");
	free(vdir);
	vdir = NULL;
	if (ayb_layout_new_version(data, "e", "d", &vdir, &err) < 0) {
		printf("Bail out! %s\n", err.message);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s/d", vdir);
	if (sqlite3_open(tmp, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('second restore')",
			 NULL, NULL, NULL) != SQLITE_OK) {
		printf("Bail out! cannot write %s\n", tmp);
		return 1;
	}
	sqlite3_close(db);
	ok(ayb_layout_swap(data, "e", "d", vdir, &err) == 0, "a second swap");
	IS(wq("SELECT v FROM t"), "{\"fields\":[\"v\"],\"rows\":[[\"second restore\"]]}",
	   "a worker reads the new version");
	is_int(workers(old, &n), 1, "still one worker");
	is_int(n, 0, "and no worker holds the old file");
	ayb_worker_shutdown();

	ayb_layout_file_free(&f);
	free(vdir);
	ayb_buf_free(&res);
	ayb_err_clear(&err);
	nftw(data, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
