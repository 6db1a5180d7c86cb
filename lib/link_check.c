#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "clock.h"
#include "fs.h"
#include "layout.h"
#include "link_check.h"
#include "netaddr.h"
#include "profile.h"
#include "store.h"

extern char **environ;

/* A job is a few paths and URLs; the pipe holds 64 KiB without a reader. */
#define JOB_MAX (16 * 1024)

/* What the checker is told: the site's values, not its configuration file,
 * which a FastCGI parameter may have chosen per site. */
struct job {
	const char *database_url, *data_path, *public_url, *entity, *ca_file;
	int allow_private;
};

/* ---- starting a checker (in ayb-api.fcgi) --------------------------------- */

static char *job_encode(const struct ayb_config *cfg, const char *entity)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;

	if (o && cJSON_AddStringToObject(o, "database_url", cfg->database_url) &&
	    cJSON_AddStringToObject(o, "data_path", cfg->data_path) &&
	    cJSON_AddStringToObject(o, "public_url", cfg->public_url) &&
	    cJSON_AddStringToObject(o, "entity", entity) &&
	    (cfg->links.ca_file ? cJSON_AddStringToObject(o, "ca_file", cfg->links.ca_file) :
				  cJSON_AddNullToObject(o, "ca_file")) &&
	    cJSON_AddBoolToObject(o, "allow_private", cfg->links.allow_private_targets))
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Standard error goes on to the checker only when it is a file or a
 * terminal (or /dev/null): a pipe or socket held open by a process that
 * outlives the request would keep a web server reading it (plain CGI). */
static int stderr_is_file(void)
{
	struct stat st;

	return fstat(2, &st) == 0 && (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode));
}

/* The pipe is filled and its write end closed before the fork: the
 * checker then reads to EOF, and no write can block or raise SIGPIPE. */
static int job_pipe(const char *job, int *read_end, struct ayb_err *err)
{
	int p[2];
	size_t n = strlen(job);

	if (n > JOB_MAX)
		return ayb_err_set(err, AYB_E_UNAVAILABLE, "Link checker: its job is too large");
	if (pipe2(p, O_CLOEXEC) < 0)
		return ayb_err_set(err, AYB_E_UNAVAILABLE, "Link checker: pipe: %s",
				   strerror(errno));
	if (ayb_fs_write_all(p[1], job, n) < 0) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Link checker: pipe: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	*read_end = p[0];
	return 0;
}

/* The checker's environment: ayb-api.fcgi's (libpq reads PG* variables,
 * OpenSSL and the sanitizers theirs) without what it has no use for and
 * should not hold: a plain CGI request's headers (HTTP_AUTHORIZATION,
 * HTTP_COOKIE: the caller's token) and the AYB__ overrides (secrets of the
 * configuration, whose values the job already carries).  NULL on OOM; the
 * strings stay environ's. */
static char **checker_env(void)
{
	size_t n = 0, kept = 0;
	char **env;

	while (environ && environ[n])
		n++;
	if (!(env = calloc(n + 1, sizeof(*env))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "HTTP_", 5) != 0 && strncmp(environ[i], "AYB__", 5) != 0)
			env[kept++] = environ[i];
	return env;
}

/* The child of ayb-api.fcgi that starts the checker: between fork and exec
 * only async-signal-safe calls, since ayb-api.fcgi may run threads.  Its
 * own child execs the checker; it exits at once, so the checker is
 * orphaned (init reaps it) and ayb-api.fcgi waits only for two forks. */
static void start_child(const char *prog, char *const argv[], char *const env[], int job_fd,
			int null_fd, int keep_stderr)
{
	sigset_t none;
	pid_t pid;

	/* Its own session, so a signal to the web server's process group does
	 * not end a check half way. */
	setsid();
	pid = fork();
	if (pid == 0) {
		/* No signal blocked, as they are while ayb-api.fcgi serves a
		 * request; and none of its descriptors but the job's pipe: not
		 * the FastCGI connection, the listening socket, the store's or
		 * the query workers'. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(job_fd, 0) < 0 || dup2(null_fd, 1) < 0 ||
		    (!keep_stderr && dup2(null_fd, 2) < 0))
			_exit(127);
		syscall(SYS_close_range, 3U, ~0U, 0U);
		execve(prog, argv, env);
		_exit(127);
	}
	_exit(pid < 0);
}

int ayb_link_check_start(const struct ayb_config *cfg, const char *entity, struct ayb_err *err)
{
	char prog[PATH_MAX], *job = job_encode(cfg, entity), **env = checker_env();
	char *argv[] = { (char *)"ayb-link-check", (char *)entity, NULL };
	int job_fd = -1, null_fd = -1, keep_stderr = stderr_is_file(), status, ret = -1;
	pid_t pid;

	if (!job || !env) {
		ayb_err_oom(err);
		goto out;
	}
	ayb_fs_libexec_program("ayb-link-check", prog, sizeof(prog));
	if (access(prog, X_OK) < 0) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Link checker: cannot run %s: %s", prog,
			    strerror(errno));
		goto out;
	}
	if (job_pipe(job, &job_fd, err) < 0)
		goto out;
	if ((null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Link checker: /dev/null: %s", strerror(errno));
		goto out;
	}
	if ((pid = fork()) == 0)
		start_child(prog, argv, env, job_fd, null_fd, keep_stderr);
	if (pid < 0) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Link checker: fork: %s", strerror(errno));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			ayb_err_set(err, AYB_E_UNAVAILABLE, "Link checker: waitpid: %s",
				    strerror(errno));
			goto out;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		ayb_err_set(err, AYB_E_UNAVAILABLE, "Link checker: fork failed");
		goto out;
	}
	ret = 0;
out:
	if (job_fd >= 0)
		close(job_fd);
	if (null_fd >= 0)
		close(null_fd);
	free(job);
	free(env);
	return ret;
}

/* ---- checking one link (in ayb-link-check) -------------------------------- */

/* Every address curl is about to connect to, the resolved name's and each
 * redirect's, passes here: a refused one gets no socket, so no packet is
 * sent to it, and curl tries the name's next address. */
static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
	const struct job *j = ctx;

	if (purpose != CURLSOCKTYPE_IPCXN ||
	    (!j->allow_private && !ayb_netaddr_public(&a->addr, a->addrlen)))
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	struct ayb_buf *b = ctx;

	if (b->len + size * n > AYB_LINK_CHECK_PAGE_MAX || ayb_buf_add(b, p, size * n) < 0)
		return 0;
	return size * n;
}

static long min_ms(long a, int64_t b)
{
	return b < a ? (long)b : a;
}

/* Fetches an https page within what is left until deadline (monotonic
 * ms) and looks for the rel="me" link back to the profile at want. */
static int verify(const struct job *j, const char *url, const char *want, int64_t deadline)
{
	int64_t left = deadline - ayb_clock_ms();
	CURL *c;
	struct ayb_buf page = { 0 };
	long code = 0;
	int ok = 0;

	if (left <= 0 || !(c = curl_easy_init()))
		return 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	/* Straight to the address the filter saw, never through a proxy
	 * named in the environment. */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, (void *)j);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, min_ms(AYB_LINK_CHECK_CONNECT_MS, left));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, min_ms(AYB_LINK_CHECK_LINK_MS, left));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)AYB_LINK_CHECK_PAGE_MAX);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &page);
	if (j->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, j->ca_file);
	if (curl_easy_perform(c) == CURLE_OK &&
	    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code >= 200 &&
	    code < 300 && page.data)
		ok = ayb_profile_html_links_to(page.data, page.len, want);
	curl_easy_cleanup(c);
	ayb_buf_free(&page);
	return ok;
}

/* The links in one canonical form, [{"url":..,"verified":..}] (a JSONB
 * column gives them back spaced, its keys in its own order): with j, each
 * flag checked afresh (an https link that links back within the pass's
 * budget is verified, the rest not), else as stored.  Text that is not an
 * array comes back as it is.  NULL when out of memory. */
static char *links_text(const char *links, const struct job *j)
{
	cJSON *arr = cJSON_Parse(links), *res = NULL;
	const cJSON *item;
	int64_t deadline = ayb_clock_ms() + AYB_LINK_CHECK_PASS_MS;
	char *want = NULL, *out = NULL;

	if (!cJSON_IsArray(arr)) {
		out = strdup(links);
		goto out;
	}
	if (!(res = cJSON_CreateArray()) ||
	    (j && !(want = ayb_fmt("%s/%s", j->public_url, j->entity))))
		goto out;
	cJSON_ArrayForEach(item, arr) {
		const cJSON *url = cJSON_GetObjectItemCaseSensitive(item, "url");
		const char *u = cJSON_IsString(url) ? url->valuestring : NULL;
		int verified = j ? u && strncasecmp(u, "https://", 8) == 0 &&
					   verify(j, u, want, deadline)
				 : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "verified"));
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(res, o) ||
		    !(u ? cJSON_AddStringToObject(o, "url", u) : cJSON_AddNullToObject(o, "url")) ||
		    !cJSON_AddBoolToObject(o, "verified", verified))
			goto out;
	}
	out = cJSON_PrintUnformatted(res);
out:
	free(want);
	cJSON_Delete(arr);
	cJSON_Delete(res);
	return out;
}

/* ---- the checker's passes --------------------------------------------------- */

/* Loads the entity: 1 with *e filled when its links differ from what was
 * `checked` last (NULL: nothing yet), 0 when they are the same or it has
 * none, -1 with err. */
static int changed(struct ayb_store *st, const struct job *j, const char *checked,
		   struct ayb_entity *e, struct ayb_err *err)
{
	int rc = ayb_store_entity_get(st, j->entity, e, err);
	char *now;

	if (rc <= 0 || !e->links)
		return rc < 0 ? -1 : 0;
	if (!checked)
		return 1;
	if (!(now = links_text(e->links, NULL)))
		return ayb_err_oom(err);
	rc = strcmp(now, checked) != 0;
	free(now);
	return rc;
}

/* Checks the stored links and writes the result back if they have not
 * changed meanwhile; again while they keep changing (a later update whose
 * own checker found this one holding the lock).  *checked is what was
 * written last.  0, or -1 with err. */
static int passes(struct ayb_store *st, const struct job *j, char **checked, struct ayb_err *err)
{
	for (;;) {
		struct ayb_entity e = { 0 };
		int rc = changed(st, j, *checked, &e, err);

		if (rc > 0) {
			free(*checked);
			*checked = links_text(e.links, j);
			if (!*checked)
				rc = ayb_err_oom(err);
			else if (ayb_store_entity_set_links(st, e.id, e.links, *checked, err) < 0)
				rc = -1;
		}
		ayb_entity_free(&e);
		if (rc <= 0)
			return rc;
	}
}

/* Holds the entity's lock for its passes.  After letting go it looks once
 * more: links stored while it held the lock, whose own checker then found
 * the lock taken and left, are checked here.  When the lock is taken, its
 * holder will do the same for ours. */
static int run(const struct job *j, struct ayb_err *err)
{
	struct ayb_store *st = NULL;
	char *lock = ayb_layout_link_check_lock(j->data_path, j->entity, err), *checked = NULL;
	int fd = -1, ret = -1;

	if (!lock)
		return -1;
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "Cannot open %s: %s", lock, strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		struct ayb_entity e = { 0 };
		/* The store only once the lock is ours: a checker that finds
		 * it taken leaves without a connection. */
		int rc = st || ayb_store_open(j->database_url, &st, err) == 0 ?
				 passes(st, j, &checked, err) : -1;

		flock(fd, LOCK_UN);
		if (rc == 0)
			rc = changed(st, j, checked, &e, err);
		ayb_entity_free(&e);
		if (rc < 0)
			goto out;
		if (rc == 0)
			break;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	ayb_store_close(st);
	free(checked);
	free(lock);
	return ret;
}

/* ---- ayb-link-check ----------------------------------------------------------- */

static char *read_job(void)
{
	struct ayb_buf b = { 0 };
	char chunk[4096];
	ssize_t n;

	while ((n = read(0, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > JOB_MAX || ayb_buf_add(&b, chunk, (size_t)n) < 0) {
			ayb_buf_free(&b);
			return NULL;
		}
	}
	return ayb_buf_take(&b);
}

static const char *job_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int ayb_link_check_main(void)
{
	struct ayb_err err = { 0 };
	struct job j;
	char *text;
	cJSON *o;
	int ret = 1;

	text = read_job();
	o = text ? cJSON_Parse(text) : NULL;
	free(text);
	memset(&j, 0, sizeof(j));
	j.database_url = job_str(o, "database_url");
	j.data_path = job_str(o, "data_path");
	j.public_url = job_str(o, "public_url");
	j.entity = job_str(o, "entity");
	j.ca_file = job_str(o, "ca_file");
	j.allow_private = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "allow_private"));
	if (!j.database_url || !j.data_path || !j.public_url || !j.entity) {
		fprintf(stderr, "ayb-link-check: no valid job on standard input\n");
	} else if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "ayb-link-check: %s: curl_global_init failed\n", j.entity);
	} else {
		if (run(&j, &err) < 0)
			fprintf(stderr, "ayb-link-check: the links of %s stay unchecked: %s\n",
				j.entity, err.message ? err.message : "failed");
		else
			ret = 0;
		curl_global_cleanup();
	}
	ayb_err_clear(&err);
	cJSON_Delete(o);
	return ret;
}
