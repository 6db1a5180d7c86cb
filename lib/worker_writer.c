/* The writer of one database (lib/writer.h): one process per database per
 * host, shared by every FastCGI process, that runs the requests that
 * write.  It accepts connections on a unix socket beside the database
 * file, one request per connection, and commits the requests waiting at
 * the same moment as one group: one transaction, each request in a
 * savepoint of its own (lib/hosted.h), and one fsync for them all.  Each
 * answer is held until the COMMIT has returned (synchronous=FULL: it is on
 * disk), so an answered write survives a crash of anything; a writer that
 * dies mid-group answers nobody, and SQLite rolls the group back.
 *
 * Started and ended under the lock beside the socket: a client holds it
 * shared from connect to answer, a starter exclusive; the writer leaves
 * (idle, or its CPU budget spent) only when it can take it exclusive
 * without waiting, so no client is between connect and answer, removes
 * its socket and serves what is left in the backlog first. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "pitr_capture.h"
#include "worker.h"
#include "worker_impl.h"

/* Clients being read or waiting for their group; more wait in the
 * listening socket's backlog.  Half of isolation.open_files at most, the
 * rest being SQLite's. */
#define CLIENTS_MAX 64
#define CLIENTS_MIN 4
/* A group stops taking requests once their answers hold this much, or
 * once it has run for a query timeout: the answers wait in memory, and
 * every client of the group waits for the slowest. */
#define GROUP_OUT_MAX (8 << 20)
/* A connected client has this long to send its request. */
#define REQUEST_MS 10000
/* And this long to take its answer. */
#define ANSWER_MS 10000
#define LISTEN_FD 3

struct client {
	int fd;                  /* -1: a free entry */
	struct ayb_buf in;       /* the request frame as it arrives */
	int64_t since_ms;        /* when it connected */
	struct ayb_worker_out out;
};

struct writer {
	const struct ayb_worker_setup *s;
	struct ayb_layout_file f;
	int dir_fd, lock_fd;
	char sock_name[AYB_LAYOUT_WRITER_NAME];
	struct client c[CLIENTS_MAX];
	size_t n;                /* entries in use at the front of c */
	size_t max;              /* entries it may use */
	int64_t timeout_ms;      /* the last request's query timeout */
};

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	ayb_buf_free(&c->in);
	ayb_buf_free(&c->out.b);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void accept_all(struct writer *w)
{
	while (w->n < w->max) {
		int fd = accept4(LISTEN_FD, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *c = &w->c[w->n];

		if (fd < 0)
			return;
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->since_ms = ayb_clock_ms();
		c->out.fd = fd;
		c->out.rows_at = SIZE_MAX;
		c->out.hold = 1;
		w->n++;
	}
}

/* 1 when c's request frame is whole in c->in. */
static int request_whole(const struct client *c)
{
	int type;
	uint32_t len;

	if (c->in.len < AYB_WORKER_HEADER)
		return 0;
	ayb_worker_get_header((const unsigned char *)c->in.data, &type, &len);
	return c->in.len >= AYB_WORKER_HEADER + (size_t)len;
}

/* Reads what c has sent: 0, or -1 when it is gone, sent more than a
 * request or something else. */
static int client_read(struct client *c)
{
	char chunk[65536];
	int type;
	uint32_t len;

	for (;;) {
		ssize_t r = read(c->fd, chunk, sizeof(chunk));

		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (r <= 0)
			return -1;
		ayb_buf_add(&c->in, chunk, (size_t)r);
		if (c->in.oom)
			return -1;
	}
	if (c->in.len < AYB_WORKER_HEADER)
		return 0;
	ayb_worker_get_header((const unsigned char *)c->in.data, &type, &len);
	if (type != AYB_F_QUERY || len > AYB_WORKER_QUERY_MAX ||
	    c->in.len > AYB_WORKER_HEADER + (size_t)len)
		return -1;
	return 0;
}

/* Sends c its answer, whole, and ends it. */
static void client_answer(struct client *c)
{
	struct timeval tv = { ANSWER_MS / 1000, 0 };
	int flags = fcntl(c->fd, F_GETFL);

	fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->out.hold = 0;
	ayb_worker_out_flush(&c->out);
	client_close(c);
}

/* Puts err as the whole answer of c. */
static void client_fail(struct client *c, const struct ayb_err *err)
{
	c->out.b.len = 0;
	c->out.rows_at = SIZE_MAX;
	ayb_worker_out_error(&c->out, err);
}

/* Runs request i of the group in its savepoint.  1 when it ran (its
 * answer is in its out), 0 when the group's transaction is gone (its
 * answer is its error, and the group must start again without it). */
static int run_one(struct writer *w, struct client *c)
{
	const unsigned char *p = (const unsigned char *)c->in.data + AYB_WORKER_HEADER;
	struct ayb_query_limits lim;
	struct ayb_query_req r;
	struct ayb_row_sink rows;
	struct ayb_err err = { 0 };
	enum ayb_query_mode mode;
	int rc = -1;

	c->out.b.len = 0;
	c->out.rows_at = SIZE_MAX;
	if (ayb_worker_get_query(p, c->in.len - AYB_WORKER_HEADER, &mode, &lim, &r) < 0) {
		ayb_err_set(&err, AYB_E_INTERNAL, "Invalid request to the database's writer");
		client_fail(c, &err);
		ayb_err_clear(&err);
		return 1;
	}
	w->timeout_ms = lim.timeout_ms;
	ayb_worker_out_sink(&c->out, &rows);
	if (mode != AYB_QUERY_READ_WRITE)
		ayb_err_set(&err, AYB_E_INTERNAL, "Invalid request to the database's writer");
	else
		rc = ayb_hosted_group_run(&w->f, &r, &lim, &rows, &err);
	if (rc < 0)
		ayb_worker_out_error(&c->out, &err);
	else
		ayb_worker_out_empty(&c->out, AYB_F_DONE);
	ayb_err_clear(&err);
	ayb_query_req_free(&r);
	return rc != -2;
}

/* The limits c's request runs under: the group's connection is opened
 * with its file size limit, which is the server's, the same for all. */
static void request_limits(const struct client *c, struct ayb_query_limits *lim)
{
	struct ayb_query_req r;
	enum ayb_query_mode mode;

	memset(lim, 0, sizeof(*lim));
	if (ayb_worker_get_query((const unsigned char *)c->in.data + AYB_WORKER_HEADER,
				 c->in.len - AYB_WORKER_HEADER, &mode, lim, &r) == 0)
		ayb_query_req_free(&r);
}

/* The group of the clients whose requests are whole: as many as fit
 * (GROUP_OUT_MAX, a query timeout) in one transaction; the rest wait for
 * the next.  Each is answered once the COMMIT has returned, or with the
 * COMMIT's error. */
static void run_group(struct writer *w)
{
	struct client *group[CLIENTS_MAX];
	struct ayb_query_limits lim;
	struct ayb_err err = { 0 };
	size_t n, i, out_bytes;
	int64_t t0;

again:
	n = 0;
	for (i = 0; i < w->n; i++)
		if (w->c[i].fd >= 0 && request_whole(&w->c[i]) && w->c[i].out.hold)
			group[n++] = &w->c[i];
	if (!n)
		return;
	request_limits(group[0], &lim);
	if (ayb_hosted_group_begin(&w->f, &lim, &err) < 0) {
		for (i = 0; i < n; i++) {
			client_fail(group[i], &err);
			group[i]->out.hold = 0;
		}
		ayb_err_clear(&err);
		return;
	}
	t0 = ayb_clock_ms();
	out_bytes = 0;
	for (i = 0; i < n; i++) {
		if (!run_one(w, group[i])) {
			/* Its failure undid the group: it keeps its error, the
			 * others run again. */
			group[i]->out.hold = 0;
			ayb_hosted_group_end(&w->f, &lim, 0, &err);
			ayb_err_clear(&err);
			for (size_t k = 0; k < i; k++) {
				group[k]->out.b.len = 0;
				group[k]->out.rows_at = SIZE_MAX;
			}
			goto again;
		}
		out_bytes += group[i]->out.b.len;
		if (out_bytes >= GROUP_OUT_MAX ||
		    (w->timeout_ms && ayb_clock_ms() - t0 >= w->timeout_ms)) {
			n = i + 1;
			break;
		}
	}
	if (ayb_hosted_group_end(&w->f, &lim, 1, &err) < 0)
		for (i = 0; i < n; i++)
			client_fail(group[i], &err);
	ayb_err_clear(&err);
	for (i = 0; i < n; i++)
		group[i]->out.hold = 0;
	goto again;
}

/* Answers every client of a finished group, drops those that went away or
 * took too long to send their request, and packs the rest to the front. */
static void settle(struct writer *w)
{
	size_t k = 0;
	int64_t now = ayb_clock_ms();

	for (size_t i = 0; i < w->n; i++) {
		struct client *c = &w->c[i];

		if (c->fd >= 0 && !c->out.hold)
			client_answer(c);
		else if (c->fd >= 0 && !request_whole(c) && now - c->since_ms >= REQUEST_MS)
			client_close(c);
		if (c->fd < 0)
			continue;
		if (k != i) {
			w->c[k] = *c;
			w->c[k].out.fd = w->c[k].fd;
			memset(c, 0, sizeof(*c));
			c->fd = -1;
		}
		k++;
	}
	w->n = k;
}

/* One turn: waits up to wait_ms for connections and requests, then runs
 * and answers a group.  0 when nothing happened in the time. */
static int turn(struct writer *w, int wait_ms)
{
	struct pollfd p[CLIENTS_MAX + 1];
	int rc;

	p[0].fd = w->n < w->max ? LISTEN_FD : -1;
	p[0].events = POLLIN;
	for (size_t i = 0; i < w->n; i++) {
		p[i + 1].fd = w->c[i].fd;
		p[i + 1].events = POLLIN;
	}
	if (w->n)
		wait_ms = 1000; /* to drop a client that never sends */
	rc = poll(p, w->n + 1, wait_ms);
	if (rc <= 0)
		return rc < 0 && errno == EINTR;
	for (size_t i = 0; i < w->n; i++)
		if (p[i + 1].revents && client_read(&w->c[i]) < 0)
			client_close(&w->c[i]);
	if (p[0].revents)
		accept_all(w);
	run_group(w);
	settle(w);
	return 1;
}

/* Leaves when no client holds the lock: none is then between its
 * connect and its answer, and once the socket is gone none can connect. */
static int try_leave(struct writer *w)
{
	if (flock(w->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return 0;
	unlinkat(w->dir_fd, w->sock_name, 0);
	return 1;
}

static void serve(struct writer *w)
{
	int64_t idle_since = ayb_clock_ms();

	for (;;) {
		int64_t left = w->s->idle_ms - (ayb_clock_ms() - idle_since);

		if (turn(w, left > 0x7fffffff ? 0x7fffffff : (int)(left > 0 ? left : 0)))
			idle_since = ayb_clock_ms();
		if (((ayb_clock_ms() - idle_since >= w->s->idle_ms && !w->n) ||
		     ayb_worker_spent(w->s, w->timeout_ms)) && try_leave(w))
			return;
	}
}

int ayb_worker_writer(const struct ayb_worker_setup *s)
{
	struct writer w;
	struct ayb_worker_out ready = { 1, { 0 }, 0, SIZE_MAX, 0 };
	struct ayb_pitr_capture *capture = NULL;
	char lock[AYB_LAYOUT_WRITER_NAME];
	pid_t pid;
	int null_fd;

	/* Its own session, reparented once the starter reaps the parent:
	 * it outlives the FastCGI process that started it. */
	if ((pid = fork()) < 0)
		return 1;
	if (pid > 0)
		return 0;
	setsid();
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.f.dir = s->dir;
	w.f.path = s->path;
	w.f.shown = s->shown;
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		w.c[i].fd = -1;
	w.max = CLIENTS_MAX;
	if (s->policy.open_files > 0 && (size_t)s->policy.open_files / 2 < w.max)
		w.max = (size_t)s->policy.open_files / 2;
	if (w.max < CLIENTS_MIN)
		w.max = CLIENTS_MIN;
	ayb_layout_writer_socket(s->path, w.sock_name);
	ayb_layout_writer_lock(s->path, lock);
	w.dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	w.lock_fd = w.dir_fd < 0 ? -1 : openat(w.dir_fd, lock, O_RDWR | O_CLOEXEC);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* accept_all takes connections until none is left. */
	if (w.lock_fd < 0 || null_fd < 0 || fcntl(LISTEN_FD, F_SETFL, O_NONBLOCK) < 0 ||
	    ayb_worker_enter(s, &ready) < 0)
		return 1;
	ayb_buf_free(&ready.b);
	/* Continuous backup: the spool is the setup's second directory. */
	if (s->out_dir && *s->out_dir) {
		if (!(capture = ayb_pitr_capture_open(s->path, s->out_dir)))
			return 1;
		ayb_hosted_group_wal_hook(ayb_pitr_capture_hook, capture);
	}
	/* Its starter reads nothing more: 'R' was the last word. */
	dup2(null_fd, 0);
	dup2(null_fd, 1);
	close(null_fd);
	serve(&w);
	for (size_t i = 0; i < w.n; i++)
		client_close(&w.c[i]);
	ayb_hosted_close_kept();
	ayb_pitr_capture_close(capture);
	return 0;
}
