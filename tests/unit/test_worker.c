/* lib/worker: the pool of sandboxed query workers, driven directly with the
 * real ayb-query-worker of this build: results and errors come back as
 * in-process, workers are reused, and a worker that hangs, dies, idles out
 * or is evicted is replaced without the caller noticing more than one
 * clear error.  Checks and copies of a tenant's file run in workers of
 * their own under the same limits. */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "disk.h"
#include "hosted.h"
#include "hosted_query.h"
#include "render.h"
#include "sandbox.h"
#include "tap.h"
#include "worker.h"
#include "worker_impl.h"

static char data[] = "/tmp/ayb-test-worker.XXXXXX";
static struct ayb_isolation_config iso;
static struct ayb_buf res;
static struct ayb_err err;
static int refuse_after;

#define COUNT_FOREVER \
	"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
#define BIG_ROW "SELECT printf('%.*c', 3000000, 'x') AS big, 1.5, NULL"
#define MANY_ROWS \
	"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) " \
	"SELECT x, x * 0.5, 'row ' || x, NULL FROM c"

static void defaults(void)
{
	memset(&iso, 0, sizeof(iso));
	iso.enabled = 1;
	iso.mode = AYB_ISOLATION_POOL;
	iso.query_timeout_ms = 10000;
	iso.heap_limit_mb = 64;
	iso.max_result_rows = 1000000;
	iso.max_result_mb = 64;
	iso.max_file_size_mb = 256;
	iso.address_space_mb = 256;
	iso.cpu_seconds = 60;
	iso.open_files = 32;
	iso.max_workers = 8;
	iso.worker_idle_seconds = 300;
}

static int refusing_write(void *ctx, const char *p, size_t n)
{
	if (refuse_after-- <= 0)
		return -1;
	return ayb_buf_add(ctx, p, n);
}

/* The JSON of sql on database d (read-write), or NULL with `err` set. */
static const char *q(const char *d, const char *sql)
{
	struct ayb_sink sink = ayb_buf_sink(&res);
	struct ayb_render_json json;
	int rc;

	if (refuse_after > 0)
		sink.write = refusing_write;
	ayb_buf_free(&res);
	ayb_err_clear(&err);
	ayb_render_json_init(&json, &sink);
	rc = ayb_worker_query(&iso, data, "e", d, sql, strlen(sql), AYB_QUERY_READ_WRITE,
			      &json.rows, &err);
	ayb_render_json_free(&json);
	if (rc < 0) {
		printf("# %s: %s\n", sql, err.message ? err.message : "(no message)");
		return NULL;
	}
	return res.data ? res.data : "";
}

static const char *qerr(const char *d, const char *sql)
{
	if (q(d, sql))
		return "(passed)";
	return err.message ? err.message : "(null)";
}

/* Our children: the live workers.  Returns how many, the first in *first. */
static int children(pid_t *first)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	char path[300], buf[512];
	int n = 0;

	*first = 0;
	while (dir && (e = readdir(dir))) {
		FILE *f;
		char *close_paren;
		int ppid = 0;
		char state = 0;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')) &&
		    sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid() &&
		    state != 'Z') {
			if (!*first)
				*first = atoi(e->d_name);
			n++;
		}
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return n;
}

/* kill(2) for a worker found above, never for anything else: a pid that is
 * not a positive child of ours (0 or -1 would signal a process group or
 * every process) is refused. */
static int signal_worker(pid_t pid, int sig)
{
	char path[64], buf[512], *close_paren;
	FILE *f;
	int ppid = 0;
	char state = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid > 1 && (f = fopen(path, "r"))) {
		if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')))
			sscanf(close_paren + 1, " %c %d", &state, &ppid);
		fclose(f);
	}
	if (pid <= 1 || ppid != getpid()) {
		printf("# refusing to signal pid %d\n", (int)pid);
		return -1;
	}
	return kill(pid, sig);
}

/* Until the killed worker has died (is a zombie waiting for the pool to
 * reap it): a query sent in the instant between a kill and the death
 * fails like one whose worker dies while running it. */
static void wait_dead(pid_t pid)
{
	char path[64], buf[512], *close_paren, state = 0;
	struct timespec ts = { 0, 1000000 };
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 2000 && state != 'Z'; i++) {
		if (!(f = fopen(path, "r")))
			return;
		if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')))
			sscanf(close_paren + 1, " %c", &state);
		fclose(f);
		if (state != 'Z')
			nanosleep(&ts, NULL);
	}
}

static pid_t the_worker(void)
{
	pid_t pid;

	return children(&pid) == 1 ? pid : -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rm_entry(const char *p, const struct stat *st, int t, struct FTW *f)
{
	(void)st;
	(void)t;
	(void)f;
	return remove(p);
}

/* The same query in this process, for comparison. */
static char *in_process(const char *d, const char *sql)
{
	struct ayb_buf b = { 0 };
	struct ayb_sink sink = ayb_buf_sink(&b);
	struct ayb_err e = { 0 };

	if (hosted_query(data, "e", d, sql, strlen(sql), AYB_QUERY_READ_WRITE, &sink, &e) < 0) {
		ayb_buf_free(&b);
		b.data = e.message;
		e.message = NULL;
	}
	ayb_err_clear(&e);
	return b.data;
}

/* ---- the frames, as the parent decodes them ---------------------------- */

/* Collects decoded rows as text: "i:-5|r:0.5|t:ab|~;" */
static int collect_row(void *ctx, const struct ayb_value *v, size_t n)
{
	struct ayb_buf *b = ctx;

	for (size_t i = 0; i < n; i++) {
		if (i)
			ayb_buf_addc(b, '|');
		switch (v[i].type) {
		case AYB_VALUE_NULL: ayb_buf_addc(b, '~'); break;
		case AYB_VALUE_INTEGER: ayb_buf_printf(b, "i:%lld", (long long)v[i].u.i); break;
		case AYB_VALUE_REAL: ayb_buf_printf(b, "r:%g", v[i].u.r); break;
		default:
			ayb_buf_adds(b, v[i].type == AYB_VALUE_TEXT ? "t:"
					: v[i].type == AYB_VALUE_BLOB ? "b:" : "x:");
			ayb_buf_add(b, v[i].u.s.p, v[i].u.s.n);
		}
	}
	return ayb_buf_addc(b, ';');
}

/* A frame's payload from b, whose header is at `at`. */
static const unsigned char *payload(const struct ayb_buf *b, size_t at, size_t *n)
{
	int type;
	uint32_t len;

	ayb_worker_get_header((const unsigned char *)b->data + at, &type, &len);
	*n = len;
	return (const unsigned char *)b->data + at + AYB_WORKER_HEADER;
}

static void test_frames(void)
{
	static const char *const names[] = { "a", "b\"c", "" };
	struct ayb_buf f = { 0 }, w = { 0 }, got = { 0 };
	struct ayb_row_sink sink = { NULL, collect_row, NULL, &got };
	struct ayb_value v[3], out[4];
	const unsigned char *p;
	const char **dec = NULL;
	size_t n, count, at, boundary;
	int bad = 0;

	ok(ayb_worker_put_fields(&f, names, 3) == 0, "fields frame");
	p = payload(&f, 0, &n);
	ok(ayb_worker_get_fields(p, n, &dec, &count) == 0 && count == 3 &&
	   strcmp(dec[0], "a") == 0 && strcmp(dec[1], "b\"c") == 0 && strcmp(dec[2], "") == 0,
	   "fields decode");
	free(dec);
	for (size_t cut = 0; cut < n; cut++) {
		if (ayb_worker_get_fields(p, cut, &dec, &count) == 0)
			bad++;
		free(dec);
	}
	is_int(bad, 0, "every truncated fields frame is refused");

	v[0].type = AYB_VALUE_INTEGER;
	v[0].u.i = -5;
	v[1].type = AYB_VALUE_REAL;
	v[1].u.r = 0.5;
	v[2].type = AYB_VALUE_TEXT;
	v[2].u.s.p = "ab";
	v[2].u.s.n = 2;
	at = ayb_worker_rows_begin(&w);
	ok(ayb_worker_put_row(&w, at, v, 3) == 0, "a row");
	boundary = w.len - at - AYB_WORKER_HEADER;
	v[0].type = AYB_VALUE_NULL;
	v[1].type = AYB_VALUE_BINARY;
	v[1].u.s.p = "\xff";
	v[1].u.s.n = 1;
	v[2].type = AYB_VALUE_BLOB;
	ok(ayb_worker_put_row(&w, at, v, 3) == 0, "a second row in the same frame");
	ayb_worker_rows_end(&w, at);
	p = payload(&w, at, &n);
	ok(ayb_worker_get_rows(p, n, out, 3, &sink) == 0, "rows decode");
	is_str(got.data, "i:-5|r:0.5|t:ab;~|x:\xff|b:ab;", "with their types and values");
	bad = 0;
	for (size_t cut = 1; cut < n; cut++)
		if ((ayb_worker_get_rows(p, cut, out, 3, &sink) == 0) != (cut == boundary))
			bad++;
	is_int(bad, 0, "a rows frame cut anywhere but between rows is refused");
	ok(ayb_worker_get_rows(p, n, out, 4, &sink) < 0, "rows of another width are refused");
	ok(ayb_worker_get_rows(p, 0, out, 3, &sink) < 0, "an empty rows frame is refused");
	ok(ayb_worker_get_rows(p, n, out, 0, &sink) < 0, "rows without columns are refused");
	{
		unsigned char odd[] = { 9 };
		unsigned char huge[] = { AYB_VALUE_TEXT, 0xff, 0xff, 0xff, 0x7f, 'x' };
		unsigned char noname[] = { 1, 0, 0, 0, 1, 0, 0, 0, 'x', 'y' };
		unsigned char many[] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0 };

		ok(ayb_worker_get_rows(odd, sizeof(odd), out, 1, &sink) == -1,
		   "an unknown value type is refused");
		ok(ayb_worker_get_rows(huge, sizeof(huge), out, 1, &sink) == -1,
		   "a value longer than its frame is refused");
		ok(ayb_worker_get_fields(noname, sizeof(noname), &dec, &count) < 0,
		   "a name without its NUL is refused");
		ok(ayb_worker_get_fields(many, sizeof(many), &dec, &count) < 0,
		   "more names than the frame can hold are refused");
	}
	{
		struct ayb_buf e = { 0 };
		struct ayb_err full = { 0 }, back = { 0 };

		/* A full disk is found in the worker and must reach the
		 * client as 507, not as a garbled answer (500). */
		ayb_disk_full_error(&full, "the database");
		ayb_worker_put_error(&e, &full);
		p = payload(&e, 0, &n);
		ok(ayb_worker_get_error(p, n, &back) == 0 && back.kind == AYB_E_DISK_FULL &&
		   ayb_err_status(&back) == 507 && strcmp(back.message, full.message) == 0,
		   "a full disk crosses the pipe as 507 with its message");
		ayb_err_clear(&back);
		ayb_buf_free(&e);
		full.kind = AYB_E_EMAIL;
		ayb_worker_put_error(&e, &full);
		p = payload(&e, 0, &n);
		ok(ayb_worker_get_error(p, n, &back) < 0, "a class no query raises is refused");
		ayb_err_clear(&back);
		ayb_err_clear(&full);
		ayb_buf_free(&e);
	}
	ayb_buf_free(&f);
	ayb_buf_free(&w);
	ayb_buf_free(&got);
}

/* ---- checks and copies --------------------------------------------------- */

/* Builds the database at path with this process's own SQLite, which has no
 * guards (writable_schema works). */
static int make_db(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* An index made with a cheap expression, then given in the schema a costly
 * one of the same values: what a tenant builds row by row, each insert
 * within the timeout, while a check evaluates the costly one for every row
 * (tests/e2e/snapshots_limits.sh). */
#define REINDEXED(rows, x, cheap, costly) \
	"CREATE TABLE t(x TEXT);" \
	"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < " rows ") " \
	"INSERT INTO t SELECT " x " FROM c;" \
	"CREATE INDEX i ON t(" cheap ");" \
	"PRAGMA writable_schema = ON;" \
	"UPDATE sqlite_schema SET sql = 'CREATE INDEX i ON t(" costly ")' WHERE name = 'i';"
/* 2000 evaluations, each sliding a thousand bytes along 100 kB (a few ms):
 * seconds in all, in steps short enough for the progress handler to stop
 * it in this process too. */
#define SLOW_INDEX \
	REINDEXED("2000", "printf('%.*c', 1000, 'a') || 'b'", \
		  "instr(printf('%.*c', 1, 'a'), x)", \
		  "instr(printf(''%.*c'', 100000, ''a''), x)")
/* Each evaluation makes a 40 MB string: past the length limit (half the
 * 64 MiB heap limit). */
#define HUGE_INDEX \
	REINDEXED("8", "'b'", "length(hex(zeroblob(1))) * 0", \
		  "length(hex(zeroblob(20000000))) * 0")

/* A check or a copy with a fresh error: its message, or "(passed)". */
static const char *task(int (*run)(const struct ayb_isolation_config *,
				   const struct ayb_layout_file *, struct ayb_err *),
			const struct ayb_layout_file *f)
{
	ayb_err_clear(&err);
	if (run(&iso, f, &err) == 0)
		return "(passed)";
	return err.message ? err.message : "(null)";
}

static const char *copy_to(const struct ayb_layout_file *f, const struct ayb_layout_file *to)
{
	ayb_err_clear(&err);
	if (ayb_worker_copy(&iso, f, to, &err) == 0)
		return "(passed)";
	return err.message ? err.message : "(null)";
}

static void test_tasks(void)
{
	char top[PATH_MAX], in[PATH_MAX + 8], out[PATH_MAX + 8], away[PATH_MAX + 8];
	char good[PATH_MAX + 16], slow[PATH_MAX + 16], huge[PATH_MAX + 16], junk[PATH_MAX + 16];
	char copy[PATH_MAX + 16], escaped[PATH_MAX + 16];
	struct ayb_layout_file f = { in, good, NULL, 0 }, to = { out, copy, NULL, 0 };
	struct ayb_sandbox_support sup;
	const char *why;
	pid_t pid;
	FILE *j;

	/* Paths as the layout gives them: canonical (no symlink in them). */
	if (!realpath(data, top))
		snprintf(top, sizeof(top), "%s", data);
	snprintf(in, sizeof(in), "%s/in", top);
	snprintf(out, sizeof(out), "%s/out", top);
	snprintf(away, sizeof(away), "%s/away", top);
	mkdir(in, 0700);
	mkdir(out, 0700);
	mkdir(away, 0700);
	snprintf(good, sizeof(good), "%s/good", in);
	snprintf(slow, sizeof(slow), "%s/slow", in);
	snprintf(huge, sizeof(huge), "%s/huge", in);
	snprintf(junk, sizeof(junk), "%s/junk", in);
	snprintf(copy, sizeof(copy), "%s/copy", out);
	snprintf(escaped, sizeof(escaped), "%s/copy", away);
	if (make_db(good, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);") < 0 ||
	    make_db(slow, SLOW_INDEX) < 0 || make_db(huge, HUGE_INDEX) < 0 ||
	    !(j = fopen(junk, "w"))) {
		ok(0, "set up the databases to check");
		return;
	}
	fputs("not a database, but long enough to be read as one's header......", j);
	fclose(j);
	iso.query_timeout_ms = 300;

	is_str(task(ayb_worker_check, &f), "(passed)",
	       "an intact database passes its check in a worker");
	f.path = junk;
	is_str(task(ayb_worker_check, &f), "file is not a database",
	       "a file that is not a database fails it");
	is_int(err.kind, AYB_E_SNAPSHOT, "with SQLite's words as SnapshotError");
	f.path = slow;
	is_str(task(ayb_worker_check, &f),
	       "Query timed out: it ran longer than 300 ms (the server's limit)",
	       "a check that evaluates a costly index stops at the query timeout");
	is_int(ayb_err_status(&err), 400, "status 400: the tenant's data, not the server");
	f.path = huge;
	is_str(task(ayb_worker_check, &f),
	       "String or blob too big: longer than 32 MiB (the server's limit)",
	       "a check that builds huge strings stops at the length limit");
	iso.mode = AYB_ISOLATION_FORK;
	f.path = slow;
	is_str(task(ayb_worker_check, &f),
	       "Query timed out: it ran longer than 300 ms (the server's limit)",
	       "fork mode: the same limit");
	iso.mode = AYB_ISOLATION_POOL;
	iso.enabled = 0;
	is_str(task(ayb_worker_check, &f),
	       "Query timed out: it ran longer than 300 ms (the server's limit)",
	       "isolation off: the check's timeout still applies in this process");
	iso.enabled = 1;
	iso.query_timeout_ms = 10000;

	f.path = good;
	is_str(copy_to(&f, &to), "(passed)", "a copy (VACUUM INTO) in a worker");
	is_str(task(ayb_worker_check, &to), "(passed)", "the copy is intact");
	ayb_sandbox_probe(&sup);
	if (sup.landlock_abi > 0) {
		to.path = escaped;
		why = copy_to(&f, &to);
		ok(strcmp(why, "(passed)") != 0 && access(escaped, F_OK) < 0,
		   "a copy's worker can write nowhere but its own two directories (%s)", why);
		to.path = copy;
	} else {
		ok(1, "# SKIP no Landlock on this kernel: a copy's worker is not confined");
	}
	is_int(children(&pid), 0, "no worker is left after checks and copies");
}

int main(void)
{
	char worker[PATH_MAX];
	const char *top = getenv("top_builddir");
	char *want;
	pid_t pid, pid2, killer;
	double t0;
	int n;

	snprintf(worker, sizeof(worker), "%s/cgi/ayb-query-worker", top ? top : ".");
	setenv("AYB_QUERY_WORKER", worker, 1);
	if (!mkdtemp(data) || ayb_layout_create(data, "e", "a", &err) < 0 ||
	    ayb_layout_create(data, "e", "b", &err) < 0) {
		printf("Bail out! setup: %s\n", err.message ? err.message : "mkdtemp");
		return 1;
	}
	defaults();
	test_frames();

	/* Results and errors as in-process. */
	is_str(q("a", "CREATE TABLE t (a, b)"), "{\"fields\":[],\"rows\":[]}",
	       "a query in a worker");
	pid = the_worker();
	ok(pid > 0, "one worker was started");
	want = in_process("a", MANY_ROWS);
	n = want && q("a", MANY_ROWS) && strcmp(res.data, want) == 0;
	ok(n, "a large streamed result is byte for byte the in-process one (%zu bytes)", res.len);
	free(want);
	/* One row bigger than any other frame may be. */
	want = in_process("a", BIG_ROW);
	n = want && q("a", BIG_ROW) && strcmp(res.data, want) == 0;
	ok(n, "a 3 MB row is byte for byte the in-process one (%zu bytes)", res.len);
	free(want);
	want = in_process("a", "SELECT nope FROM t");
	is_str(qerr("a", "SELECT nope FROM t"), want ? want : "",
	       "an SQL error is the in-process one");
	is_int(ayb_err_status(&err), 400, "with its status");
	free(want);
	is_str(qerr("a", "ATTACH 'x.db' AS x"),
	       "Forbidden operation: ATTACH is not allowed on this server",
	       "the guards hold in the worker");
	is_int(ayb_err_status(&err), 403, "status 403");
	is_int(the_worker(), pid, "the same worker served every query");

	/* Limits in the worker. */
	iso.query_timeout_ms = 400;
	t0 = now();
	is_str(qerr("a", COUNT_FOREVER),
	       "Query timed out: it ran longer than 400 ms (the server's limit)",
	       "an endless query times out in the worker");
	ok(now() - t0 < 2.0, "on time (%.2f s)", now() - t0);
	is_int(the_worker(), pid, "and the worker lives on");
	iso.query_timeout_ms = 10000;
	iso.heap_limit_mb = 16;
	is_str(qerr("a", "SELECT randomblob(6000000), randomblob(6000000), randomblob(6000000)"),
	       "Query ran out of memory: it needed more than 16 MiB (the server's limit)",
	       "a memory bomb in the worker");
	iso.heap_limit_mb = 64;
	iso.max_file_size_mb = 1;
	is_str(qerr("a", "INSERT INTO t WITH RECURSIVE c(x) AS "
			 "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) "
			 "SELECT x, randomblob(100000) FROM c"),
	       "Database file too large: it would grow beyond 1 MiB (the server's limit)",
	       "a file-size bomb in the worker");
	iso.max_file_size_mb = 256;
	ayb_worker_shutdown(); /* the sandbox's file limit was the old one */

	/* A worker killed between queries is replaced. */
	q("a", "SELECT 1");
	pid = the_worker();
	ok(signal_worker(pid, SIGKILL) == 0, "kill the worker (pid %d)", (int)pid);
	wait_dead(pid);
	is_str(q("a", "SELECT 2"), "{\"fields\":[\"2\"],\"rows\":[[\"2\"]]}",
	       "after its worker was killed, the next query succeeds");
	pid2 = the_worker();
	ok(pid2 > 0 && pid2 != pid, "in a new worker");

	/* Killed during a query: that query fails clearly, the next succeeds. */
	fflush(stdout);
	killer = fork();
	if (killer == 0) {
		struct timespec ts = { 0, 300 * 1000000 };

		nanosleep(&ts, NULL);
		if (pid2 > 1)
			kill(pid2, SIGKILL);
		_exit(0);
	}
	is_str(qerr("a", COUNT_FOREVER),
	       "The query worker stopped unexpectedly (signal 9, Killed); the next query gets a fresh one",
	       "a worker killed mid-query: a clear error");
	is_int(err.kind, AYB_E_QUERY, "kind QueryError");
	is_int(ayb_err_status(&err), 500, "status 500");
	waitpid(killer, NULL, 0);
	is_str(q("a", "SELECT 3"), "{\"fields\":[\"3\"],\"rows\":[[\"3\"]]}",
	       "the next query succeeds");

	/* A hung worker is killed after the timeout and its grace. */
	iso.query_timeout_ms = 300;
	pid = the_worker();
	ok(signal_worker(pid, SIGSTOP) == 0, "stop the worker (pid %d)", (int)pid);
	t0 = now();
	is_str(qerr("a", "SELECT 4"),
	       "Query timed out: it ran longer than 300 ms (the server's limit)",
	       "a hung worker: the query times out");
	ok(now() - t0 < 4.0, "within timeout + grace (%.2f s)", now() - t0);
	ok(pid > 1 && kill(pid, 0) < 0 && errno == ESRCH, "the hung worker is gone");
	iso.query_timeout_ms = 10000;
	is_str(q("a", "SELECT 5"), "{\"fields\":[\"5\"],\"rows\":[[\"5\"]]}", "and replaced");

	/* A consumer that stops taking output ends the worker mid-stream. */
	refuse_after = 1;
	is_str(qerr("a", MANY_ROWS), "The query result could not be delivered", "a refused result");
	refuse_after = 0;
	is_int(children(&pid), 0, "its worker was ended, not left streaming");
	ok(q("a", "SELECT 6") != NULL, "the next query succeeds");

	/* Idle workers leave; the next query starts another. */
	iso.worker_idle_seconds = 1;
	ayb_worker_shutdown();
	q("a", "SELECT 7");
	pid = the_worker();
	sleep(2);
	ok(pid > 1 && children(&pid2) == 0, "an idle worker exits on its own");
	is_str(q("a", "SELECT 8"), "{\"fields\":[\"8\"],\"rows\":[[\"8\"]]}",
	       "a query after that gets a new one");
	iso.worker_idle_seconds = 300;

	/* One worker per database; the least recently used makes room. */
	iso.max_workers = 1;
	ayb_worker_shutdown();
	q("a", "SELECT 9");
	pid = the_worker();
	is_str(q("b", "SELECT 10"), "{\"fields\":[\"10\"],\"rows\":[[\"10\"]]}",
	       "another database");
	pid2 = the_worker();
	ok(pid2 > 0 && pid2 != pid, "in its own worker, which replaced the first (pool of 1)");
	iso.max_workers = 2;
	q("a", "SELECT 11");
	n = children(&pid);
	is_int(n, 2, "a pool of 2 keeps both");
	ayb_worker_shutdown();
	is_int(children(&pid), 0, "shutdown ends them all");

	/* Fork mode: a fresh process per query, none left after. */
	iso.mode = AYB_ISOLATION_FORK;
	is_str(q("a", "SELECT count(*) FROM t"), "{\"fields\":[\"count(*)\"],\"rows\":[[\"0\"]]}",
	       "fork mode runs the query");
	is_int(children(&pid), 0, "and leaves no process behind");
	is_str(qerr("a", "ATTACH 'x.db' AS x"),
	       "Forbidden operation: ATTACH is not allowed on this server",
	       "fork mode: the guards hold");
	iso.mode = AYB_ISOLATION_POOL;

	test_tasks();

	/* Isolation off: in this process, limits still apply. */
	iso.enabled = 0;
	iso.query_timeout_ms = 300;
	is_str(qerr("a", COUNT_FOREVER),
	       "Query timed out: it ran longer than 300 ms (the server's limit)",
	       "isolation off: the timeout still applies");
	is_int(children(&pid), 0, "and no worker was started");
	iso.enabled = 1;
	iso.query_timeout_ms = 10000;

	/* No worker program: a clear 503, not a crash. */
	setenv("AYB_QUERY_WORKER", "/nonexistent/ayb-query-worker", 1);
	is_str(qerr("a", "SELECT 1"),
	       "Query worker unavailable: cannot run ayb-query-worker: No such file or directory",
	       "a missing worker program (named without its path)");
	is_int(ayb_err_status(&err), 503, "status 503");
	setenv("AYB_QUERY_WORKER", "/bin/true", 1);
	is_str(qerr("a", "SELECT 1"), "Query worker unavailable: it failed to start",
	       "a worker program that does not speak the protocol");

	ayb_worker_shutdown();
	ayb_buf_free(&res);
	ayb_err_clear(&err);
	nftw(data, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
