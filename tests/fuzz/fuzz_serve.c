/* libFuzzer harness for the whole request path of ayb-api.fcgi: FastCGI
 * params and a body in, cgi/serve.c's fcgi_serve, the response out.  Behind
 * it is a real site, made once at start-up in a temporary directory: an
 * ayb.conf with SQLite metadata, the file email backend and snapshots
 * pointing at a port that refuses connections; users alice and bob with
 * API tokens, alice's databases data.sqlite (private, shared read-only with
 * bob) and pub.sqlite (public read-only) with rows in them, a token scoped
 * to data.sqlite, a pending registration (carol) and a log-in link for
 * alice.  Queries go to the real ayb-query-worker of the build tree
 * (../../cgi/ from this program, else $AYB_QUERY_WORKER;
 * AYB__ISOLATION__ENABLED=false runs them in this process instead, where
 * libFuzzer sees hosted.c).  The directory is in $TMPDIR, else /dev/shm,
 * else /tmp.  The data directory is put back as it was
 * before every input, so each input meets the same site and the state the
 * fuzzer makes (databases, tokens, profiles) cannot grow.
 *
 * Input:
 *   byte 0    the method: "GPADUHO" name GET POST PATCH DELETE PUT HEAD
 *             OPTIONS; any other byte picks one by its value
 *   byte 1    bits 0-1 Authorization: none, Bearer alice, bob, scoped
 *             bits 2-3 Cookie: none, alice's session, an anonymous
 *                      visitor's CSRF cookie, bob's session
 *             bits 4-5 Content-Type: none, application/json,
 *                      application/x-www-form-urlencoded, text/plain
 *             bit 7    HTTPS=on
 *   then text: the REQUEST_URI up to '\n', header lines "Name: value"
 *   (HTTP_NAME params; Content-Type and Content-Length as CONTENT_*; each
 *   wins over the one byte 1 picks) up to an empty line, then the body
 *   (CONTENT_LENGTH is its length unless a header says otherwise).
 *   In the text $TOKEN, $BOB, $SCOPED stand for the API tokens, $SHORT for
 *   alice's short token, $CONFIRM and $LOGIN for carol's and alice's
 *   emailed tokens, $CSRF for the CSRF token of the cookie byte 1 picks.
 *   Printable seeds: 'G' '@' is a bare GET, 'P' 'Q' a JSON POST as alice,
 *   'P' 'd' a form POST with alice's session (tests/fuzz/corpus/serve/).
 *
 * AYB_FUZZ_TRACE=1 prints the start of each response to stderr, to see how
 * far a seed gets, and how many inputs found the data directory changed.
 *
 * Besides the sanitizers, an input fails (abort) when the response is not
 * "Status: NNN" and header lines "Name: value" without control characters
 * (no header injection), when it is a 500 (ayb-c keeps 500 for server
 * faults, and nothing in here is one), or when a JSON body that was not cut
 * short is not valid JSON in valid UTF-8.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "fs.h"
#include "hosted.h"
#include "perm.h"
#include "serve.h"
#include "store.h"
#include "token.h"
#include "utf8.h"
#include "worker.h"

#define MAX_PARAMS 48
#define ANON_COOKIE "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"
/* Any valid key does; a fixed one keeps runs alike. */
#define FERNET_KEY "YXliLWMgZnV6el9zZXJ2ZTogYSBmaXhlZCBrZXkhISE="

static const char *const methods[] = { "GET", "POST", "PATCH", "DELETE", "PUT", "HEAD",
				       "OPTIONS" };
#define METHOD_LETTERS "GPADUHO"

static struct fixture {
	int ready, trace;
	char dir[PATH_MAX], conf[PATH_MAX + 16], live[PATH_MAX + 16], pristine[PATH_MAX + 16];
	int dead_fd;   /* bound, never listening: connections to its port are refused */
	struct fcgi_sites sites;
	/* What the placeholders stand for; NULL leaves one as written. */
	char *token, *bob, *scoped, *short_token, *confirm, *login;
	char csrf[4][64]; /* by the cookie byte 1 picks ([0]: none, so none fits) */
	struct ayb_buf clean; /* fingerprint() of the data directory as made */
	unsigned long runs, resets;
} fx;

static const struct {
	const char *name;
	char **value; /* NULL for $CSRF, which depends on the cookie */
} placeholders[] = {
	{ "$TOKEN", &fx.token }, { "$BOB", &fx.bob }, { "$SCOPED", &fx.scoped },
	{ "$SHORT", &fx.short_token }, { "$CONFIRM", &fx.confirm }, { "$LOGIN", &fx.login },
	{ "$CSRF", NULL },
};

static void cleanup(void);

/* Stops the run: libFuzzer ends at once after an abort, without atexit,
 * so the temporary directory goes first. */
static void stop(void)
{
	cleanup();
	abort();
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_serve: %s: %s\n", what, strerror(errno));
	stop();
}

/* ---- the input ------------------------------------------------------------ */

/* Appends text (n bytes) to b with every placeholder replaced; 0, or -1
 * when out of memory. */
static int expand(const char *text, size_t n, int cookie, struct ayb_buf *b)
{
	for (size_t i = 0; i < n; i++) {
		const char *value = NULL;
		size_t k, len = 0, nk = sizeof(placeholders) / sizeof(*placeholders);

		for (k = 0; text[i] == '$' && k < nk; k++) {
			len = strlen(placeholders[k].name);
			if (n - i >= len && memcmp(text + i, placeholders[k].name, len) == 0) {
				value = placeholders[k].value ? *placeholders[k].value :
								fx.csrf[cookie];
				break;
			}
		}
		if (value && *value) {
			ayb_buf_adds(b, value);
			i += len - 1;
		} else {
			ayb_buf_addc(b, text[i]);
		}
	}
	return b->oom ? -1 : 0;
}

/* The next line of [*p, end), NUL-terminated in place (the '\n' becomes
 * the NUL); *p moves past it.  NULL at the end. */
static char *next_line(char **p, char *end, int *had_newline)
{
	char *line = *p, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	*had_newline = nl != NULL;
	if (!nl)
		nl = end;
	*nl = '\0';
	*p = nl + (nl < end);
	return line;
}

/* "HTTP_<NAME>=value" for a header line, as a web server passes it. */
static char *header_param(const char *line)
{
	const char *colon = strchr(line, ':'), *value = colon ? colon + 1 : "";
	size_t n = colon ? (size_t)(colon - line) : strlen(line);
	struct ayb_buf b = { 0 };

	while (*value == ' ' || *value == '\t')
		value++;
	if (n == 12 && strncasecmp(line, "content-type", 12) == 0) {
		ayb_buf_adds(&b, "CONTENT_TYPE");
	} else if (n == 14 && strncasecmp(line, "content-length", 14) == 0) {
		ayb_buf_adds(&b, "CONTENT_LENGTH");
	} else {
		ayb_buf_adds(&b, "HTTP_");
		for (size_t i = 0; i < n; i++)
			ayb_buf_addc(&b, line[i] == '-' ? '_' :
						       (char)toupper((unsigned char)line[i]));
	}
	ayb_buf_printf(&b, "=%s", value);
	return ayb_buf_take(&b);
}

struct body {
	const char *p;
	size_t left;
};

/* Hands out the body in short pieces, as a FastCGI stream may. */
static int read_body(void *ctx, char *p, size_t n)
{
	struct body *r = ctx;
	size_t k = n < r->left ? n : r->left;

	if (k > 4096)
		k = 4096;
	if (!k)
		return -1;
	memcpy(p, r->p, k);
	r->p += k;
	r->left -= k;
	return (int)k;
}

/* Serves one input (the format above) through fcgi_serve; the response and
 * the error log lines go to out and log. */
static void serve(const uint8_t *data, size_t size, struct ayb_buf *out, struct ayb_buf *log)
{
	static const char *const ctypes[] = { NULL, "application/json",
					      "application/x-www-form-urlencoded", "text/plain" };
	const char *who[] = { NULL, fx.token, fx.bob, fx.scoped };
	const char *letter;
	char *params[MAX_PARAMS + 1] = { NULL };
	struct ayb_buf text = { 0 };
	struct body body = { NULL, 0 };
	size_t method, np = 0;
	int flags, cookie, has_length = 0, nl = 0;
	char *p, *end, *uri, *line, *q;

	if (size < 2)
		return;
	flags = data[1];
	cookie = (flags >> 2) & 3;
	if (expand((const char *)data + 2, size - 2, cookie, &text) < 0 ||
	    ayb_buf_addc(&text, '\n') < 0)
		goto out;
	letter = data[0] ? strchr(METHOD_LETTERS, data[0]) : NULL;
	method = letter ? (size_t)(letter - METHOD_LETTERS) :
			  data[0] % (sizeof(methods) / sizeof(*methods));
	/* The '\n' added above ends the last line, and is no part of a body. */
	p = text.data;
	end = text.data + text.len - 1;
	uri = next_line(&p, end, &nl);
	params[np++] = ayb_fmt("REQUEST_METHOD=%s", methods[method]);
	params[np++] = ayb_fmt("REQUEST_URI=%s", uri ? uri : "");
	q = uri ? strchr(uri, '?') : NULL;
	params[np++] = ayb_fmt("QUERY_STRING=%s", q ? q + 1 : "");
	/* Header lines, up to the empty line that starts the body. */
	while ((line = next_line(&p, end, &nl))) {
		if (!*line && nl) {
			body.p = p;
			body.left = (size_t)(end - p);
			break;
		}
		if (*line && np < MAX_PARAMS - 8) {
			params[np] = header_param(line);
			has_length |= params[np] && strncmp(params[np], "CONTENT_LENGTH=", 15) == 0;
			np++;
		}
	}
	/* What byte 1 picks comes after the header lines, which win. */
	if (flags & 3)
		params[np++] = ayb_fmt("HTTP_AUTHORIZATION=Bearer %s",
				       who[flags & 3] ? who[flags & 3] : "");
	if (cookie == 1 || cookie == 3)
		params[np++] = ayb_fmt("HTTP_COOKIE=auth=%s:%s", cookie == 1 ? "alice" : "bob",
				       who[cookie / 2 + 1] ? who[cookie / 2 + 1] : "");
	else if (cookie == 2)
		params[np++] = ayb_fmt("HTTP_COOKIE=ayb_csrf=%s", ANON_COOKIE);
	if (ctypes[(flags >> 4) & 3])
		params[np++] = ayb_fmt("CONTENT_TYPE=%s", ctypes[(flags >> 4) & 3]);
	if (flags & 0x80)
		params[np++] = ayb_fmt("HTTPS=on");
	if (body.p && !has_length)
		params[np++] = ayb_fmt("CONTENT_LENGTH=%zu", body.left);
	params[np++] = ayb_fmt("HTTP_HOST=127.0.0.1:5433");
	for (size_t i = 0; i < np; i++)
		if (!params[i])
			goto out;
	fcgi_serve(&fx.sites, params, read_body, &body, ayb_buf_sink(out), ayb_buf_sink(log));
out:
	for (size_t i = 0; i < np; i++)
		free(params[i]);
	ayb_buf_free(&text);
}

/* ---- what a response must be ---------------------------------------------- */

static void fail(const char *why, const struct ayb_buf *out, const struct ayb_buf *log)
{
	fprintf(stderr, "fuzz_serve: %s\n--- response (%zu bytes) ---\n%.*s\n--- log ---\n%s\n",
		why, out->len, (int)(out->len > 4096 ? 4096 : out->len),
		out->data ? out->data : "", log->data ? log->data : "");
	stop();
}

static void check(const struct ayb_buf *out, const struct ayb_buf *log)
{
	const char *p = out->data, *end, *json = NULL;
	int status;

	if (!p || strncmp(p, "Status: ", 8) != 0 || !(end = strstr(p, "\r\n\r\n")))
		fail("no status line or no end of the headers", out, log);
	status = atoi(p + 8);
	if (status < 200 || status > 599)
		fail("a status out of range", out, log);
	if (status == 500)
		fail("500: a server fault", out, log);
	for (p = strstr(p, "\r\n") + 2; p < end + 2; p = strstr(p, "\r\n") + 2) {
		const char *eol = strstr(p, "\r\n"), *colon = memchr(p, ':', (size_t)(eol - p));

		if (!colon || colon == p || colon[1] != ' ')
			fail("a header line that is not \"Name: value\"", out, log);
		for (const char *c = p; c < eol; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t')
				fail("a control character in a header", out, log);
		if (strncmp(p, "Content-Type: application/json", 30) == 0)
			json = end + 4;
	}
	/* A streamed result cut short is logged, and is no document. */
	if (json && !log->len) {
		size_t n = out->len - (size_t)(json - out->data), valid, bad;
		cJSON *doc = cJSON_ParseWithLength(json, n);

		if (!doc)
			fail("a JSON body that does not parse", out, log);
		cJSON_Delete(doc);
		if (!ayb_utf8_check((const unsigned char *)json, n, &valid, &bad))
			fail("a JSON body that is not UTF-8", out, log);
	}
}

/* ---- the site -------------------------------------------------------------- */

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0 || (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
		die(from);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (ayb_fs_write_all(out, buf, (size_t)n) < 0)
			die(to);
	if (n < 0)
		die(from);
	close(in);
	close(out);
}

/* cp -a of a data directory: directories, files and symlinks. */
static void copy_tree(const char *from, const char *to)
{
	DIR *d = opendir(from);
	struct dirent *e;

	if (!d || mkdir(to, 0700) < 0)
		die(from);
	while ((e = readdir(d))) {
		char src[PATH_MAX], dst[PATH_MAX], link[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(src, sizeof(src), "%s/%s", from, e->d_name);
		snprintf(dst, sizeof(dst), "%s/%s", to, e->d_name);
		if (lstat(src, &st) < 0)
			die(src);
		if (S_ISDIR(st.st_mode)) {
			copy_tree(src, dst);
		} else if (S_ISLNK(st.st_mode)) {
			if ((n = readlink(src, link, sizeof(link) - 1)) < 0)
				die(src);
			link[n] = '\0';
			if (symlink(link, dst) < 0)
				die(dst);
		} else if (S_ISREG(st.st_mode)) {
			copy_file(src, dst, st.st_mode & 07777);
		}
	}
	closedir(d);
}

/* Lets go of everything that holds the live directory open: the metadata
 * store (the site cache reopens it), the workers and the kept connections
 * of in-process queries. */
static void release_live(void)
{
	fcgi_sites_free(&fx.sites);
	ayb_worker_shutdown();
	ayb_hosted_close_kept();
}

/* What the data directory holds: each file's path, type, size and
 * modification time, each directory's path, in the order the directories
 * list them.  SQLite's shared-memory index and an empty WAL (what opening
 * a database leaves, and what changes its directory) change nothing. */
static void fingerprint(const char *dir, struct ayb_buf *b)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		die(dir);
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		size_t n = strlen(e->d_name);
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (n > 4 && strcmp(e->d_name + n - 4, "-shm") == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) < 0)
			die(path);
		if (st.st_size == 0 && n > 4 && strcmp(e->d_name + n - 4, "-wal") == 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			ayb_buf_printf(b, "%s/\n", path);
			fingerprint(path, b);
		} else {
			ayb_buf_printf(b, "%s %o %lld %lld.%ld\n", path, (unsigned)st.st_mode,
				       (long long)st.st_size, (long long)st.st_mtim.tv_sec,
				       st.st_mtim.tv_nsec);
		}
	}
	closedir(d);
}

/* Puts the data directory back as it was made at start-up, when an input
 * changed it: a run that wrote nothing keeps the open store and workers,
 * which most inputs (refused, read-only) leave so. */
static void reset(void)
{
	struct ayb_buf now = { 0 };

	fingerprint(fx.live, &now);
	if (now.oom)
		die("fingerprint");
	if (fx.clean.data && strcmp(now.data, fx.clean.data) == 0) {
		ayb_buf_free(&now);
		return;
	}
	ayb_buf_free(&now);
	release_live();
	if (ayb_fs_remove_tree(fx.live) < 0)
		die(fx.live);
	copy_tree(fx.pristine, fx.live);
	ayb_buf_free(&fx.clean);
	fingerprint(fx.live, &fx.clean);
	fx.resets++;
}

static void cleanup(void)
{
	release_live();
	ayb_fs_remove_tree(fx.dir);
	ayb_buf_free(&fx.clean);
	free(fx.token);
	free(fx.bob);
	free(fx.scoped);
	free(fx.short_token);
	free(fx.confirm);
	free(fx.login);
	if (fx.dead_fd >= 0)
		close(fx.dead_fd);
	curl_global_cleanup();
}

/* Serves a set-up request written in the input format: its status must be
 * `want`; the body is returned (malloc'd). */
static char *setup(int want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *setup(int want, const char *fmt, ...)
{
	struct ayb_buf out = { 0 }, log = { 0 };
	char *text, *body;
	va_list ap;

	va_start(ap, fmt);
	text = ayb_vfmt(fmt, ap);
	va_end(ap);
	if (!text)
		die("setup");
	serve((const uint8_t *)text, strlen(text), &out, &log);
	if (!out.data || atoi(out.data + 8) != want || !(body = strstr(out.data, "\r\n\r\n"))) {
		fprintf(stderr, "fuzz_serve: set-up request %s:\n%s\n%s\n", text,
			out.data ? out.data : "", log.data ? log.data : "");
		stop();
	}
	body = strdup(body + 4);
	free(text);
	ayb_buf_free(&out);
	ayb_buf_free(&log);
	if (!body)
		die("setup");
	return body;
}

/* The emailed token of the last email: what follows "ayb client confirm ". */
static char *last_emailed_token(void)
{
	char path[PATH_MAX + 32], line[8192], *last = NULL, *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/emails.jsonl", fx.live);
	if (!(f = fopen(path, "r")))
		die(path);
	while (fgets(line, sizeof(line), f))
		if ((p = strstr(line, "ayb client confirm "))) {
			free(last);
			last = strndup(p + 19, strcspn(p + 19, "\"\\"));
		}
	fclose(f);
	if (!last)
		die("no emailed token");
	return last;
}

static char *json_string(const char *json, const char *key)
{
	cJSON *doc = cJSON_Parse(json);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
	char *s = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;

	cJSON_Delete(doc);
	if (!s)
		die(json);
	return s;
}

/* Registers and confirms `who`, returning its API token. */
static char *new_user(const char *who)
{
	char *tok, *body;

	free(setup(200, "PQ/v1/register\nentity: %s\nemail-address: %s@example.org\n"
		   "entity-type: user\n\n", who, who));
	tok = last_emailed_token();
	body = setup(200, "PQ/v1/confirm\nauthentication-token: %s\n\n", tok);
	free(tok);
	tok = json_string(body, "token");
	free(body);
	return tok;
}

/* A token scoped to alice/data.sqlite, read-only, as an application gets:
 * no route mints one, so it goes into the store directly. */
static char *new_scoped_token(void)
{
	struct ayb_err err = { 0 };
	struct fcgi_site *site = fcgi_sites_get(&fx.sites, fx.conf, &err);
	struct ayb_entity e = { 0 };
	struct ayb_database db = { 0 };
	struct ayb_token_row row = { 0 };
	struct ayb_api_token t;
	char *full;

	if (!site || !site->store || ayb_store_entity_get(site->store, "alice", &e, &err) != 1 ||
	    ayb_store_database_get(site->store, e.id, "data.sqlite", &db, &err) != 1)
		die("scoped token");
	ayb_token_api_new(&t);
	row.short_token = t.short_token;
	row.entity_id = e.id;
	row.hash = t.hash;
	row.database_id = db.id;
	row.query_permission_level = AYB_LEVEL_READ_ONLY;
	row.app_name = (char *)"fuzz";
	if (ayb_store_token_create(site->store, &row, &err) < 0 || !(full = strdup(t.full)))
		die("scoped token");
	ayb_entity_free(&e);
	ayb_database_free(&db);
	return full;
}

/* The CSRF token of the page at `uri` for cookie choice `cookie` (byte 1). */
static void read_csrf(int cookie, const char *uri)
{
	char *page = setup(200, "G%c%s\n\n", 0x40 | cookie << 2, uri);
	char *p = strstr(page, "name=\"csrf\" value=\"");

	if (!p)
		die("no CSRF field");
	p += 19;
	snprintf(fx.csrf[cookie], sizeof(fx.csrf[cookie]), "%.*s", (int)strcspn(p, "\""), p);
	free(page);
}

static void write_config(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char proxy[64];
	FILE *f;

	if ((fx.dead_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fx.dead_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fx.dead_fd, (struct sockaddr *)&a, &alen) < 0)
		die("dead port");
	if (!(f = fopen(fx.conf, "w")))
		die(fx.conf);
	fprintf(f,
		"host = \"127.0.0.1\"\nport = 5433\npublic_url = \"http://127.0.0.1:5433\"\n"
		"database_url = \"sqlite://%s/ayb.sqlite\"\n"
		"data_path = \"%s\"\n"
		"authentication {\n  fernet_key = \"%s\"\n  token_expiration_seconds = 86400\n}\n"
		"email {\n  file {\n    path = \"%s/emails.jsonl\"\n  }\n}\n"
		"cors {\n  origin = \"*\"\n}\n"
		"snapshots {\n  access_key_id = \"k\"\n  secret_access_key = \"s\"\n"
		"  bucket = \"b\"\n  path_prefix = \"p\"\n  endpoint_url = \"http://127.0.0.1:%d\"\n"
		"  force_path_style = true\n}\n"
		/* Short limits: an input is one request, not a benchmark. */
		"isolation {\n  query_timeout_ms = 300\n  cpu_seconds = 2\n  heap_limit_mb = 16\n"
		"  max_result_rows = 2000\n  max_result_mb = 1\n  max_file_size_mb = 4\n"
		"  max_workers = 2\n}\n",
		fx.live, fx.live, FERNET_KEY, fx.live, ntohs(a.sin_port));
	if (fclose(f) != 0)
		die(fx.conf);
	/* Profile links are fetched over https: through a proxy on the same
	 * refusing port, so no input reaches the network or waits. */
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", ntohs(a.sin_port));
	if (setenv("https_proxy", proxy, 1) < 0 || setenv("HTTPS_PROXY", proxy, 1) < 0 ||
	    setenv("ALL_PROXY", proxy, 1) < 0 || unsetenv("NO_PROXY") < 0 ||
	    unsetenv("no_proxy") < 0)
		die("proxy");
}

/* Removes the directories of earlier runs whose process is gone: a crash
 * that a sanitizer reports, a timeout or Ctrl-C end libFuzzer without
 * atexit.  A directory is named after its process, so a live run's is
 * left alone. */
static void remove_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	long pid;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX];

		if (sscanf(e->d_name, "ayb-fuzz-serve.%ld.", &pid) == 1 && pid > 0 &&
		    kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			snprintf(path, sizeof(path), "%s/%s", tmp, e->d_name);
			ayb_fs_remove_tree(path);
		}
	}
	closedir(d);
}

static void init(void)
{
	const char *tmp = getenv("TMPDIR");
	char worker[PATH_MAX];

	fx.dead_fd = -1;
	if (ayb_token_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die("libsodium or libcurl");
	/* In memory when it can be: the metadata store syncs every commit,
	 * which on a disk costs more than the rest of a request. */
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	remove_stale(tmp);
	snprintf(fx.dir, sizeof(fx.dir), "%s/ayb-fuzz-serve.%ld.XXXXXX", tmp, (long)getpid());
	if (!mkdtemp(fx.dir))
		die(fx.dir);
	atexit(cleanup);
	snprintf(fx.conf, sizeof(fx.conf), "%s/ayb.conf", fx.dir);
	snprintf(fx.live, sizeof(fx.live), "%s/live", fx.dir);
	snprintf(fx.pristine, sizeof(fx.pristine), "%s/pristine", fx.dir);
	if (mkdir(fx.live, 0700) < 0)
		die(fx.live);
	write_config();
	/* The harness runs from tests/fuzz/ of the build tree. */
	if (!getenv("AYB_QUERY_WORKER") &&
	    ayb_fs_sibling_program("../../cgi/ayb-query-worker", worker, sizeof(worker)) == 0)
		setenv("AYB_QUERY_WORKER", worker, 1);
	fx.sites.default_path = fx.conf;

	fx.token = new_user("alice");
	fx.bob = new_user("bob");
	fx.short_token = strndup(fx.token + 4, strcspn(fx.token + 4, "_"));
	free(setup(201, "PQ/v1/alice/data.sqlite/create\ndb-type: sqlite\n"
		   "public-sharing-level: no-access\n\n"));
	free(setup(201, "PQ/v1/alice/pub.sqlite/create\ndb-type: sqlite\n"
		   "public-sharing-level: read-only\n\n"));
	free(setup(200, "Pq/v1/alice/data.sqlite/query\n\nCREATE TABLE t(id INTEGER PRIMARY KEY, "
		   "name TEXT, score REAL, data BLOB)"));
	free(setup(200, "Pq/v1/alice/data.sqlite/query\n\nINSERT INTO t VALUES (1, 'one', 1.5, "
		   "x'6869'), (2, NULL, 1e300, NULL), (3, '<b>&amp;</b>', -0.0, ''), "
		   "(4, 'caf\xc3\xa9', 2, zeroblob(3))"));
	free(setup(200, "Pq/v1/alice/data.sqlite/query\n\nCREATE INDEX t_name ON t(name)"));
	/* A blob that is no UTF-8, which a result cannot carry. */
	free(setup(200, "Pq/v1/alice/data.sqlite/query\n\n"
		   "CREATE TABLE bin AS SELECT x'00ff' AS b"));
	free(setup(200, "Pq/v1/alice/pub.sqlite/query\n\nCREATE TABLE p(k, v)"));
	free(setup(200, "Pq/v1/alice/pub.sqlite/query\n\nINSERT INTO p VALUES ('a', 1)"));
	free(setup(204, "PA/v1/alice/data.sqlite/share\nentity-for-permission: bob\n"
		   "sharing-level: read-only\n\n"));
	free(setup(200, "AQ/v1/entity/alice\n\n{\"display_name\":\"Alice\",\"links\":"
		   "\"[{\\\"url\\\":\\\"http://alice.example\\\"}]\"}"));
	/* Each database whole in its file, so that no worker's checkpoint
	 * later reads as a change an input made. */
	free(setup(200, "Pq/v1/alice/data.sqlite/query\n\nPRAGMA wal_checkpoint(TRUNCATE)"));
	free(setup(200, "Pq/v1/alice/pub.sqlite/query\n\nPRAGMA wal_checkpoint(TRUNCATE)"));
	fx.scoped = new_scoped_token();
	free(setup(200, "PQ/v1/log_in\nentity: alice\n\n"));
	fx.login = last_emailed_token();
	free(setup(200, "PQ/v1/register\nentity: carol\nemail-address: carol@example.org\n"
		   "entity-type: user\n\n"));
	fx.confirm = last_emailed_token();
	read_csrf(1, "/alice");
	read_csrf(2, "/register");
	read_csrf(3, "/bob");
	/* Without a cookie the server makes up a fresh one: no CSRF fits. */
	fx.csrf[0][0] = '\0';

	release_live();
	copy_tree(fx.live, fx.pristine);
	fx.ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ayb_buf out = { 0 }, log = { 0 };

	if (!fx.ready) {
		init();
		fx.trace = getenv("AYB_FUZZ_TRACE") != NULL;
	}
	if (size < 2)
		return 0;
	reset();
	serve(data, size, &out, &log);
	if (fx.trace)
		fprintf(stderr, "%.*s\n[run %lu, %lu resets]\n",
			(int)(out.len > 300 ? 300 : out.len), out.data ? out.data : "", ++fx.runs,
			fx.resets);
	check(&out, &log);
	ayb_buf_free(&out);
	ayb_buf_free(&log);
	return 0;
}
