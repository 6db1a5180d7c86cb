/* The worker's side of the query worker protocol: its loop, from setup to
 * exit, answering each query with the result's rows as frames.  A worker
 * trusts its parent (which started it and sees everything it does) but
 * nothing in the SQL it runs. */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "engine.h"
#include "fs.h"
#include "hosted_dump.h"
#include "hosted_vet.h"
#include "store.h"
#include "worker.h"
#include "worker_impl.h"

/* The DuckDB engine, when this program links it (ayb_worker_main's
 * argument): a worker serves one database, so one engine. */
static const struct ayb_engine *duckdb_engine;
static const struct ayb_engine sqlite_engine;

/* The engine of the setup's database; NULL when this build has none. */
static const struct ayb_engine *engine_of(const struct ayb_worker_setup *s)
{
	return s->db_type == AYB_DB_DUCKDB ? duckdb_engine : &sqlite_engine;
}

/* 1 read, 0 at EOF (also a short read), -1 on error. */
static int read_all(int fd, void *p, size_t n)
{
	char *s = p;

	while (n) {
		ssize_t r = read(fd, s, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		s += r;
		n -= (size_t)r;
	}
	return 1;
}

/* What has been read of the request pipe beyond the frames taken: a
 * request's header and payload arrive in one write, so one read takes both
 * (small ones whole), not one read for each. */
static struct {
	unsigned char data[4096];
	size_t len;
} in_buf;

/* Reads one frame into *payload (malloc'd; the caller frees).  1, 0 at
 * EOF, -1 on an error or an oversized frame. */
static int read_frame(int fd, int *type, unsigned char **payload, size_t *n)
{
	unsigned char *h = in_buf.data;
	uint32_t len;
	size_t have;
	int rc;

	*payload = NULL;
	while (in_buf.len < AYB_WORKER_HEADER) {
		ssize_t r = read(fd, in_buf.data + in_buf.len, sizeof(in_buf.data) - in_buf.len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 0;
		in_buf.len += (size_t)r;
	}
	memcpy(&len, h + 1, sizeof(len));
	if (len > (h[0] == AYB_F_QUERY ? AYB_WORKER_QUERY_MAX : AYB_WORKER_FRAME_MAX) ||
	    !(*payload = malloc(len ? len : 1)))
		return -1;
	*type = h[0];
	*n = len;
	have = in_buf.len - AYB_WORKER_HEADER < len ? in_buf.len - AYB_WORKER_HEADER : len;
	memcpy(*payload, h + AYB_WORKER_HEADER, have);
	in_buf.len -= AYB_WORKER_HEADER + have;
	memmove(in_buf.data, h + AYB_WORKER_HEADER + have, in_buf.len);
	if ((rc = read_all(fd, *payload + have, len - have)) <= 0) {
		free(*payload);
		*payload = NULL;
		return rc < 0 ? -1 : 0;
	}
	return 1;
}

/* Rows go out in frames of about this many bytes, and the collected
 * frames once they pass a pipe's capacity. */
#define ROWS_FRAME_AT 65536
#define OUT_FLUSH_AT 65536

int ayb_worker_out_flush(struct ayb_worker_out *o)
{
	if (o->hold)
		return o->b.oom ? -1 : 0;
	if (o->failed || o->b.oom || (o->b.len && ayb_fs_write_all(o->fd, o->b.data, o->b.len) < 0))
		o->failed = 1;
	o->b.len = 0;
	return o->failed ? -1 : 0;
}

/* Ends the open 'W' frame, if any. */
static void rows_close(struct ayb_worker_out *o)
{
	if (o->rows_at != SIZE_MAX)
		ayb_worker_rows_end(&o->b, o->rows_at);
	o->rows_at = SIZE_MAX;
}

/* The result's fields and rows go to the parent as 'F' and 'W' frames,
 * several rows to a frame. */
static int fields_frame(void *ctx, const char *const *names, size_t n)
{
	struct ayb_worker_out *o = ctx;

	return ayb_worker_put_fields(&o->b, names, n);
}

static int rows_frame(void *ctx, const struct ayb_value *v, size_t n)
{
	struct ayb_worker_out *o = ctx;

	if (o->rows_at == SIZE_MAX)
		o->rows_at = ayb_worker_rows_begin(&o->b);
	if (ayb_worker_put_row(&o->b, o->rows_at, v, n) < 0)
		return -1;
	if (o->b.len - o->rows_at < ROWS_FRAME_AT)
		return 0;
	rows_close(o);
	return o->b.len >= OUT_FLUSH_AT ? ayb_worker_out_flush(o) : 0;
}

/* The rows still collected go with the 'K' that follows. */
static int rows_end(void *ctx)
{
	rows_close(ctx);
	return 0;
}

void ayb_worker_out_sink(struct ayb_worker_out *o, struct ayb_row_sink *rows)
{
	rows->fields = fields_frame;
	rows->row = rows_frame;
	rows->end = rows_end;
	rows->ctx = o;
}

int ayb_worker_out_error(struct ayb_worker_out *o, const struct ayb_err *err)
{
	rows_close(o);
	ayb_worker_put_error(&o->b, err);
	return ayb_worker_out_flush(o);
}

int ayb_worker_out_empty(struct ayb_worker_out *o, int type)
{
	rows_close(o);
	ayb_worker_put_header(&o->b, type, 0);
	return ayb_worker_out_flush(o);
}

/* Runs one 'Q' payload. */
static int run_query(const struct ayb_worker_setup *s, const unsigned char *p, size_t n,
		     struct ayb_worker_out *o, int64_t *timeout_ms)
{
	struct ayb_query_limits lim;
	struct ayb_layout_file f = { s->dir, s->path, s->shown, (int)s->db_type };
	struct ayb_err err = { 0 };
	struct ayb_row_sink rows;
	struct ayb_query_req r;
	enum ayb_query_mode mode;
	int rc;

	if (ayb_worker_get_query(p, n, &mode, &lim, &r) < 0)
		return -1;
	ayb_worker_out_sink(o, &rows);
	*timeout_ms = lim.timeout_ms;
	rc = s->role == AYB_WORKER_READER && engine_of(s) == &sqlite_engine
	     ? ayb_hosted_run_or_defer(&f, &r, mode, &lim, &rows, &err)
	     : engine_of(s)->run_req(&f, &r, mode, &lim, &rows, &err);
	if (rc < 0) {
		/* Whatever was collected of a failed result still goes first:
		 * the parent may already have passed part of it on. */
		rc = ayb_worker_out_error(o, &err);
	} else {
		rc = ayb_worker_out_empty(o, rc > 0 ? AYB_F_WRITES : AYB_F_DONE);
	}
	ayb_err_clear(&err);
	ayb_query_req_free(&r);
	return rc;
}

static int no_duckdb(struct ayb_err *err)
{
	return ayb_err_set(err, AYB_E_INVALID,
			   "Database type duckdb is not supported by this server (only sqlite)");
}

/* A DuckDB database's tasks: its check (an import's too, which so refuses
 * a file of another kind) and its copy (a snapshot's, a fork's, an
 * export's: the DuckDB file).  SQL dumps and scripts are SQLite's. */
static int duckdb_task(const struct ayb_worker_setup *s, int type,
		       const struct ayb_query_limits *lim, struct ayb_err *err)
{
	if (!duckdb_engine)
		return no_duckdb(err);
	switch (type) {
	case AYB_F_CHECK:
	case AYB_F_VET:
		return duckdb_engine->check(s->path, lim, err);
	case AYB_F_COPY:
	case AYB_F_BACKUP:
		if (!s->out || !*s->out)
			return ayb_err_set(err, AYB_E_INTERNAL,
					   "This worker was set up without a file");
		return duckdb_engine->copy(s->path, s->out, lim, err);
	default:
		return ayb_err_set(err, AYB_E_INVALID,
				   "A DuckDB database is exported and imported as its DuckDB file, "
				   "not as SQL");
	}
}

int ayb_worker_task(const struct ayb_worker_setup *s, int type,
		    const struct ayb_query_limits *lim, struct ayb_err *err)
{
	struct ayb_layout_file f = { s->dir, s->path, s->shown, (int)s->db_type };

	if (s->db_type == AYB_DB_DUCKDB)
		return duckdb_task(s, type, lim, err);
	switch (type) {
	case AYB_F_CHECK:
		return ayb_hosted_check(s->path, lim, err);
	case AYB_F_VET:
		return ayb_hosted_vet(s->path, lim, err);
	default:
		break;
	}
	if (!s->out || !*s->out)
		return ayb_err_set(err, AYB_E_INTERNAL, "This worker was set up without a file");
	switch (type) {
	case AYB_F_COPY:
		return ayb_hosted_copy(s->path, s->out, lim, err);
	case AYB_F_BACKUP:
		return ayb_hosted_backup(s->path, s->out, lim, err);
	case AYB_F_DUMP:
		return ayb_hosted_dump(s->path, s->out, lim, err);
	case AYB_F_LOAD:
		return ayb_hosted_script(&f, s->out, lim, err);
	default:
		return ayb_err_set(err, AYB_E_INTERNAL, "Unknown task '%c'", type);
	}
}

/* 1 when a frame of this type asks for a task. */
static int is_task(int type)
{
	return type == AYB_F_CHECK || type == AYB_F_COPY || type == AYB_F_BACKUP ||
	       type == AYB_F_DUMP || type == AYB_F_LOAD || type == AYB_F_VET;
}

/* Runs a task's payload, answered with 'K' or 'E'. */
static int run_task(const struct ayb_worker_setup *s, int type, const unsigned char *p,
		    size_t n, struct ayb_worker_out *o, int64_t *timeout_ms)
{
	struct ayb_query_limits lim;
	struct ayb_err err = { 0 };
	int ret, rc;

	if (ayb_worker_get_task(p, n, &lim) < 0)
		return -1;
	*timeout_ms = lim.timeout_ms;
	ret = ayb_worker_task(s, type, &lim, &err);
	rc = ret < 0 ? ayb_worker_out_error(o, &err) : ayb_worker_out_empty(o, AYB_F_DONE);
	ayb_err_clear(&err);
	return rc;
}

static int64_t cpu_used_ms(void)
{
	struct rusage u;

	if (getrusage(RUSAGE_SELF, &u) < 0)
		return 0;
	return (int64_t)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 +
	       (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
}

/* The CPU time the worker has used, known at a moment, and a bound on it
 * since: a sandboxed worker has one thread (it may not create any), so it
 * cannot use more CPU than the time that passes.  The bound reads the
 * monotonic clock, which costs no system call; getrusage only runs once
 * the bound comes near the limit. */
struct cpu_watch {
	int64_t used_ms, at_ms;
};

static void cpu_watch_read(struct cpu_watch *c)
{
	c->used_ms = cpu_used_ms();
	c->at_ms = ayb_clock_ms();
}

/* 1 once the worker could not finish a query of timeout_ms more within
 * limit_ms of CPU (with a second to spare). */
static int cpu_near(struct cpu_watch *c, int64_t timeout_ms, int64_t limit_ms)
{
	if (c->used_ms + (ayb_clock_ms() - c->at_ms) + timeout_ms + 1000 < limit_ms)
		return 0;
	cpu_watch_read(c);
	return c->used_ms + timeout_ms + 1000 >= limit_ms;
}

/* The worker's one watch (a reader's serve loop or a writer's), read when
 * it enters its sandbox. */
static struct cpu_watch cpu_watch;

int ayb_worker_spent(const struct ayb_worker_setup *s, int64_t timeout_ms)
{
	return s->policy.cpu_seconds > 0 &&
	       cpu_near(&cpu_watch, timeout_ms, s->policy.cpu_seconds * 1000);
}

/* Everything that needs a file outside the database's directory happens
 * before the sandbox closes: SQLite's start-up and its PRNG seed (from
 * /dev/urandom), and the time zone (/etc/localtime), so 'localtime' means
 * the same inside a worker as outside.  SQLite's temporary files (large
 * sorts, temp tables) go to the database's own directory, the one place a
 * worker may write; they are unlinked as soon as they are opened. */
static void sqlite_prepare(const char *dir)
{
	unsigned char seed[4];

	sqlite3_initialize();
	sqlite3_randomness(sizeof(seed), seed);
	tzset();
	setenv("SQLITE_TMPDIR", dir, 1);
}

static const struct ayb_engine sqlite_engine = {
	sqlite_prepare, ayb_hosted_run_req, ayb_hosted_check, ayb_hosted_copy,
};

int ayb_worker_enter(const struct ayb_worker_setup *s, struct ayb_worker_out *out)
{
	struct ayb_err err = { 0 };
	int rc;

	signal(SIGPIPE, SIG_IGN);
	cpu_watch_read(&cpu_watch);
	if (!engine_of(s)) {
		no_duckdb(&err);
		ayb_worker_out_error(out, &err);
		ayb_err_clear(&err);
		return -1;
	}
	engine_of(s)->prepare(s->dir);
	if (ayb_sandbox_enter(&s->policy, &err) < 0) {
		ayb_worker_out_error(out, &err);
		ayb_err_clear(&err);
		return -1;
	}
	rc = ayb_worker_out_empty(out, AYB_F_READY);
	return rc;
}

/* A pooled worker retires, before taking another query, once it could not
 * finish one more full-length query inside its RLIMIT_CPU: the kernel's
 * limit then only ever fires on a worker whose own timeout failed.  At
 * its orderly end (idle, retired, its pipe closed) it closes its database,
 * so SQLite checkpoints the WAL and removes the -wal and -shm when no
 * other connection has the file open. */
int ayb_worker_serve(const struct ayb_worker_setup *s, int in, int out_fd, int once)
{
	struct ayb_worker_out out = { out_fd, { 0 }, 0, SIZE_MAX, 0 };
	unsigned char *p = NULL;
	size_t n;
	int type, rc, status = 2;
	int64_t timeout_ms = 0;

	if (ayb_worker_enter(s, &out) < 0) {
		status = 1;
		goto out;
	}
	for (;;) {
		struct pollfd pfd = { in, POLLIN, 0 };

		if (!once && !in_buf.len) {
			rc = poll(&pfd, 1, s->idle_ms > 0x7fffffff ? 0x7fffffff : (int)s->idle_ms);
			if (rc < 0 && errno == EINTR)
				continue;
			if (rc == 0) {
				status = 0; /* idle: the parent starts another when needed */
				goto out;
			}
		}
		rc = read_frame(in, &type, &p, &n);
		if (rc == 0)
			status = 0; /* the parent closed the pipe: orderly end */
		if (rc <= 0)
			goto out;
		if (type == AYB_F_QUERY)
			rc = run_query(s, p, n, &out, &timeout_ms);
		else if (is_task(type))
			rc = run_task(s, type, p, n, &out, &timeout_ms);
		else
			rc = -1;
		if (rc < 0)
			goto out;
		free(p);
		p = NULL;
		if (once || ayb_worker_spent(s, timeout_ms)) {
			status = 0;
			goto out;
		}
	}
out:
	/* A one-query worker (fork mode) leaves the cleaning to the next
	 * long-lived connection rather than pay it on every query. */
	if (status == 0 && !once)
		ayb_hosted_close_kept();
	free(p);
	ayb_buf_free(&out.b);
	return status;
}

/* Started by ayb-api.fcgi with the request pipe on fd 0 and the response
 * pipe on fd 1.  It closes every other descriptor it may have inherited
 * (the FastCGI connection, the metadata store) before reading anything, and
 * dies with its parent. */
int ayb_worker_main(const struct ayb_engine *duckdb)
{
	struct ayb_worker_setup s;
	unsigned char *p = NULL;
	size_t n;
	int type, status = 1;

	duckdb_engine = duckdb;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* fd 3 is a writer's listening socket; closed below for any other. */
	syscall(SYS_close_range, 4U, ~0U, 0U);
	if (read_frame(0, &type, &p, &n) <= 0 || type != AYB_F_SETUP ||
	    ayb_worker_setup_decode(p, n, &s) < 0) {
		fprintf(stderr,
			"ayb-query-worker: started without a valid setup (it is run by ayb-api.fcgi)\n");
		goto out;
	}
	/* The parent died between starting us and the death signal. */
	if (getppid() != s.parent) {
		ayb_worker_setup_free(&s);
		goto out;
	}
	if (s.role == AYB_WORKER_WRITER) {
		status = ayb_worker_writer(&s);
	} else {
		close(3);
		status = ayb_worker_serve(&s, 0, 1, 0);
	}
	ayb_worker_setup_free(&s);
out:
	free(p);
	return status;
}
