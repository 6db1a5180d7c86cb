/* The parent's side of the query workers: starting them (exec'd pool
 * workers, or forked one-query workers), reusing them, decoding the rows
 * they send into the caller's row sink, and replacing any that die or
 * hang.  The pool is the process's, shared by its request threads under a
 * lock: a thread takes an idle worker (or a free slot) for one query and
 * gives it back, so queries that follow one another reuse one worker per
 * database whichever thread serves them; the read buffer is per thread.
 * Nothing in the pool matters beyond being a cache: dropping a worker at
 * any time only costs the next query a start-up.  Every descriptor made
 * here is close-on-exec, or a worker started by another thread meanwhile
 * would hold a pipe end and hide this worker's death.  A worker dies with
 * the thread that started it (PR_SET_PDEATHSIG), so threads end only once
 * every one has stopped serving. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fs.h"
#include "store.h"
#include "worker.h"
#include "worker_impl.h"

extern char **environ;

/* Time a worker gets past the query timeout to notice it, stop and say so
 * before it is killed. */
#define GRACE_MS 2000
/* Time a new worker gets to sandbox itself and say it is ready. */
#define START_MS 10000

struct worker {
	pid_t pid;               /* 0: free slot */
	int to;                  /* request pipe, write end (non-blocking) */
	int from;                /* response pipe, read end (non-blocking) */
	char *path;              /* the database file: the pool's key */
	uint64_t last_used;      /* a use counter, for least-recently-used */
	int used;                /* has answered a query (may since have idled out) */
	int busy;                /* a thread is using the slot: only it touches it */
};

/* isolation.max_workers' largest value: slots are made as needed, never
 * moved, so a thread may use its worker outside the lock. */
#define POOL_MAX 1024

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker *pool[POOL_MAX];
static uint64_t use_clock;

/* Workers evicted from the pool, ending on their own in the background:
 * their pipe closed, each closes its database (SQLite checkpoints the WAL
 * and removes the -wal and -shm) and exits; sweep() reaps them, and kills
 * one still there after RETIRE_MS.  Under pool_lock. */
#define RETIRE_MS 2000
static struct {
	pid_t pid;               /* 0: free */
	int64_t deadline_ms;
} retiring[POOL_MAX];

void ayb_worker_limits(const struct ayb_isolation_config *iso, struct ayb_query_limits *lim)
{
	lim->timeout_ms = iso->query_timeout_ms;
	lim->heap_bytes = iso->heap_limit_mb << 20;
	lim->max_rows = iso->max_result_rows;
	lim->max_bytes = iso->max_result_mb << 20;
	lim->max_file_bytes = iso->max_file_size_mb << 20;
}

/* A DuckDB database's memory cap is DuckDB's own memory_limit. */
static void engine_limits(const struct ayb_isolation_config *iso, int64_t db_type,
			  struct ayb_query_limits *lim)
{
	if (db_type == AYB_DB_DUCKDB)
		lim->heap_bytes = iso->duckdb_memory_mb << 20;
}

/* ---- non-blocking pipe I/O against a time budget --------------------------- */

/* The budget is the worker's time: only waits for the worker count, not
 * the time the caller's sink takes to pass results on. */
enum { IO_OK = 1, IO_EOF = 0, IO_TIMEOUT = -1, IO_ERROR = -2, IO_NOMEM = -3 };

static int wait_fd(int fd, short events, int64_t *budget_ms)
{
	struct pollfd p = { fd, events, 0 };
	int64_t t0 = ayb_clock_ms();
	int rc;

	if (*budget_ms <= 0)
		return IO_TIMEOUT;
	rc = poll(&p, 1, *budget_ms > INT_MAX ? INT_MAX : (int)*budget_ms);
	*budget_ms -= ayb_clock_ms() - t0;
	if (rc < 0 && errno == EINTR)
		return IO_OK; /* retry, with what is left */
	if (rc < 0)
		return IO_ERROR;
	return rc == 0 ? IO_TIMEOUT : IO_OK;
}

/* What has been read from the current worker and not yet consumed: one
 * buffer, kept for the life of the process, that frames are decoded in
 * place from.  Reads take as much as the pipe holds, so a whole small
 * answer costs one poll and one read.  It grows to hold the largest frame
 * (a big row), and is given back after an exchange that grew it past
 * RB_KEEP; emptied before each exchange with a worker. */
#define RB_MIN 65536
#define RB_KEEP (1 << 20)

static _Thread_local struct {
	unsigned char *data;
	size_t cap, pos, len;
} rb;

static void rb_reset(void)
{
	rb.pos = rb.len = 0;
}

static void rb_release(void)
{
	free(rb.data);
	memset(&rb, 0, sizeof(rb));
}

/* Makes room for n bytes from rb.pos on: moves what is left to the front,
 * and grows the buffer when that is not enough. */
static int rb_room(size_t n)
{
	unsigned char *grown;
	size_t cap;

	if (rb.pos && rb.cap - rb.pos < n) {
		memmove(rb.data, rb.data + rb.pos, rb.len - rb.pos);
		rb.len -= rb.pos;
		rb.pos = 0;
	}
	if (rb.cap >= n)
		return 0;
	for (cap = rb.cap ? rb.cap : RB_MIN; cap < n; cap *= 2)
		;
	if (!(grown = realloc(rb.data, cap)))
		return -1;
	rb.data = grown;
	rb.cap = cap;
	return 0;
}

/* Reads until n bytes from rb.pos on are in the buffer. */
static int rb_need(int fd, size_t n, int64_t *budget_ms)
{
	int rc;

	if (rb.len - rb.pos >= n)
		return IO_OK;
	if (rb_room(n) < 0)
		return IO_NOMEM;
	while (rb.len - rb.pos < n) {
		ssize_t r;

		if ((rc = wait_fd(fd, POLLIN, budget_ms)) != IO_OK)
			return rc;
		r = read(fd, rb.data + rb.len, rb.cap - rb.len);
		if (r > 0)
			rb.len += (size_t)r;
		else if (r == 0)
			return IO_EOF;
		else if (errno != EAGAIN && errno != EINTR)
			return IO_ERROR;
	}
	return IO_OK;
}

/* The next frame, whole, in the buffer: IO_OK with *type, *len and
 * *payload (valid until the next read), or the I/O result.  A rows or
 * fields frame may be up to rows_max bytes long, any other
 * AYB_WORKER_FRAME_MAX. */
static int read_frame(int fd, int *type, const unsigned char **payload, uint32_t *len,
		      size_t rows_max, int64_t *budget_ms)
{
	int rc;

	if ((rc = rb_need(fd, AYB_WORKER_HEADER, budget_ms)) != IO_OK)
		return rc;
	ayb_worker_get_header(rb.data + rb.pos, type, len);
	if (*len > AYB_WORKER_FRAME_MAX &&
	    (*len > rows_max || (*type != AYB_F_ROWS && *type != AYB_F_FIELDS)))
		return IO_ERROR;
	if ((rc = rb_need(fd, AYB_WORKER_HEADER + (size_t)*len, budget_ms)) != IO_OK)
		return rc;
	*payload = rb.data + rb.pos + AYB_WORKER_HEADER;
	rb.pos += AYB_WORKER_HEADER + (size_t)*len;
	return IO_OK;
}

static int write_full(int fd, const void *buf, size_t n, int64_t *budget_ms)
{
	const char *p = buf;
	int rc;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((rc = wait_fd(fd, POLLOUT, budget_ms)) != IO_OK)
				return rc;
		} else {
			return errno == EPIPE ? IO_EOF : IO_ERROR;
		}
	}
	return IO_OK;
}

/* ---- starting and ending workers ------------------------------------------ */

/* ayb-query-worker ($AYB_QUERY_WORKER), or for a DuckDB database
 * ayb-duckdb-worker ($AYB_DUCKDB_WORKER), the one program that links
 * libduckdb, so a SQLite database's worker never maps it; else where
 * ayb_fs_libexec_program finds it.  Looked up at every start, which is
 * rare next to what a start costs.  The result lives in a thread-local
 * buffer. */
static const char *worker_program(int64_t db_type)
{
	static _Thread_local char path[PATH_MAX];
	int duck = db_type == AYB_DB_DUCKDB;
	const char *env = getenv(duck ? "AYB_DUCKDB_WORKER" : "AYB_QUERY_WORKER");

	if (env && *env) {
		snprintf(path, sizeof(path), "%s", env);
		return path;
	}
	ayb_fs_libexec_program(duck ? "ayb-duckdb-worker" : "ayb-query-worker", path,
			       sizeof(path));
	return path;
}

/* Kills and reaps the worker, and frees its slot (which stays with the
 * thread using it, if any).  Returns its wait status. */
static int worker_end(struct worker *w)
{
	int status = 0;

	/* A writer's socket is both ends. */
	if (w->from >= 0 && w->from != w->to)
		close(w->from);
	if (w->to >= 0)
		close(w->to);
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	free(w->path);
	w->path = NULL;
	w->pid = 0;
	w->to = w->from = -1;
	w->last_used = 0;
	w->used = 0;
	return status;
}

/* Evicts an idle worker without waiting for it: see `retiring`.  Called
 * with pool_lock. */
static void worker_retire(struct worker *w)
{
	size_t i;

	for (i = 0; i < POOL_MAX && retiring[i].pid; i++)
		;
	if (i == POOL_MAX) {
		worker_end(w);
		return;
	}
	retiring[i].pid = w->pid;
	retiring[i].deadline_ms = ayb_clock_ms() + RETIRE_MS;
	w->pid = 0;
	worker_end(w);
}

/* The wait status of a worker that has ended (its response pipe said EOF
 * or it failed), reaping it and freeing the slot. */
static int worker_reap(struct worker *w)
{
	int status = 0;

	if (w->pid > 0) {
		/* EOF on its pipe: it is exiting.  One that keeps running
		 * without its pipe for 200 ms is killed. */
		struct timespec ts = { 0, 2 * 1000000 };
		int i;

		for (i = 0; i < 100 && waitpid(w->pid, &status, WNOHANG) == 0; i++)
			nanosleep(&ts, NULL);
		if (i == 100)
			return worker_end(w);
		w->pid = 0;
	}
	worker_end(w);
	return status;
}

/* An environment with nothing from ours but the sanitizers' options. */
static void worker_env(char **env, size_t max)
{
	static const char *const keep[] = { "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=" };
	size_t n = 0;

	for (char **e = environ; e && *e && n + 1 < max; e++)
		for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (strncmp(*e, keep[k], strlen(keep[k])) == 0)
				env[n++] = *e;
	env[n] = NULL;
}

static void setup_of(const struct ayb_isolation_config *iso, const struct ayb_layout_file *f,
		     struct ayb_worker_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->parent = getpid();
	s->idle_ms = iso->worker_idle_seconds * 1000;
	s->db_type = f->db_type;
	s->dir = f->dir;
	s->path = f->path;
	s->shown = f->shown ? f->shown : f->path;
	s->policy.rw_dir = f->dir;
	s->policy.file_size_bytes = iso->max_file_size_mb << 20;
	s->policy.address_space_bytes = iso->address_space_mb << 20;
	s->policy.cpu_seconds = iso->cpu_seconds;
	s->policy.open_files = iso->open_files;
}

/* Waits for 'R', or turns the worker's 'E' (its sandbox failed) into err. */
static int await_ready(struct worker *w, struct ayb_err *err)
{
	int64_t budget = START_MS;
	const unsigned char *p = NULL;
	uint32_t len = 0;
	int type = 0, rc;

	rb_reset();
	rc = read_frame(w->from, &type, &p, &len, AYB_WORKER_FRAME_MAX, &budget);
	if (rc == IO_OK && type == AYB_F_READY && len == 0)
		return 0;
	if (rc == IO_OK && type == AYB_F_ERROR) {
		struct ayb_err why = { 0 };

		if (ayb_worker_get_error(p, len, &why) == 0)
			ayb_err_set(err, AYB_E_UNAVAILABLE, "Query worker unavailable: %s",
				    why.message ? why.message : "sandbox failed");
		ayb_err_clear(&why);
	}
	if (!err->kind)
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Query worker unavailable: %s",
			    rc == IO_TIMEOUT ? "it did not start in time" : "it failed to start");
	return -1;
}

static int make_pipes(int req[2], int resp[2], struct ayb_err *err)
{
	req[0] = req[1] = resp[0] = resp[1] = -1;
	if (pipe2(req, O_CLOEXEC) < 0 || pipe2(resp, O_CLOEXEC) < 0) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Query worker unavailable: pipe: %s",
			    strerror(errno));
		return -1;
	}
	return 0;
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
}

/* Takes the parent's ends of a new worker's pipes (non-blocking) and
 * closes the child's: held here, they would hide its death as a hang.
 * Sets req/resp to -1 so the caller's cleanup leaves them alone. */
static int adopt_pipes(struct worker *w, int req[2], int resp[2], const char *path,
		       struct ayb_err *err)
{
	close(req[0]);
	close(resp[1]);
	w->to = req[1];
	w->from = resp[0];
	req[0] = req[1] = resp[0] = resp[1] = -1;
	fcntl(w->to, F_SETFL, O_NONBLOCK);
	fcntl(w->from, F_SETFL, O_NONBLOCK);
	if (!(w->path = strdup(path)))
		return ayb_err_oom(err);
	return 0;
}

/* Starts an exec'd worker set up by s in slot w: ayb-query-worker with the
 * pipes as fds 0/1, the inherited stderr (the web server's error log), and
 * an empty environment.  Its argv names the database file, so an operator
 * sees in ps which database a worker serves. */
static int start_exec(const struct ayb_worker_setup *s, struct worker *w, int req[2],
		      int resp[2], struct ayb_err *err)
{
	posix_spawn_file_actions_t fa;
	struct ayb_buf b = { 0 };
	char *argv[3], *env[4];
	const char *prog = worker_program(s->db_type);
	int rc, ret = -1;
	int64_t budget = START_MS;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return ayb_err_oom(err);
	posix_spawn_file_actions_adddup2(&fa, req[0], 0);
	posix_spawn_file_actions_adddup2(&fa, resp[1], 1);
	if (s->role == AYB_WORKER_WRITER)
		posix_spawn_file_actions_adddup2(&fa, s->listen_fd, 3);
	argv[0] = (char *)(s->db_type == AYB_DB_DUCKDB ? "ayb-duckdb-worker" : "ayb-query-worker");
	argv[1] = s->path;
	argv[2] = NULL;
	worker_env(env, sizeof(env) / sizeof(env[0]));
	rc = posix_spawn(&w->pid, prog, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		const char *name = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;

		w->pid = 0;
		/* The program's name, not where it is: callers see this. */
		return ayb_err_set(err, AYB_E_UNAVAILABLE,
				   "Query worker unavailable: cannot run %s: %s", name,
				   strerror(rc));
	}
	if (adopt_pipes(w, req, resp, s->path, err) < 0)
		goto out;
	if (ayb_worker_setup_encode(s, &b) < 0) {
		ayb_err_oom(err);
		goto out;
	}
	if (write_full(w->to, b.data, b.len, &budget) != IO_OK) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Query worker unavailable: it failed to start");
		goto out;
	}
	ret = 0;
out:
	ayb_buf_free(&b);
	return ret;
}

/* Forks a one-query worker set up by s (isolation.mode = "fork").  No
 * exec: the child is a copy of this process, so it closes every descriptor
 * but its pipes before sandboxing itself; what it inherits in memory (the
 * parsed configuration) is the price of skipping an exec per query. */
static int start_fork(const struct ayb_worker_setup *s, struct worker *w, int req[2],
		      int resp[2], struct ayb_err *err)
{
	pid_t parent = getpid();

	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		w->pid = 0;
		return ayb_err_set(err, AYB_E_UNAVAILABLE, "Query worker unavailable: fork: %s",
				   strerror(errno));
	}
	if (w->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent || dup2(req[0], 0) < 0 || dup2(resp[1], 1) < 0)
			_exit(1);
		syscall(SYS_close_range, 3U, ~0U, 0U);
		_exit(ayb_worker_serve(s, 0, 1, 1));
	}
	return adopt_pipes(w, req, resp, s->path, err);
}

/* Starts a worker set up by s in slot w with `start` (start_exec or
 * start_fork), which runs the child on new pipes and takes the parent's
 * ends, then waits until the worker is ready.  On failure whatever started
 * is ended. */
static int spawn(const struct ayb_worker_setup *s, struct worker *w,
		 int (*start)(const struct ayb_worker_setup *, struct worker *, int[2], int[2],
			      struct ayb_err *),
		 struct ayb_err *err)
{
	int req[2], resp[2], ret = -1;

	if (make_pipes(req, resp, err) == 0 && start(s, w, req, resp, err) == 0 &&
	    await_ready(w, err) == 0)
		ret = 0;
	if (ret < 0 && w->pid)
		worker_end(w);
	close_pair(req);
	close_pair(resp);
	return ret;
}

/* ---- the pool ------------------------------------------------------------- */

/* Gives back a worker from pool_get, for the next query; `one` is ended. */
static void pool_put(struct worker *w, struct worker *one)
{
	if (w == one) {
		if (w->pid > 0)
			worker_end(w);
		return;
	}
	pthread_mutex_lock(&pool_lock);
	w->busy = 0;
	pthread_mutex_unlock(&pool_lock);
}

void ayb_worker_shutdown(void)
{
	/* Closing a worker's request pipe is its orderly end: it closes its
	 * connection, so SQLite checkpoints the WAL, and exits.  A slot that
	 * another thread still uses stays (that thread ends it later). */
	pthread_mutex_lock(&pool_lock);
	for (size_t i = 0; i < POOL_MAX; i++) {
		if (!pool[i] || pool[i]->busy)
			continue;
		if (pool[i]->pid > 0) {
			close(pool[i]->to);
			pool[i]->to = -1;
			worker_reap(pool[i]);
		}
		free(pool[i]);
		pool[i] = NULL;
	}
	for (size_t i = 0; i < POOL_MAX; i++) {
		if (retiring[i].pid)
			while (waitpid(retiring[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
		retiring[i].pid = 0;
	}
	pthread_mutex_unlock(&pool_lock);
	rb_release();
}

/* How often the pool looks for workers that ended on their own; sooner
 * once a query has met one (sweep_now), as its siblings, idle as long,
 * have likely ended too.  Both under pool_lock. */
#define SWEEP_MS 1000
static int64_t last_sweep_ms;
static int sweep_now;

/* Reaps idle workers that ended on their own (idle, retired), and evicted
 * ones (`retiring`, killed once past their deadline), so they do not
 * linger as zombies.  A wait4 per worker is the most system calls of a
 * point query, so it runs at most every SWEEP_MS: a query that meets a
 * worker that ended meanwhile finds it out on its pipe and gets another
 * (exchange's RETRY), and a slot taken for another database ends its
 * worker in any case.  Called with pool_lock. */
static void sweep(size_t want)
{
	int64_t now = ayb_clock_ms();
	int status;

	if (!sweep_now && now - last_sweep_ms < SWEEP_MS && now >= last_sweep_ms)
		return;
	last_sweep_ms = now;
	sweep_now = 0;
	for (size_t i = 0; i < POOL_MAX; i++) {
		if (!retiring[i].pid)
			continue;
		if (waitpid(retiring[i].pid, &status, WNOHANG) != 0)
			retiring[i].pid = 0;
		else if (now >= retiring[i].deadline_ms)
			kill(retiring[i].pid, SIGKILL); /* reaped at a later sweep */
	}

	for (size_t i = 0; i < want; i++) {
		struct worker *w = pool[i];

		if (!w->busy && w->pid > 0 && waitpid(w->pid, &status, WNOHANG) == w->pid) {
			w->pid = 0;
			worker_end(w);
		}
	}
}

/* The worker for f, the caller's (busy) until pool_put: an idle worker
 * already serving f, else one started in a free slot or in the least
 * recently used idle worker's.  With every slot busy, `one` serves this
 * query alone.  NULL with err when none can be started. */
static struct worker *pool_get(const struct ayb_isolation_config *iso,
			       const struct ayb_layout_file *f, struct worker *one,
			       struct ayb_err *err)
{
	struct worker *w = NULL;
	struct ayb_worker_setup s;
	size_t want = (size_t)iso->max_workers < POOL_MAX ? (size_t)iso->max_workers : POOL_MAX;
	int fresh = 1;

	pthread_mutex_lock(&pool_lock);
	for (size_t i = 0; i < want; i++) {
		if (pool[i])
			continue;
		if (!(pool[i] = calloc(1, sizeof(*pool[i])))) {
			pthread_mutex_unlock(&pool_lock);
			ayb_err_oom(err);
			return NULL;
		}
		pool[i]->to = pool[i]->from = -1;
	}
	sweep(want);
	for (size_t i = 0; i < want && !w; i++)
		if (!pool[i]->busy && pool[i]->pid > 0 && strcmp(pool[i]->path, f->path) == 0)
			w = pool[i];
	if (w) {
		fresh = 0;
	} else {
		/* A worker keeps its database open between queries, so one
		 * still serving an older version of this database (restored
		 * since) would hold the replaced file until it idled out. */
		for (size_t i = 0; i < want; i++)
			if (!pool[i]->busy && pool[i]->pid > 0 &&
			    ayb_layout_other_version(pool[i]->path, f))
				worker_retire(pool[i]);
		/* A free slot, else the least recently used idle worker's. */
		for (size_t i = 0; i < want; i++) {
			if (pool[i]->busy)
				continue;
			if (pool[i]->pid == 0) {
				w = pool[i];
				break;
			}
			if (!w || pool[i]->last_used < w->last_used)
				w = pool[i];
		}
		if (w && w->pid > 0)
			worker_retire(w);
	}
	if (w) {
		w->busy = 1;
		w->last_used = ++use_clock;
	}
	pthread_mutex_unlock(&pool_lock);
	if (!w) {
		memset(one, 0, sizeof(*one));
		one->to = one->from = -1;
		w = one;
	}
	if (fresh) {
		setup_of(iso, f, &s);
		s.role = AYB_WORKER_READER;
	}
	if (fresh && spawn(&s, w, start_exec, err) < 0) {
		pool_put(w, one);
		return NULL;
	}
	return w;
}
/* ---- one query ------------------------------------------------------------ */

/* The error for a worker that ended without finishing the query. */
static void ended_error(int status, const struct ayb_isolation_config *iso, struct ayb_err *err)
{
	char size[64];

	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
		ayb_err_set(err, AYB_E_INVALID,
			    "Query stopped: its worker used up its CPU time (%lld s, the server's limit)",
			    (long long)iso->cpu_seconds);
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ) {
		snprintf(size, sizeof(size), "%lld MiB", (long long)iso->max_file_size_mb);
		ayb_err_set(err, AYB_E_INVALID,
			    "Database file too large: it would grow beyond %s (the server's limit)",
			    size);
	} else if (WIFSIGNALED(status)) {
		ayb_err_set(err, AYB_E_QUERY,
			    "The query worker stopped unexpectedly (signal %d, %s); the next query gets a fresh one",
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else {
		ayb_err_set(err, AYB_E_QUERY,
			    "The query worker stopped unexpectedly (exit status %d); the next query gets a fresh one",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
}

enum outcome { DONE, FAILED, RETRY, WRITES };

/* The most result a worker may send for a query capped at max_bytes of
 * JSON: a value takes at most three times as many bytes on the wire as in
 * JSON (an integer: 9 against 3 and a comma), plus a frame's worth of
 * slack. */
static size_t wire_cap(const struct ayb_query_limits *lim)
{
	if (!lim->max_bytes || lim->max_bytes > (int64_t)AYB_WORKER_ROWS_MAX / 4)
		return AYB_WORKER_ROWS_MAX;
	return (size_t)lim->max_bytes * 4 + AYB_WORKER_FRAME_MAX;
}

/* Sends the request q (a query, a check or a copy) and decodes the answer:
 * a query's result into `rows`, or for a check or a copy (rows NULL) its
 * end alone.  DONE: the worker answered (with a result or an error) and
 * may be reused; FAILED: err is set and the worker has been ended; RETRY:
 * a reused worker had already ended (exited of its own accord before
 * reading the request, or gone before the request could be written), so
 * nothing ran; WRITES: the request writes, and nothing ran: it is the
 * writer's.  queue_ms is time the request may wait before it runs, on top
 * of its own. */
static enum outcome exchange(struct worker *w, const struct ayb_isolation_config *iso,
			     const struct ayb_query_limits *lim, const struct ayb_buf *q,
			     struct ayb_row_sink *rows, size_t results, int64_t queue_ms,
			     struct ayb_err *err)
{
	const unsigned char *p;
	const char **names = NULL;
	struct ayb_value *values = NULL;
	size_t ncol = 0, cap = wire_cap(lim), received = 0, nres = 0;
	int64_t budget = lim->timeout_ms + queue_ms + GRACE_MS;
	uint32_t n;
	int type, rc, frames = 0, status, reused, sent = 0;
	enum outcome res = FAILED;

	rb_reset();
	rc = write_full(w->to, q->data, q->len, &budget);
	if (rc == IO_TIMEOUT)
		goto timeout;
	if (rc != IO_OK)
		goto ended;
	sent = 1;
	for (;;) {
		rc = read_frame(w->from, &type, &p, &n, cap, &budget);
		if (rc == IO_TIMEOUT)
			goto timeout;
		if (rc == IO_NOMEM) {
			ayb_err_oom(err);
			goto end;
		}
		if (rc != IO_OK)
			goto ended;
		frames++;
		/* The worker caps its own output; a worker that does not (it
		 * would have to be subverted) is stopped here. */
		received += n;
		if (received > cap)
			goto garbage;
		/* Nothing may follow the end of an answer. */
		if (type == AYB_F_DONE && n == 0 && nres == results && rb.pos == rb.len) {
			res = DONE;
			if (rows && rows->end(rows->ctx) < 0)
				ayb_err_set(err, AYB_E_INTERNAL,
					    "The query result could not be delivered");
			goto out;
		}
		if (type == AYB_F_WRITES && n == 0 && frames == 1 && rb.pos == rb.len) {
			res = WRITES;
			goto out;
		}
		if (type == AYB_F_ERROR && rb.pos == rb.len) {
			if (ayb_worker_get_error(p, n, err) < 0)
				goto garbage;
			res = DONE;
			goto out;
		}
		if (!rows) {
			goto garbage;
		} else if (type == AYB_F_FIELDS && nres < results) {
			/* A batch's next result ends the one before. */
			if (names && rows->end(rows->ctx) < 0) {
				ayb_err_set(err, AYB_E_INTERNAL,
					    "The query result could not be delivered");
				goto end;
			}
			free(names);
			free(values);
			values = NULL;
			nres++;
			if (ayb_worker_get_fields(p, n, &names, &ncol) < 0 ||
			    !(values = calloc(ncol ? ncol : 1, sizeof(*values))))
				goto garbage;
			rc = rows->fields(rows->ctx, names, ncol);
		} else if (type == AYB_F_ROWS && names) {
			rc = ayb_worker_get_rows(p, n, values, ncol, rows);
			if (rc == -1)
				goto garbage;
		} else {
			goto garbage;
		}
		if (rc < 0) {
			ayb_err_set(err, AYB_E_INTERNAL, "The query result could not be delivered");
			goto end;
		}
	}
timeout:
	ayb_err_set(err, AYB_E_INVALID,
		    "Query timed out: it ran longer than %lld ms (the server's limit)",
		    (long long)lim->timeout_ms);
	goto end;
garbage:
	ayb_err_set(err, AYB_E_QUERY, "Invalid response from the query worker");
	goto end;
ended:
	if (w->pid <= 0) {
		/* The database's writer, no child of ours: killed or crashed
		 * mid-group, whose uncommitted transaction SQLite rolls back. */
		worker_end(w);
		ayb_err_set(err, AYB_E_QUERY,
			    "The query worker stopped unexpectedly (the database's writer ended mid-request); the next query gets a fresh one");
		goto out;
	}
	reused = w->used;
	status = worker_reap(w); /* frees the slot */
	/* A reused worker that ended before the whole request reached it
	 * (killed while idle, say) cannot have run it, however it ended. */
	if (!frames && reused && (!sent || (WIFEXITED(status) && WEXITSTATUS(status) == 0))) {
		res = RETRY;
		goto out;
	}
	ended_error(status, iso, err);
	goto out;
end:
	worker_end(w);
out:
	if (w->pid > 0)
		w->used = 1;
	if (rb.cap > RB_KEEP)
		rb_release();
	free(names);
	free(values);
	return res;
}

/* ---- the database's writer ------------------------------------------------ */

#define WRITER_IDLE_MS 5000

/* A connection to the writer whose socket is at a, or -1. */
static int writer_dial(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0 &&
	    fcntl(fd, F_SETFL, O_NONBLOCK) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Starts f's writer, listening at a (`name` in the version directory
 * `dir`), with the starting lock held: an exec'd ayb-query-worker with the
 * socket as fd 3, which forks to outlive this process; its first process
 * is reaped here once the writer has said it is ready. */
static int writer_start(const struct ayb_isolation_config *iso, const struct ayb_layout_file *f,
			int dir, const char *name, const struct sockaddr_un *a,
			struct ayb_err *err)
{
	struct ayb_worker_setup s;
	struct ayb_layout_spool spool = { 0 };
	struct worker w;
	int ls, status, ret = -1;

	memset(&w, 0, sizeof(w));
	w.to = w.from = -1;
	/* A writer that was killed leaves its socket behind. */
	unlinkat(dir, name, 0);
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (const struct sockaddr *)a, sizeof(*a)) < 0 || listen(ls, 128) < 0) {
		ayb_err_set(err, AYB_E_UNAVAILABLE,
			    "Query worker unavailable: the database's writer: %s", strerror(errno));
		goto out;
	}
	setup_of(iso, f, &s);
	s.role = AYB_WORKER_WRITER;
	s.listen_fd = ls;
	/* Continuous backup: the writer captures each commit into the
	 * database's spool (lib/pitr_capture.h), its sandbox's second
	 * directory. */
	if (iso->capture_wal) {
		if (ayb_layout_spool_of_version(f->dir, &spool, err) < 0)
			goto out;
		s.out_dir = spool.dir;
		s.policy.out_dir = spool.dir;
	}
	/* Writers are per database and per host, not per pool: one idling
	 * for worker_idle_seconds after each database written to would add up
	 * to a process per recently written database. */
	if (s.idle_ms > WRITER_IDLE_MS)
		s.idle_ms = WRITER_IDLE_MS;
	if (spawn(&s, &w, start_exec, err) < 0)
		goto out;
	while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR)
		;
	w.pid = 0;
	worker_end(&w);
	ret = 0;
out:
	if (ls >= 0)
		close(ls);
	ayb_layout_spool_free(&spool);
	return ret;
}

/* A restore or a move between nodes (lib/node_ops.c) takes the writer's
 * lock exclusive before it replaces or fences the file: a request that
 * waited for the lock meanwhile must not write to a file nobody serves any
 * more.  0, or -1 with err (503). */
static int moved_away(const struct ayb_layout_file *f, struct ayb_err *err)
{
	if (ayb_layout_is_current(f))
		return 0;
	ayb_err_set(err, AYB_E_UNAVAILABLE,
		    "The database was moved or replaced while this request waited for it; try again");
	err->retry_after = 1;
	return -1;
}

/* A request that may write from its own process -- isolation off, mode
 * "fork", DuckDB, none of which goes through the writer -- holds the
 * writer's lock shared as a writer's client does, for the same reason.
 * The lock's fd (the caller closes it), or -1 with err. */
static int lock_direct(const struct ayb_layout_file *f, struct ayb_err *err)
{
	char name[AYB_LAYOUT_WRITER_NAME];
	int dir = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;

	ayb_layout_writer_lock(f->path, name);
	if (dir >= 0)
		fd = openat(dir, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_SH) < 0) {
		ayb_err_set(err, AYB_E_UNAVAILABLE,
			    "Query worker unavailable: the database's lock: %s", strerror(errno));
	} else if (moved_away(f, err) == 0) {
		close(dir);
		return fd;
	}
	if (fd >= 0)
		close(fd);
	if (dir >= 0)
		close(dir);
	return -1;
}

/* A connection to f's writer, started first when none listens, and
 * *lock_fd holding the writer's lock shared: the writer does not leave
 * while a client holds it (worker_writer.c). */
static int writer_connect(const struct ayb_isolation_config *iso, const struct ayb_layout_file *f,
			  int *lock_fd, struct ayb_err *err)
{
	char name[AYB_LAYOUT_WRITER_NAME], lock[AYB_LAYOUT_WRITER_NAME];
	struct sockaddr_un a;
	int dir, fd = -1;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	ayb_layout_writer_socket(f->path, name);
	ayb_layout_writer_lock(f->path, lock);
	*lock_fd = -1;
	if ((dir = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	/* data_path may be longer than a socket's path can be. */
	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", dir, name);
	*lock_fd = openat(dir, lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_SH) < 0)
		goto fail;
	if ((fd = writer_dial(&a)) < 0) {
		if (flock(*lock_fd, LOCK_EX) < 0)
			goto fail;
		/* No writer is started for a file that is gone. */
		if (moved_away(f, err) < 0)
			goto fail;
		if ((fd = writer_dial(&a)) < 0 && writer_start(iso, f, dir, name, &a, err) == 0)
			fd = writer_dial(&a);
		if (flock(*lock_fd, LOCK_SH) < 0 && fd >= 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0)
		goto fail;
	/* Checked with the lock held shared, after every step that may have
	 * let go of it. */
	if (moved_away(f, err) < 0) {
		close(fd);
		fd = -1;
		goto fail;
	}
	close(dir);
	return fd;
fail:
	if (!err->kind)
		ayb_err_set(err, AYB_E_UNAVAILABLE,
			    "Query worker unavailable: the database's writer: %s", strerror(errno));
	if (dir >= 0)
		close(dir);
	if (*lock_fd >= 0)
		close(*lock_fd);
	*lock_fd = -1;
	return -1;
}

/* Runs q, a request that writes, in f's writer.  It may wait there for
 * the group ahead of it and its own group's other requests: up to two
 * query timeouts more than it runs itself. */
static enum outcome writer_exchange(const struct ayb_isolation_config *iso,
				    const struct ayb_layout_file *f,
				    const struct ayb_query_limits *lim, const struct ayb_buf *q,
				    struct ayb_row_sink *rows, size_t results, struct ayb_err *err)
{
	struct worker w;
	enum outcome res;
	int lock_fd;

	memset(&w, 0, sizeof(w));
	if ((w.to = w.from = writer_connect(iso, f, &lock_fd, err)) < 0)
		return FAILED;
	res = exchange(&w, iso, lim, q, rows, results, 2 * lim->timeout_ms, err);
	worker_end(&w);
	close(lock_fd);
	if (res != WRITES)
		return res;
	ayb_err_set(err, AYB_E_QUERY, "Invalid response from the query worker");
	return FAILED;
}

static void ignore_sigpipe_now(void)
{
	struct sigaction sa;

	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
}

/* DuckDB runs only in an exec'd ayb-duckdb-worker, the one program that
 * links libduckdb: never inside this process, nor in a fork of it. */
static int refuse_in_process(const struct ayb_isolation_config *iso, int64_t db_type,
			     struct ayb_err *err)
{
	if (db_type == AYB_DB_DUCKDB && !iso->enabled)
		return ayb_err_set(err, AYB_E_INVALID,
				   "DuckDB databases run only in query workers: this server has "
				   "isolation.enabled = false");
	return 0;
}

static int forks(const struct ayb_isolation_config *iso, int64_t db_type)
{
	return iso->mode == AYB_ISOLATION_FORK && db_type != AYB_DB_DUCKDB;
}

/* A worker that dies must not take the caller with it.  Once per process:
 * not a system call per query. */
static void ignore_sigpipe(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, ignore_sigpipe_now);
}

int ayb_worker_query(const struct ayb_isolation_config *iso, const char *data_path,
		     const char *entity, const char *db, const char *sql, size_t len,
		     enum ayb_query_mode mode, struct ayb_row_sink *rows, struct ayb_err *err)
{
	struct ayb_query_req r;

	ayb_query_req_sql(&r, sql, len);
	return ayb_worker_run(iso, data_path, entity, db, AYB_DB_SQLITE, &r, mode, rows, err);
}

int ayb_worker_run(const struct ayb_isolation_config *iso, const char *data_path,
		   const char *entity, const char *db, int db_type, const struct ayb_query_req *r,
		   enum ayb_query_mode mode, struct ayb_row_sink *rows, struct ayb_err *err)
{
	struct ayb_query_limits lim;
	struct ayb_layout_file f;
	struct ayb_worker_setup s;
	struct ayb_buf q = { 0 };
	struct worker one, *w;
	enum outcome res = FAILED;
	int ret = -1, rc, lock_fd = -1;

	ayb_worker_limits(iso, &lim);
	/* A batch's answer is held whole until it commits (lib/hosted.h). */
	if (r->form == AYB_FORM_BATCH && iso->max_batch_result_mb &&
	    (!lim.max_bytes || lim.max_bytes > iso->max_batch_result_mb << 20))
		lim.max_bytes = iso->max_batch_result_mb << 20;
	if (ayb_layout_locate(data_path, entity, db, &f, err) < 0)
		return -1;
	f.db_type = db_type;
	engine_limits(iso, f.db_type, &lim);
	if (refuse_in_process(iso, f.db_type, err) < 0)
		goto out;
	if (mode != AYB_QUERY_READ_ONLY && (!iso->enabled || forks(iso, f.db_type) ||
					    f.db_type == AYB_DB_DUCKDB) &&
	    (lock_fd = lock_direct(&f, err)) < 0)
		goto out;
	if (!iso->enabled) {
		ret = ayb_hosted_run_req(&f, r, mode, &lim, rows, err);
		goto out;
	}
	if (r->form == AYB_FORM_SQL && r->stmts[0].len > AYB_WORKER_QUERY_SQL_MAX) {
		ayb_err_set(err, AYB_E_INVALID, "Query is too long");
		goto out;
	}
	if ((rc = ayb_worker_put_query(&q, mode, &lim, r)) < 0) {
		if (rc == -2)
			ayb_err_set(err, AYB_E_INVALID, "Query is too long");
		else
			ayb_err_oom(err);
		goto out;
	}
	ignore_sigpipe();
	for (int attempt = 0; attempt < 2; attempt++) {
		if (forks(iso, f.db_type)) {
			memset(&one, 0, sizeof(one));
			one.to = one.from = -1;
			w = &one;
			setup_of(iso, &f, &s);
			if (spawn(&s, w, start_fork, err) < 0)
				goto out;
		} else if (!(w = pool_get(iso, &f, &one, err))) {
			goto out;
		}
		res = exchange(w, iso, &lim, &q, rows, r->n, 0, err);
		pool_put(w, &one);
		if (res == WRITES)
			res = writer_exchange(iso, &f, &lim, &q, rows, r->n, err);
		if (res != RETRY)
			break;
		pthread_mutex_lock(&pool_lock);
		sweep_now = 1;
		pthread_mutex_unlock(&pool_lock);
	}
	ret = res == DONE && !err->kind ? 0 : -1;
	if (res == RETRY)
		ayb_err_set(err, AYB_E_QUERY, "The query worker stopped unexpectedly");
out:
	if (lock_fd >= 0)
		close(lock_fd);
	ayb_buf_free(&q);
	ayb_layout_file_free(&f);
	return ret;
}

/* ---- a check or a copy ---------------------------------------------------- */

/* Runs a task (worker_impl.h) set up by s in a worker of its own, ended
 * afterwards: no pooled worker ever holds the rights a copy needs.  With
 * isolation off, the same task runs here. */
static int run_task(const struct ayb_isolation_config *iso, const struct ayb_worker_setup *s,
		    int type, struct ayb_err *err)
{
	struct ayb_query_limits lim;
	struct ayb_buf q = { 0 };
	struct worker one;
	enum outcome res = FAILED;

	ayb_worker_limits(iso, &lim);
	engine_limits(iso, s->db_type, &lim);
	if (!iso->enabled)
		return refuse_in_process(iso, s->db_type, err) < 0 ? -1 :
		       ayb_worker_task(s, type, &lim, err);
	memset(&one, 0, sizeof(one));
	one.to = one.from = -1;
	ignore_sigpipe();
	if (ayb_worker_put_task(&q, type, &lim) < 0) {
		ayb_err_oom(err);
	} else if (spawn(s, &one, forks(iso, s->db_type) ? start_fork : start_exec, err) == 0) {
		res = exchange(&one, iso, &lim, &q, NULL, 0, 0, err);
		if (one.pid > 0)
			worker_end(&one);
	}
	ayb_buf_free(&q);
	return res == DONE && !err->kind ? 0 : -1;
}

int ayb_worker_check(const struct ayb_isolation_config *iso, const struct ayb_layout_file *f,
		     struct ayb_err *err)
{
	struct ayb_worker_setup s;

	setup_of(iso, f, &s);
	return run_task(iso, &s, AYB_F_CHECK, err);
}

/* The size of the file at path with suffix appended, 0 if none. */
static int64_t file_size(const char *path, const char *suffix)
{
	char name[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(name, sizeof(name), "%s%s", path, suffix) >= sizeof(name) ||
	    stat(name, &st) < 0)
		return 0;
	return st.st_size;
}

/* A task writing a file of its own beside src's reading (a copy, a dump):
 * the worker may make files in dst->dir. */
static int run_task_out(const struct ayb_isolation_config *iso, const struct ayb_layout_file *src,
			const struct ayb_layout_file *dst, int type, struct ayb_err *err)
{
	struct ayb_worker_setup s;
	int64_t size;

	setup_of(iso, src, &s);
	s.out_dir = dst->dir;
	s.out = dst->path;
	s.policy.out_dir = dst->dir;
	/* A copy of a file that outgrew the limit (adopted, or the limit
	 * lowered since) must still be possible: a snapshot never fails for
	 * a database that exists, and a page copy is no larger than its
	 * source, the file and its WAL.  An SQL dump keeps the limit (it may
	 * be twice the file: blobs in hex), as the tenant's own output. */
	size = file_size(src->path, "") + file_size(src->path, "-wal") + (1 << 20);
	if (type != AYB_F_DUMP && s.policy.file_size_bytes > 0 && size > s.policy.file_size_bytes)
		s.policy.file_size_bytes = size;
	return run_task(iso, &s, type, err);
}

int ayb_worker_copy(const struct ayb_isolation_config *iso, const struct ayb_layout_file *src,
		    const struct ayb_layout_file *dst, struct ayb_err *err)
{
	return run_task_out(iso, src, dst, AYB_F_COPY, err);
}

int ayb_worker_backup(const struct ayb_isolation_config *iso, const struct ayb_layout_file *src,
		      const struct ayb_layout_file *dst, struct ayb_err *err)
{
	return run_task_out(iso, src, dst, AYB_F_BACKUP, err);
}

int ayb_worker_dump(const struct ayb_isolation_config *iso, const struct ayb_layout_file *src,
		    const struct ayb_layout_file *dst, struct ayb_err *err)
{
	return run_task_out(iso, src, dst, AYB_F_DUMP, err);
}

int ayb_worker_vet(const struct ayb_isolation_config *iso, const struct ayb_layout_file *f,
		   struct ayb_err *err)
{
	struct ayb_worker_setup s;

	setup_of(iso, f, &s);
	return run_task(iso, &s, AYB_F_VET, err);
}

int ayb_worker_load(const struct ayb_isolation_config *iso, const struct ayb_layout_file *f,
		    const char *script, struct ayb_err *err)
{
	struct ayb_worker_setup s;

	setup_of(iso, f, &s);
	s.out = (char *)script;
	return run_task(iso, &s, AYB_F_LOAD, err);
}
