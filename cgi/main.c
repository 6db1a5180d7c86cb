/* ayb-api.fcgi: the FastCGI loop (or one plain-CGI request when stdin is
 * not a FastCGI socket).  Several request threads (AYB_API_THREADS) each
 * accept and serve requests on the shared listening socket, so a slow query
 * holds one thread, not the process.  Each thread reads each configuration
 * file once and keeps its own metadata store connection; the query workers
 * are shared; nothing in this process matters between requests. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>

#include "config.h"
#include "hosted.h"
#include "prefork.h"
#include "sandbox.h"
#include "serve.h"
#include "token.h"
#include "worker.h"

extern char **environ;

/* The main thread's: the plain-CGI request, and the check at start. */
static struct fcgi_sites sites;

#define FCGI_THREADS_DEFAULT 8
static int nthreads = FCGI_THREADS_DEFAULT;

/* One request thread: its own request and site cache (so its own metadata
 * store connections) and kept hosted connections (thread-local in lib/);
 * the query workers are the process's, shared. */
struct request_thread {
	pthread_t id;
	struct fcgi_sites sites;
	int failed;
};

/* Set by the main thread on SIGTERM/SIGINT: finish the requests in flight,
 * then exit. */
static atomic_int stopping;
/* Request threads that have not stopped serving yet (all of them until
 * `started` is known); a query worker dies with the thread that started
 * it, so none ends before every one is done. */
static pthread_mutex_t serving_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t serving_done = PTHREAD_COND_INITIALIZER;
static int serving = -1;
static pthread_t main_thread;
static int devnull = -1;

/* A request's input, with what the request has read of it. */
struct fcgx_in {
	FCGX_Stream *stream;
	unsigned long long got;
};

static int fcgx_read(void *ctx, char *p, size_t n)
{
	struct fcgx_in *in = ctx;
	int got = FCGX_GetStr(p, n > 1 << 30 ? 1 << 30 : (int)n, in->stream);

	if (got > 0)
		in->got += (unsigned long long)got;
	return got;
}

static int fcgx_write(void *ctx, const char *p, size_t n)
{
	return FCGX_PutStr(p, (int)n, ctx) == (int)n ? 0 : -1;
}

static int stdio_read(void *ctx, char *p, size_t n)
{
	size_t got = fread(p, 1, n, ctx);
	return got ? (int)got : -1;
}

static int stdio_write(void *ctx, const char *p, size_t n)
{
	return fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

/* Under a web server other than `ayb server`, nobody else says when the
 * kernel cannot confine query workers: the banner goes to the error log
 * once, at start. */
static void warn_degraded_isolation(const struct ayb_config *cfg)
{
	struct ayb_sandbox_support sup;
	struct ayb_buf b = { 0 };

	ayb_sandbox_probe(&sup);
	if (ayb_sandbox_report(&cfg->isolation, &sup, &b) && b.data)
		fputs(b.data, stderr);
	ayb_buf_free(&b);
}

/* SIGTERM (web servers, systemd) and SIGINT: stop once the requests in
 * flight are answered.  Every thread blocks them; the main thread waits for
 * them with sigwait().  It then points fd 0 at /dev/null, so any accept()
 * entered from then on fails at once (the listening socket stays open for
 * the other processes sharing it), and sends SIGUSR1 to each request
 * thread: its handler does nothing, but the accept() it interrupts restarts
 * (SA_RESTART) on fd 0, now /dev/null, and fails; a read of a request that
 * was already accepted restarts unharmed and the request is served.  A
 * request thread takes SIGUSR1 only while it waits in accept(), so one that
 * is serving gets it just before its next accept(), which fails. */
static void on_wake(int sig)
{
	(void)sig;
}

/* systemd socket activation passes the listening socket as fd 3 with
 * LISTEN_PID naming us; libfcgi expects it on fd 0. */
static void adopt_activated_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
		return;
	if (strcmp(fds, "1") != 0)
		fprintf(stderr, "ayb-api: LISTEN_FDS=%s: expected exactly one socket\n", fds);
	else if (dup2(3, 0) == 0)
		close(3);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/* Input read past the body to end a request: the web server sends none,
 * so any is a reason to leave the close to libfcgi. */
#define DRAIN_MAX 4096

/* Ends a request whose body `in` has been read from.  libfcgi's close
 * otherwise shuts the socket down and waits for the web server to close
 * its end (a poll, a sleep and a wake-up per request), which only keeps
 * unread input from making the close reset the connection before the
 * answer is read.  When the request read its whole body, all that is left
 * is the web server's end of input, sent at once: read it, and the socket
 * closes at once.  A body left unread (a request refused before reading
 * it) keeps libfcgi's close, so no thread ever waits on a slow client's
 * bytes here. */
static void finish_request(FCGX_Request *r, const struct fcgx_in *in)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", r->envp);
	unsigned long long len = 0;
	char sink[DRAIN_MAX];
	int n;

	for (; cl && *cl >= '0' && *cl <= '9' && len < ULLONG_MAX / 10; cl++)
		len = len * 10 + (unsigned long long)(*cl - '0');
	if (r->in && (!cl || !*cl) && in->got >= len) {
		n = FCGX_GetStr(sink, sizeof(sink), r->in);
		if (n == 0 && FCGX_HasSeenEOF(r->in) && !FCGX_GetError(r->in))
			FCGX_Detach(r);
	}
	FCGX_Finish_r(r);
}

static void *request_loop(void *arg)
{
	struct request_thread *t = arg;
	FCGX_Request r;
	sigset_t wake;
	int rc;

	sigemptyset(&wake);
	sigaddset(&wake, SIGUSR1);
	if (FCGX_InitRequest(&r, 0, 0) != 0)
		t->failed = 1;
	while (!t->failed && !atomic_load(&stopping)) {
		struct ayb_sink out, log;
		struct fcgx_in in;

		pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
		rc = FCGX_Accept_r(&r);
		pthread_sigmask(SIG_BLOCK, &wake, NULL);
		if (rc < 0) {
			if (!atomic_load(&stopping)) {
				fprintf(stderr, "ayb-api: waiting for requests failed: %s\n",
					strerror(-rc > 0 && -rc < 4096 ? -rc : EIO));
				t->failed = 1;
			}
			break;
		}
		in = (struct fcgx_in){ r.in, 0 };
		out = (struct ayb_sink){ fcgx_write, r.out };
		log = (struct ayb_sink){ fcgx_write, r.err };
		fcgi_serve(&t->sites, r.envp, fcgx_read, &in, out, log);
		finish_request(&r, &in);
	}
	/* The whole process stops with the first thread that cannot go on. */
	if (t->failed)
		pthread_kill(main_thread, SIGTERM);
	pthread_mutex_lock(&serving_lock);
	while (serving < 0)
		pthread_cond_wait(&serving_done, &serving_lock);
	if (--serving == 0)
		pthread_cond_broadcast(&serving_done);
	while (serving > 0)
		pthread_cond_wait(&serving_done, &serving_lock);
	pthread_mutex_unlock(&serving_lock);
	/* The first thread here ends the pool's workers in order; the others
	 * wait for it inside, so none of those workers is left orphaned. */
	ayb_worker_shutdown();
	ayb_hosted_close_kept();
	fcgi_sites_free(&t->sites);
	return NULL;
}

/* Starts the request threads and waits for a stop signal (or a thread's
 * failure), then stops them and waits for each to answer what it holds. */
static int fastcgi_loop(void)
{
	struct request_thread *t = calloc((size_t)nthreads, sizeof(*t));
	struct sigaction sa;
	sigset_t stop_set, blocked;
	int sig, started = 0, status = 0;

	if (!t || FCGX_Init() != 0) {
		free(t);
		return 1;
	}
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	blocked = stop_set;
	sigaddset(&blocked, SIGUSR1);
	/* Inherited by every thread created below. */
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	main_thread = pthread_self();
	for (int rc; started < nthreads; started++) {
		t[started].sites.default_path = sites.default_path;
		rc = pthread_create(&t[started].id, NULL, request_loop, &t[started]);
		if (rc != 0) {
			fprintf(stderr, "ayb-api: cannot start a request thread: %s\n",
				strerror(rc));
			break;
		}
	}
	pthread_mutex_lock(&serving_lock);
	serving = started;
	pthread_cond_broadcast(&serving_done);
	pthread_mutex_unlock(&serving_lock);
	if (started)
		sigwait(&stop_set, &sig);
	else
		status = 1;
	atomic_store(&stopping, 1);
	if (devnull >= 0)
		dup2(devnull, 0);
	for (int i = 0; i < started; i++)
		pthread_kill(t[i].id, SIGUSR1);
	for (int i = 0; i < started; i++) {
		pthread_join(t[i].id, NULL);
		status |= t[i].failed;
	}
	free(t);
	return status;
}

/* The thread count named by AYB_API_THREADS (1 to FCGI_PREFORK_MAX, like
 * the process count), FCGI_THREADS_DEFAULT when unset; -1 when invalid. */
static int threads_from_env(void)
{
	const char *text = getenv("AYB_API_THREADS");

	return text && *text ? fcgi_prefork_parse(text) : FCGI_THREADS_DEFAULT;
}

int main(void)
{
	int status = 0;

	signal(SIGPIPE, SIG_IGN);
	if (ayb_token_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "ayb-api: cannot initialise libsodium or libcurl\n");
		return 1;
	}
	adopt_activated_socket();
	sites.default_path = ayb_config_locate(NULL);
	if (FCGX_IsCGI()) {
		struct ayb_sink out = { stdio_write, stdout }, log = { stdio_write, stderr };
		fcgi_serve(&sites, environ, stdio_read, stdin, out, log);
		fflush(stdout);
	} else {
		struct ayb_err err = { 0 };
		const struct fcgi_site *site;
		int workers = fcgi_prefork_parse(getenv("AYB_API_PROCESSES"));

		if (workers < 0 || (nthreads = threads_from_env()) < 0) {
			fprintf(stderr,
				"ayb-api: %s must be a number from 1 to %d\n",
				workers < 0 ? "AYB_API_PROCESSES" : "AYB_API_THREADS",
				FCGI_PREFORK_MAX);
			status = 1;
			goto out;
		}
		/* A broken configuration does not stop the process: every request
		 * then answers 500 with the reason, which is easier to find on
		 * shared hosting than a FastCGI process that keeps dying.  Reading
		 * it now still reports the problem once, at start, and workers
		 * inherit it (the metadata store is opened later, in each). */
		if (!(site = fcgi_sites_get(&sites, sites.default_path, &err)))
			fprintf(stderr, "ayb-api: %s\n",
				err.message ? err.message : "configuration error");
		else
			warn_degraded_isolation(site->cfg);
		/* A worker forked (not exec'd) from a process with other threads
		 * could inherit a lock one of them held (SQLite's, for one) and
		 * hang: "fork" mode keeps one request thread. */
		if (site && site->cfg->isolation.mode == AYB_ISOLATION_FORK && nthreads > 1) {
			fprintf(stderr, "ayb-api: isolation.mode = \"fork\": "
				"one request thread per process (AYB_API_THREADS ignored)\n");
			nthreads = 1;
		}
		ayb_err_clear(&err);
		status = workers > 1 ? fcgi_prefork_run(workers, fastcgi_loop) : fastcgi_loop();
	}
out:
	fcgi_sites_free(&sites);
	curl_global_cleanup();
	return status;
}
