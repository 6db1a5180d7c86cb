#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "prefork.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Only there so that sigsuspend() returns when a worker ends. */
static void on_child(int sig)
{
	(void)sig;
}

int fcgi_prefork_parse(const char *text)
{
	char *end;
	long n;

	if (!text || !*text)
		return 1;
	errno = 0;
	n = strtol(text, &end, 10);
	if (errno || *end || n < 1 || n > FCGI_PREFORK_MAX)
		return -1;
	return (int)n;
}

static pid_t spawn(int (*work)(void), const sigset_t *worker_mask)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigprocmask(SIG_SETMASK, worker_mask, NULL);
		/* _exit: the stdio buffers and atexit handlers are the parent's. */
		_exit(work());
	}
	if (pid < 0)
		fprintf(stderr, "ayb-api: cannot start a worker: %s\n", strerror(errno));
	return pid;
}

static void report_end(pid_t pid, int st)
{
	if (WIFSIGNALED(st))
		fprintf(stderr, "ayb-api: worker %ld was killed by signal %d; starting another\n",
			(long)pid, WTERMSIG(st));
	else
		fprintf(stderr, "ayb-api: worker %ld exited with status %d; starting another\n",
			(long)pid, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* The signals are blocked except inside sigsuspend(), so a stop request or
 * a worker's end can never slip in between checking and waiting. */
int fcgi_prefork_run(int n, int (*work)(void))
{
	static pid_t pids[FCGI_PREFORK_MAX];
	static time_t started[FCGI_PREFORK_MAX];
	struct sigaction sa;
	sigset_t block, waiting, worker_mask;
	int alive = 0, status = 0, too_fast = 0;
	pid_t w;
	int st;

	if (n < 1 || n > FCGI_PREFORK_MAX)
		return 1;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &waiting);
	worker_mask = waiting;
	sigaddset(&worker_mask, SIGTERM);
	sigaddset(&worker_mask, SIGINT);
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGINT);
	sigdelset(&waiting, SIGCHLD);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);

	for (;;) {
		while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
			for (int i = 0; i < n; i++) {
				if (pids[i] != w)
					continue;
				pids[i] = 0;
				alive--;
				if (!stop_requested) {
					report_end(w, st);
					too_fast |= time(NULL) - started[i] < 1;
				}
			}
		}
		if (stop_requested)
			break;
		/* A worker that dies at once would otherwise be restarted in a
		 * tight loop. */
		if (too_fast)
			sleep(1);
		too_fast = 0;
		for (int i = 0; i < n; i++) {
			if (pids[i])
				continue;
			if ((pids[i] = spawn(work, &worker_mask)) < 0) {
				pids[i] = 0;
				continue;
			}
			started[i] = time(NULL);
			alive++;
		}
		if (!alive) {
			status = 1;
			break;
		}
		sigsuspend(&waiting);
	}

	for (int i = 0; i < n; i++)
		if (pids[i])
			kill(pids[i], SIGTERM);
	/* Each worker answers the request it holds, then exits. */
	while (alive > 0 && (w = waitpid(-1, &st, 0)) > 0)
		for (int i = 0; i < n; i++)
			if (pids[i] == w) {
				pids[i] = 0;
				alive--;
			}
	return status;
}
