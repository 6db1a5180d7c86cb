/* `ayb server`: runs lighttpd in the foreground with ayb-api.fcgi behind it,
 * for local use.  lighttpd's configuration is written into a private temp
 * directory; SIGINT/SIGTERM stop lighttpd, which stops its FastCGI children. */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "commands.h"
#include "fs.h"
#include "config.h"
#include "s3.h"
#include "sandbox.h"
#include "store.h"
#include "token.h"

extern char **environ;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static const char usage[] =
	"Usage: ayb server [--config <FILE>]\n"
	"\n"
	"Runs lighttpd with ayb-api.fcgi on the configuration's host and port.\n"
	"AYB_SERVER_PROCS sets the number of FastCGI processes (default: one per\n"
	"CPU, at least 2), AYB_API_THREADS the request threads of each (default 8).\n"
	"\n"
	"Options:\n"
	"  --config <FILE>  ayb.conf to use [env: AYB_CONFIG] [default: ./ayb.conf]\n"
	"  -h, --help       Print help\n";

/* ayb-api.fcgi beside us in the build tree (cli/../cgi/), else installed. */
static int find_fcgi(char *out, size_t n)
{
	const char *env = getenv("AYB_API_FCGI");

	if (env && *env && access(env, X_OK) == 0) {
		snprintf(out, n, "%s", env);
		return 0;
	}
	if (ayb_fs_sibling_program("../cgi/ayb-api.fcgi", out, n) == 0) {
		char *real = realpath(out, NULL);
		if (real) {
			snprintf(out, n, "%s", real);
			free(real);
		}
		return 0;
	}
	snprintf(out, n, "%s/ayb-api.fcgi", AYB_PKGLIBEXECDIR);
	return access(out, X_OK) == 0 ? 0 : -1;
}

/* ayb-snapshot: $AYB_SNAPSHOT, else beside us in the build tree
 * (cli/../cron/), else beside us installed (both go to bindir). */
static int find_snapshot(char *out, size_t n)
{
	const char *env = getenv("AYB_SNAPSHOT");

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return access(out, X_OK);
	}
	if (ayb_fs_sibling_program("../cron/ayb-snapshot", out, n) == 0)
		return 0;
	return ayb_fs_sibling_program("ayb-snapshot", out, n);
}

/* Starts `ayb-snapshot --loop` for [snapshots.automation]: ayb runs its
 * scheduler inside the server, ayb-c beside it; or `ayb-snapshot
 * --continuous`, continuous backup's shipper (mode).  It dies with us even
 * if we are killed outright.  Returns its pid, or -1. */
static pid_t start_snapshot_loop(const char *snapshot, const char *config_path,
				 const char *mode)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(snapshot, snapshot, "--config", config_path, mode, (char *)NULL);
		fprintf(stderr, "Error: cannot run %s: %s\n", snapshot, strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "Error: fork: %s\n", strerror(errno));
	return pid;
}

/* A lighttpd string literal: quotes and backslashes escaped. */
static void lit(struct ayb_buf *b, const char *s)
{
	ayb_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			ayb_buf_addc(b, '\\');
		ayb_buf_addc(b, *s);
	}
	ayb_buf_addc(b, '"');
}

/* How many FastCGI processes lighttpd keeps: AYB_SERVER_PROCS (1-256), else
 * one per CPU and at least two.  -1 when the variable is not a number in
 * range. */
static long fastcgi_procs(void)
{
	const char *env = getenv("AYB_SERVER_PROCS");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), n;
	char *end;

	if (!env || !*env)
		return cpus > 2 ? cpus : 2;
	n = strtol(env, &end, 10);
	return *end || n < 1 || n > 256 ? -1 : n;
}

static char *lighttpd_conf(const struct ayb_config *cfg, const char *dir, const char *fcgi,
			   const char *config_path, long procs)
{
	struct ayb_buf b = { 0 };

	ayb_buf_adds(&b, "server.modules = ( \"mod_fastcgi\" )\nserver.bind = ");
	lit(&b, cfg->host);
	ayb_buf_printf(&b, "\nserver.port = %d\nserver.document-root = ", cfg->port);
	lit(&b, dir);
	ayb_buf_adds(&b, "\nserver.upload-dirs = ( ");
	lit(&b, dir);
	/* Stream responses so large query results are not held whole. */
	ayb_buf_adds(&b, " )\nserver.stream-response-body = 1\n"
			 "server.max-request-size = 4096\n"
			 "server.tag = \"ayb\"\n"
			 "fastcgi.server = ( \"/\" => ((\n  \"socket\" => ");
	ayb_buf_printf(&b, "\"%s/ayb-api.sock\",\n  \"bin-path\" => ", dir);
	lit(&b, fcgi);
	ayb_buf_printf(&b, ",\n  \"max-procs\" => %ld,\n  \"check-local\" => \"disable\",\n",
		       procs);
	ayb_buf_adds(&b, "  \"bin-environment\" => ( \"AYB_CONFIG\" => ");
	lit(&b, config_path);
	/* AYB_API_THREADS: request threads per process (README "Deployment"). */
	ayb_buf_adds(&b, " ),\n  \"bin-copy-environment\" => ( \"PATH\", \"TMPDIR\", "
			 "\"AYB_API_THREADS\"");
	/* AYB__ overrides reach the FastCGI processes as they reached us. */
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "AYB__", 5) != 0)
			continue;
		ayb_buf_adds(&b, ", \"");
		ayb_buf_add(&b, *e, strcspn(*e, "="));
		ayb_buf_adds(&b, "\"");
	}
	ayb_buf_adds(&b, " )\n)) )\n");
	/* An import's body is a whole database (README "The HTTP API":
	 * import), streamed on as it arrives rather than first spooled whole
	 * to disk.  ayb-api.fcgi refuses one past isolation.max_file_size_mb
	 * with its JSON error; lighttpd's limit sits well above that (twice,
	 * and room for a form's headers).  Every other route keeps the small
	 * limit. */
	ayb_buf_printf(&b, "$HTTP[\"url\"] =~ \"^/(v1/)?[^/]+/[^/]+/import([?]|$)\" {\n"
			   "  server.max-request-size = %lld\n"
			   "  server.stream-request-body = 1\n}\n",
		       (long long)cfg->isolation.max_file_size_mb * 2048 + 1024);
	return ayb_buf_take(&b);
}

/* The start-up status of README "Isolation": one line on stdout when
 * the kernel enforces everything, a loud banner on stderr when it cannot
 * (or isolation is off), and an error when the worker program that
 * ayb-api.fcgi will look for beside itself is missing. */
static void print_isolation(const struct ayb_config *cfg, const char *fcgi)
{
	struct ayb_sandbox_support sup;
	struct ayb_buf b = { 0 };
	char worker[PATH_MAX];
	const char *slash = strrchr(fcgi, '/');

	ayb_sandbox_probe(&sup);
	if (ayb_sandbox_report(&cfg->isolation, &sup, &b))
		fputs(b.data ? b.data : "", stderr);
	else
		fputs(b.data ? b.data : "", stdout);
	ayb_buf_free(&b);
	snprintf(worker, sizeof(worker), "%.*s/ayb-query-worker",
		 slash ? (int)(slash - fcgi) : 1, slash ? fcgi : ".");
	if (cfg->isolation.enabled && access(worker, X_OK) != 0 && !getenv("AYB_QUERY_WORKER"))
		fprintf(stderr, "Error: %s is missing: "
			"every query will fail with \"Query worker unavailable\"\n", worker);
}

int cli_server(int argc, char **argv)
{
	const char *config_arg = NULL;
	struct ayb_err err = { 0 };
	struct ayb_config *cfg = NULL;
	struct ayb_store *st = NULL;
	char config_path[PATH_MAX], fcgi[PATH_MAX], conf[PATH_MAX];
	char dir[] = "/tmp/ayb-server.XXXXXX";
	char snapshot[PATH_MAX];
	struct ayb_s3 *s3 = NULL;
	pid_t snap_pid = -1, ship_pid = -1;
	char *text = NULL;
	const char *lighttpd = getenv("AYB_LIGHTTPD") ? getenv("AYB_LIGHTTPD") : LIGHTTPD_PATH;
	int status = 1, wstatus = 0; /* 0 if waitpid fails before lighttpd ends */
	long procs;
	pid_t pid;
	FILE *f;
	struct sigaction sa;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_arg = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			config_arg = argv[i] + 9;
		} else {
			fprintf(stderr, "error: unexpected argument '%s'\n\n%s", argv[i], usage);
			return 2;
		}
	}
	if ((procs = fastcgi_procs()) < 0) {
		fprintf(stderr,
			"Error: AYB_SERVER_PROCS must be a number of FastCGI processes from 1 to 256\n");
		return 2;
	}
	if (ayb_token_init() < 0)
		return 1;
	const char *located = ayb_config_locate(config_arg);
	if (!realpath(located, config_path))
		snprintf(config_path, sizeof(config_path), "%s", located);
	if (!(cfg = ayb_config_load(config_path, NULL, &err))) {
		status = ayb_err_report(stderr, &err);
		goto out;
	}
	if (!cfg->file && !config_arg && !getenv("AYB_CONFIG"))
		fprintf(stderr, "Note: %s not found; using AYB__ environment variables only.\n",
			config_path);
	/* Owner-only: the tenants' databases and the metadata live here. */
	if (ayb_fs_mkdirs(cfg->data_path, 0700) < 0) {
		fprintf(stderr, "Error: cannot create data_path %s: %s\n", cfg->data_path,
			strerror(errno));
		goto out;
	}
	/* Failures show up below, where the files are opened. */
	if (cfg->email_file_path)
		ayb_fs_mkdirs_for(cfg->email_file_path, 0700);
	if (!strncmp(cfg->database_url, "sqlite://", 9))
		ayb_fs_mkdirs_for(cfg->database_url + 9, 0700);
	/* Migrate once here, before several FastCGI processes start at once. */
	if (ayb_store_open(cfg->database_url, &st, &err) < 0) {
		status = ayb_err_report(stderr, &err);
		goto out;
	}
	ayb_store_close(st);
	/* Snapshot settings are checked now, not at the first scheduled run. */
	if (cfg->snapshots && (cfg->snapshots->has_automation || cfg->snapshots->continuous)) {
		if (ayb_s3_open(cfg->snapshots, &s3, &err) < 0) {
			status = ayb_err_report(stderr, &err);
			goto out;
		}
		ayb_s3_close(s3);
		if (find_snapshot(snapshot, sizeof(snapshot)) < 0) {
			fprintf(stderr,
				"Error: snapshots.automation or snapshots.continuous is set but ayb-snapshot was not found beside ayb\n");
			goto out;
		}
	}
	if (find_fcgi(fcgi, sizeof(fcgi)) < 0) {
		fprintf(stderr, "Error: ayb-api.fcgi not found beside ayb or in %s\n",
			AYB_PKGLIBEXECDIR);
		goto out;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "Error: cannot create a temporary directory: %s\n",
			strerror(errno));
		goto out;
	}
	snprintf(conf, sizeof(conf), "%s/lighttpd.conf", dir);
	if (!(text = lighttpd_conf(cfg, dir, fcgi, config_path, procs)) ||
	    !(f = fopen(conf, "w")) || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "Error: cannot write %s\n", conf);
		goto cleanup;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("Starting server %s:%d...\n", cfg->host, cfg->port);
	printf("Serving the ayb API at http://%s:%d (Ctrl-C stops it)\n", cfg->host, cfg->port);
	print_isolation(cfg, fcgi);
	fflush(stdout);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "Error: fork: %s\n", strerror(errno));
		goto cleanup;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execl(lighttpd, lighttpd, "-D", "-f", conf, (char *)NULL);
		fprintf(stderr, "Error: cannot run %s: %s (install the Debian package lighttpd)\n",
			lighttpd, strerror(errno));
		_exit(127);
	}
	if (cfg->snapshots && cfg->snapshots->has_automation)
		snap_pid = start_snapshot_loop(snapshot, config_path, "--loop");
	if (cfg->snapshots && cfg->snapshots->continuous)
		ship_pid = start_snapshot_loop(snapshot, config_path, "--continuous");
	for (;;) {
		int ws;
		pid_t w = waitpid(-1, &ws, 0);
		if (w == pid) {
			wstatus = ws;
			break;
		}
		if (w > 0 && w == snap_pid) {
			/* The API keeps serving; the log says snapshots stopped
			 * (a clean exit is a stop signal it got too: Ctrl-C). */
			if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
				fprintf(stderr, "Error: ayb-snapshot --loop stopped (%s %d); "
					"no more snapshots are taken\n",
					WIFEXITED(ws) ? "exit status" : "signal",
					WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
			snap_pid = -1;
		} else if (w > 0 && w == ship_pid) {
			/* Writes go on being captured into the spool: a shipper
			 * that was killed is started again, and resumes. */
			fprintf(stderr, "Error: ayb-snapshot --continuous stopped (%s %d)%s\n",
				WIFEXITED(ws) ? "exit status" : "signal",
				WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws),
				WIFSIGNALED(ws) ? "; starting it again" : "");
			ship_pid = WIFSIGNALED(ws)
				   ? start_snapshot_loop(snapshot, config_path, "--continuous")
				   : -1;
		} else if (w < 0 && errno == EINTR && stop_signal) {
			/* INT is lighttpd's graceful stop; it then ends its backends. */
			kill(pid, SIGINT);
			stop_signal = 0;
		} else if (w < 0 && errno != EINTR) {
			break;
		}
	}
	if (snap_pid > 0) {
		kill(snap_pid, SIGTERM);
		waitpid(snap_pid, NULL, 0);
	}
	if (ship_pid > 0) {
		kill(ship_pid, SIGTERM);
		waitpid(ship_pid, NULL, 0);
	}
	status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 0;
	if (status)
		fprintf(stderr, "Error: lighttpd exited with status %d\n", status);
cleanup:
	ayb_fs_remove_tree(dir);
out:
	free(text);
	ayb_config_free(cfg);
	ayb_err_clear(&err);
	return status;
}
