/* Several ayb-api.fcgi processes on one listening socket, for starters that
 * run a single process (systemd socket activation, spawn-fcgi -n). */
#ifndef AYB_CGI_PREFORK_H
#define AYB_CGI_PREFORK_H

#define FCGI_PREFORK_MAX 256

/* The worker count named by text (AYB_API_PROCESSES): 1 to FCGI_PREFORK_MAX,
 * or -1 when text is not such a number.  NULL or "" means 1. */
int fcgi_prefork_parse(const char *text);

/* Forks n workers that each return work()'s value as their exit status,
 * restarts a worker that ends while nothing asked it to, and on SIGTERM or
 * SIGINT sends SIGTERM to every worker and waits for all of them.  Returns
 * the status for the supervising process: 0 after a requested stop, 1 when
 * workers could not be started.  Each worker starts with SIGTERM and SIGINT
 * blocked (work() installs its own handling) and SIGCHLD at its default. */
int fcgi_prefork_run(int n, int (*work)(void));

#endif
