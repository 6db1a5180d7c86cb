/* The request path of ayb-api.fcgi, without FastCGI: params in, the route
 * found, the configuration and metadata store of the site loaded, the body
 * read, the handler called, the response finished and a failure logged. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "cors.h"
#include "forward.h"
#include "log.h"
#include "node_route.h"
#include "request.h"
#include "response.h"
#include "router.h"
#include "serve.h"

extern char **environ;

static void site_drop(struct fcgi_site *s)
{
	fcgi_forward_handle_free(s->forward);
	ayb_store_close(s->store);
	ayb_config_free(s->cfg);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

/* The site for `path`, loaded when not cached yet: NULL with err when the
 * configuration cannot be used.  With every slot taken the oldest is
 * dropped, as any cache may be. */
struct fcgi_site *fcgi_sites_get(struct fcgi_sites *s, const char *path, struct ayb_err *err)
{
	struct ayb_config *cfg;
	struct fcgi_site *site;
	char *copy;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->site[i].path, path) == 0)
			return &s->site[i];
	if (!(cfg = ayb_config_load(path, environ, err)))
		return NULL;
	if (!(copy = strdup(path))) {
		ayb_config_free(cfg);
		ayb_err_oom(err);
		return NULL;
	}
	if (s->n < FCGI_MAX_SITES) {
		site = &s->site[s->n++];
	} else {
		site = &s->site[s->next_evict];
		s->next_evict = (s->next_evict + 1) % FCGI_MAX_SITES;
		site_drop(site);
	}
	site->path = copy;
	site->cfg = cfg;
	return site;
}

void fcgi_sites_free(struct fcgi_sites *s)
{
	for (size_t i = 0; i < s->n; i++)
		site_drop(&s->site[i]);
	s->n = s->next_evict = 0;
}

/* One line per failed request to the web server's error log. */
static void log_failure(struct ayb_sink log, const struct fcgi_request *req,
			const struct fcgi_response *resp)
{
	char *line = fcgi_log_line(resp->status, req->method, req->path, resp->log);

	if (line)
		ayb_sink_write(&log, line, strlen(line));
	free(line);
}

void fcgi_serve(struct fcgi_sites *sites, char *const *params,
		int (*read)(void *, char *, size_t), void *in, struct ayb_sink out,
		struct ayb_sink log)
{
	struct fcgi_request req;
	struct fcgi_response resp;
	struct ayb_err err = { 0 }, cfg_err = { 0 };
	const struct fcgi_route *route;
	struct ayb_app_ctx ctx;
	struct fcgi_call call = { 0 };
	const struct ayb_config *cfg;
	struct fcgi_site *site;
	const char *path;
	int want_store;

	fcgi_response_init(&resp, out);
	if (fcgi_request_init(&req, params) < 0) {
		fcgi_response_status(&resp, 404);
		goto out;
	}
	path = fcgi_request_param(&req, "AYB_CONFIG");
	site = fcgi_sites_get(sites, path && *path ? path : sites->default_path, &cfg_err);
	cfg = site ? site->cfg : NULL;
	if (cfg && fcgi_cors_preflight(cfg->cors_origin, &req, &resp))
		goto out;
	if (cfg)
		fcgi_cors_headers(cfg->cors_origin, &req, &resp);
	if (!(route = fcgi_route_find(&req))) {
		fcgi_response_status(&resp, 404);
		goto out;
	}
	if (!cfg) {
		/* Its message names the configuration file. */
		fcgi_response_error_as(&resp, &cfg_err,
				       "The server's configuration cannot be used; its error log says why");
		goto out;
	}
	want_store = route->needs_store == 1 ||
		     (route->needs_store == FCGI_STORE_ON_NODE && cfg->node);
	if (want_store && !site->store &&
	    ayb_store_open(cfg->database_url, &site->store, &err) < 0) {
		/* A node's /health says so itself. */
		if (route->needs_store == FCGI_STORE_ON_NODE) {
			ayb_err_clear(&err);
		} else {
			/* Whatever kept the store closed, the request may succeed later. */
			err.kind = AYB_E_UNAVAILABLE;
			fcgi_response_error(&resp, &err);
			goto out;
		}
	}
	/* A node says it is alive as it serves (README "Several machines");
	 * a failure shows in the request's own use of the store. */
	if (cfg->node && site->store && route->needs_store == 1) {
		fcgi_node_heartbeat(cfg, site->store, &site->heartbeat_ms, &err);
		ayb_err_clear(&err);
	}
	if (route->body_limit == FCGI_BODY_STREAMED) {
		req.body_read = read;
		req.body_in = in;
	} else if (route->body_limit &&
		   fcgi_request_read_body(&req, route->body_limit, read, in, &err) < 0) {
		fcgi_response_error(&resp, &err);
		goto out;
	}
	ctx.cfg = cfg;
	ctx.store = site->store;
	ctx.client_addr = fcgi_request_param(&req, "REMOTE_ADDR");
	call.app = &ctx;
	call.req = &req;
	call.resp = &resp;
	call.forward = &site->forward;
	if (fcgi_call_begin(route, &call) == 0)
		route->handler(&call);
	fcgi_call_end(&call);
out:
	fcgi_response_finish(&resp);
	if (resp.log)
		log_failure(log, &req, &resp);
	fcgi_response_free(&resp);
	fcgi_request_free(&req);
	ayb_err_clear(&err);
	ayb_err_clear(&cfg_err);
}

