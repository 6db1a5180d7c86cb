/* ayb-api.fcgi: the FastCGI loop (or one plain-CGI request when stdin is
 * not a FastCGI socket).  Configuration is read once at start; the metadata
 * store is opened on first need and kept, but nothing in this process
 * matters between requests. */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>

#include "config.h"
#include "cors.h"
#include "handlers.h"
#include "router.h"
#include "token.h"

extern char **environ;

static struct ayb_config *cfg;
static struct ayb_err cfg_err;
static struct ayb_store *store;

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

static void serve(char *const *params, int (*read)(void *, char *, size_t), void *in,
		  struct ayb_out out)
{
	struct ayb_request req;
	struct ayb_response resp;
	struct ayb_err err = { 0 };
	const struct ayb_route *route;
	struct ayb_ctx ctx;

	ayb_response_init(&resp, out);
	if (ayb_request_init(&req, params) < 0) {
		ayb_response_status(&resp, 404);
		goto out;
	}
	if (cfg && ayb_cors_preflight(cfg->cors_origin, &req, &resp))
		goto out;
	if (cfg)
		ayb_cors_headers(cfg->cors_origin, &req, &resp);
	if (!(route = ayb_route_find(&req))) {
		ayb_response_status(&resp, 404);
		goto out;
	}
	if (!cfg) {
		ayb_response_error(&resp, &cfg_err);
		goto out;
	}
	if (route->needs_store && !store && ayb_store_open(cfg->database_url, &store, &err) < 0) {
		fprintf(stderr, "ayb-api: %s\n", err.message ? err.message : "metadata store error");
		err.status = 503;
		ayb_response_error(&resp, &err);
		goto out;
	}
	if (route->body_limit && ayb_request_read_body(&req, route->body_limit, read, in, &err) < 0) {
		ayb_response_error(&resp, &err);
		goto out;
	}
	ctx.cfg = cfg;
	ctx.store = store;
	route->handler(&ctx, &req, &resp);
out:
	ayb_response_finish(&resp);
	ayb_response_free(&resp);
	ayb_request_free(&req);
	ayb_err_clear(&err);
}

int main(void)
{
	const char *path;

	signal(SIGPIPE, SIG_IGN);
	if (ayb_token_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "ayb-api: cannot initialise libsodium or libcurl\n");
		return 1;
	}
	/* A broken configuration does not stop the process: every request then
	 * answers 500 with the reason, which is easier to find on shared
	 * hosting than a FastCGI process that keeps dying. */
	path = ayb_config_locate(NULL);
	if (!(cfg = ayb_config_load(path, environ, &cfg_err)))
		fprintf(stderr, "ayb-api: %s\n", cfg_err.message ? cfg_err.message : "configuration error");

	if (FCGX_IsCGI()) {
		struct ayb_out out = { stdio_write, stdout };
		serve(environ, stdio_read, stdin, out);
		fflush(stdout);
	} else {
		FCGX_Request r;
		if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
			return 1;
		while (FCGX_Accept_r(&r) >= 0) {
			struct ayb_out out = { fcgx_write, r.out };
			serve(r.envp, fcgx_read, r.in, out);
			FCGX_Finish_r(&r);
		}
	}
	ayb_store_close(store);
	ayb_config_free(cfg);
	ayb_err_clear(&cfg_err);
	curl_global_cleanup();
	return 0;
}
