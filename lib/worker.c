/* The worker's side of the query worker protocol, and the framing both
 * sides share.  A worker trusts its parent (which started it and sees
 * everything it does) but nothing in the SQL it runs. */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fs.h"
#include "worker.h"
#include "worker_impl.h"

/* ---- framing -------------------------------------------------------------- */

void ayb_worker_put_header(struct ayb_buf *b, int type, size_t n)
{
	unsigned char h[AYB_WORKER_HEADER];
	uint32_t len = (uint32_t)n;

	h[0] = (unsigned char)type;
	memcpy(h + 1, &len, sizeof(len));
	ayb_buf_add(b, h, sizeof(h));
}

void ayb_worker_put_i64(struct ayb_buf *b, int64_t v)
{
	ayb_buf_add(b, &v, sizeof(v));
}

void ayb_worker_put_str(struct ayb_buf *b, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);

	ayb_buf_add(b, &n, sizeof(n));
	ayb_buf_add(b, s, n);
}

int64_t ayb_worker_get_i64(struct ayb_worker_rd *r)
{
	int64_t v = 0;

	if (r->bad || r->n < sizeof(v)) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	r->n -= sizeof(v);
	return v;
}

char *ayb_worker_get_str(struct ayb_worker_rd *r)
{
	uint32_t n;
	char *s;

	if (r->bad || r->n < sizeof(n)) {
		r->bad = 1;
		return NULL;
	}
	memcpy(&n, r->p, sizeof(n));
	if (r->n - sizeof(n) < n) {
		r->bad = 1;
		return NULL;
	}
	s = strndup((const char *)r->p + sizeof(n), n);
	if (!s) {
		r->bad = 1;
		return NULL;
	}
	r->p += sizeof(n) + n;
	r->n -= sizeof(n) + n;
	return s;
}

int ayb_worker_setup_encode(const struct ayb_worker_setup *s, struct ayb_buf *b)
{
	struct ayb_buf p = { 0 };
	int ret = -1;

	ayb_worker_put_i64(&p, AYB_WORKER_PROTO);
	ayb_worker_put_i64(&p, s->parent);
	ayb_worker_put_i64(&p, s->idle_ms);
	ayb_worker_put_i64(&p, s->policy.file_size_bytes);
	ayb_worker_put_i64(&p, s->policy.address_space_bytes);
	ayb_worker_put_i64(&p, s->policy.cpu_seconds);
	ayb_worker_put_i64(&p, s->policy.open_files);
	ayb_worker_put_str(&p, s->dir);
	ayb_worker_put_str(&p, s->path);
	ayb_worker_put_str(&p, s->shown);
	if (p.oom)
		goto out;
	ayb_worker_put_header(b, AYB_F_SETUP, p.len);
	ayb_buf_add(b, p.data, p.len);
	ret = b->oom ? -1 : 0;
out:
	ayb_buf_free(&p);
	return ret;
}

int ayb_worker_setup_decode(const unsigned char *p, size_t n, struct ayb_worker_setup *s)
{
	struct ayb_worker_rd r = { p, n, 0 };

	memset(s, 0, sizeof(*s));
	if (ayb_worker_get_i64(&r) != AYB_WORKER_PROTO)
		return -1;
	s->parent = (pid_t)ayb_worker_get_i64(&r);
	s->idle_ms = ayb_worker_get_i64(&r);
	s->policy.file_size_bytes = ayb_worker_get_i64(&r);
	s->policy.address_space_bytes = ayb_worker_get_i64(&r);
	s->policy.cpu_seconds = ayb_worker_get_i64(&r);
	s->policy.open_files = ayb_worker_get_i64(&r);
	s->dir = ayb_worker_get_str(&r);
	s->path = ayb_worker_get_str(&r);
	s->shown = ayb_worker_get_str(&r);
	s->policy.rw_dir = s->dir;
	if (r.bad || r.n) {
		ayb_worker_setup_free(s);
		return -1;
	}
	return 0;
}

void ayb_worker_setup_free(struct ayb_worker_setup *s)
{
	free(s->dir);
	free(s->path);
	free(s->shown);
	memset(s, 0, sizeof(*s));
}

void ayb_worker_put_error(struct ayb_buf *b, const struct ayb_err *err)
{
	const char *m = err->message ? err->message : "";
	size_t n = strlen(m);
	unsigned char h[3];
	uint16_t status = (uint16_t)(err->status ? err->status : 500);

	/* A message longer than a frame is cut, never the frame left invalid. */
	if (n > AYB_WORKER_FRAME_MAX - sizeof(h))
		n = AYB_WORKER_FRAME_MAX - sizeof(h);
	h[0] = (unsigned char)err->kind;
	memcpy(h + 1, &status, sizeof(status));
	ayb_worker_put_header(b, AYB_F_ERROR, sizeof(h) + n);
	ayb_buf_add(b, h, sizeof(h));
	ayb_buf_add(b, m, n);
}

int ayb_worker_get_error(const unsigned char *p, size_t n, struct ayb_err *err)
{
	uint16_t status;
	int kind;

	if (n < 3)
		return -1;
	kind = p[0];
	memcpy(&status, p + 1, sizeof(status));
	/* A hosted query only ever fails with a message-carrying kind. */
	if ((kind != AYB_E_OTHER && kind != AYB_E_NO_WRITE && kind != AYB_E_QUERY) ||
	    status < 400 || status > 599)
		return -1;
	ayb_err_set(err, (enum ayb_err_kind)kind, status, "%.*s", (int)(n - 3),
		    (const char *)p + 3);
	return 0;
}

/* ---- the worker ----------------------------------------------------------- */

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

/* Reads one frame into *payload (malloc'd; the caller frees).  1, 0 at
 * EOF, -1 on an error or an oversized frame. */
static int read_frame(int fd, int *type, unsigned char **payload, size_t *n)
{
	unsigned char h[AYB_WORKER_HEADER];
	uint32_t len;
	int rc;

	*payload = NULL;
	if ((rc = read_all(fd, h, sizeof(h))) <= 0)
		return rc;
	memcpy(&len, h + 1, sizeof(len));
	if (len > AYB_WORKER_FRAME_MAX || !(*payload = malloc(len ? len : 1)))
		return -1;
	if ((rc = read_all(fd, *payload, len)) <= 0) {
		free(*payload);
		*payload = NULL;
		return rc < 0 ? -1 : 0;
	}
	*type = h[0];
	*n = len;
	return 1;
}

/* A query's answer on its way to the parent: frames collect here and go
 * out in writes of up to a pipe's capacity, so a small result and its end
 * frame cost the parent one wake-up and the worker one write. */
#define OUT_FLUSH_AT 65536

struct out {
	int fd;
	struct ayb_buf b;
	int failed;              /* the parent is gone */
};

static int out_flush(struct out *o)
{
	if (o->failed || o->b.oom || (o->b.len && ayb_fs_write_all(o->fd, o->b.data, o->b.len) < 0))
		o->failed = 1;
	o->b.len = 0;
	return o->failed ? -1 : 0;
}

/* Result bytes go to the parent as 'D' frames. */
static int data_sink_write(void *ctx, const char *p, size_t n)
{
	struct out *o = ctx;

	while (n) {
		size_t part = n > AYB_WORKER_FRAME_MAX ? AYB_WORKER_FRAME_MAX : n;

		ayb_worker_put_header(&o->b, AYB_F_DATA, part);
		ayb_buf_add(&o->b, p, part);
		if (o->b.len >= OUT_FLUSH_AT && out_flush(o) < 0)
			return -1;
		p += part;
		n -= part;
	}
	return o->b.oom ? -1 : 0;
}

static int send_error(struct out *o, const struct ayb_err *err)
{
	ayb_worker_put_error(&o->b, err);
	return out_flush(o);
}

static int send_empty(struct out *o, int type)
{
	ayb_worker_put_header(&o->b, type, 0);
	return out_flush(o);
}

/* Runs one 'Q' payload: mode (1 byte), five limits, the SQL. */
static int run_query(const struct ayb_worker_setup *s, const unsigned char *p, size_t n,
		     struct out *o, int64_t *timeout_ms)
{
	struct ayb_worker_rd r = { p + 1, n ? n - 1 : 0, 0 };
	struct ayb_query_limits lim;
	struct ayb_layout_file f = { s->dir, s->path, s->shown };
	struct ayb_err err = { 0 };
	struct ayb_sink sink = { data_sink_write, o };
	enum ayb_query_mode mode;
	int rc;

	if (n < 1 || (p[0] != AYB_QUERY_READ_ONLY && p[0] != AYB_QUERY_READ_WRITE))
		return -1;
	mode = (enum ayb_query_mode)p[0];
	lim.timeout_ms = ayb_worker_get_i64(&r);
	lim.heap_bytes = ayb_worker_get_i64(&r);
	lim.max_rows = ayb_worker_get_i64(&r);
	lim.max_bytes = ayb_worker_get_i64(&r);
	lim.max_file_bytes = ayb_worker_get_i64(&r);
	if (r.bad)
		return -1;
	*timeout_ms = lim.timeout_ms;
	if (ayb_hosted_run(&f, (const char *)r.p, r.n, mode, &lim, &sink, &err) < 0) {
		/* Whatever was collected of a failed result still goes first:
		 * the parent may already have passed part of it on. */
		rc = send_error(o, &err);
	} else {
		rc = send_empty(o, AYB_F_DONE);
	}
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

/* Everything that needs a file outside the database's directory happens
 * before the sandbox closes: SQLite's start-up and its PRNG seed (from
 * /dev/urandom), and the time zone (/etc/localtime), so 'localtime' means
 * the same inside a worker as outside.  SQLite's temporary files (large
 * sorts, temp tables) go to the database's own directory, the one place a
 * worker may write; they are unlinked as soon as they are opened. */
static void prepare(const struct ayb_worker_setup *s)
{
	unsigned char seed[4];

	sqlite3_initialize();
	sqlite3_randomness(sizeof(seed), seed);
	tzset();
	setenv("SQLITE_TMPDIR", s->dir, 1);
}

/* A pooled worker retires, before taking another query, once it could not
 * finish one more full-length query inside its RLIMIT_CPU: the kernel's
 * limit then only ever fires on a worker whose own timeout failed. */
int ayb_worker_serve(const struct ayb_worker_setup *s, int in, int out_fd, int once)
{
	struct out out = { out_fd, { 0 }, 0 };
	struct ayb_err err = { 0 };
	unsigned char *p = NULL;
	size_t n;
	int type, rc, status = 2;
	int64_t timeout_ms = 0;

	signal(SIGPIPE, SIG_IGN);
	prepare(s);
	if (ayb_sandbox_enter(&s->policy, &err) < 0) {
		send_error(&out, &err);
		status = 1;
		goto out;
	}
	if (send_empty(&out, AYB_F_READY) < 0)
		goto out;
	for (;;) {
		struct pollfd pfd = { in, POLLIN, 0 };

		if (!once) {
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
		if (rc <= 0 || type != AYB_F_QUERY || run_query(s, p, n, &out, &timeout_ms) < 0)
			goto out;
		free(p);
		p = NULL;
		if (once || (s->policy.cpu_seconds > 0 &&
			     cpu_used_ms() + timeout_ms + 1000 >= s->policy.cpu_seconds * 1000)) {
			status = 0;
			goto out;
		}
	}
out:
	free(p);
	ayb_buf_free(&out.b);
	ayb_err_clear(&err);
	return status;
}

/* Started by ayb-api.fcgi with the request pipe on fd 0 and the response
 * pipe on fd 1.  It closes every other descriptor it may have inherited
 * (the FastCGI connection, the metadata store) before reading anything, and
 * dies with its parent. */
int ayb_worker_main(void)
{
	struct ayb_worker_setup s;
	unsigned char *p = NULL;
	size_t n;
	int type, status = 1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	syscall(SYS_close_range, 3U, ~0U, 0U);
	if (read_frame(0, &type, &p, &n) <= 0 || type != AYB_F_SETUP ||
	    ayb_worker_setup_decode(p, n, &s) < 0) {
		fprintf(stderr, "ayb-query-worker: started without a valid setup (it is run by ayb-api.fcgi)\n");
		goto out;
	}
	/* The parent died between starting us and the death signal. */
	if (getppid() != s.parent) {
		ayb_worker_setup_free(&s);
		goto out;
	}
	status = ayb_worker_serve(&s, 0, 1, 0);
	ayb_worker_setup_free(&s);
out:
	free(p);
	return status;
}
