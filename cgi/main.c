/* ayb-api.fcgi: the FastCGI loop (or one plain-CGI request when stdin is
 * not a FastCGI socket).  Each configuration file is read once per process;
 * the metadata store is opened on first need and kept, but nothing in this
 * process matters between requests. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>

#include "config.h"
#include "prefork.h"
#include "sandbox.h"
#include "serve.h"
#include "token.h"
#include "worker.h"

extern char **environ;

static struct fcgi_sites sites;

/* Set by SIGTERM/SIGINT: finish the request in flight, then exit. */
static volatile sig_atomic_t stopping;
static int devnull = -1;

static int fcgx_read(void *ctx, char *p, size_t n)
{
	return FCGX_GetStr(p, n > 1 << 30 ? 1 << 30 : (int)n, ctx);
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

/* SIGTERM (web servers, systemd) and SIGINT: stop once the request in
 * flight is answered.  The signals are blocked while a request is served,
 * so they arrive only while the process waits in accept() on fd 0.  They
 * restart system calls (SA_RESTART), and pointing fd 0 at /dev/null makes
 * the restarted (or next) accept() fail at once instead of waiting for one
 * more connection; the listening socket stays open for the other processes
 * sharing it.  A request whose connection was already accepted is still
 * read and served. */
static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	if (devnull >= 0)
		dup2(devnull, 0);
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

static int fastcgi_loop(void)
{
	FCGX_Request r;
	struct sigaction sa;
	sigset_t stop_set;
	int rc, status = 0;

	if (FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_mask = stop_set;
	sa.sa_flags = SA_RESTART;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigprocmask(SIG_BLOCK, &stop_set, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stopping) {
		struct ayb_sink out, log;

		sigprocmask(SIG_UNBLOCK, &stop_set, NULL);
		rc = FCGX_Accept_r(&r);
		sigprocmask(SIG_BLOCK, &stop_set, NULL);
		if (rc < 0) {
			if (!stopping) {
				fprintf(stderr, "ayb-api: waiting for requests failed: %s\n",
					strerror(-rc > 0 && -rc < 4096 ? -rc : EIO));
				status = 1;
			}
			break;
		}
		out = (struct ayb_sink){ fcgx_write, r.out };
		log = (struct ayb_sink){ fcgx_write, r.err };
		fcgi_serve(&sites, r.envp, fcgx_read, r.in, out, log);
		FCGX_Finish_r(&r);
	}
	ayb_worker_shutdown();
	return status;
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

		if (workers < 0) {
			fprintf(stderr,
				"ayb-api: AYB_API_PROCESSES must be a number from 1 to %d\n",
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
		ayb_err_clear(&err);
		status = workers > 1 ? fcgi_prefork_run(workers, fastcgi_loop) : fastcgi_loop();
	}
out:
	fcgi_sites_free(&sites);
	curl_global_cleanup();
	return status;
}
