/* The preamble every route shares, run once by the front: the caller as the
 * route's auth posture finds it, then the database its path names. */
#include "autoconfig.h"

#include <string.h>

#include "bearer.h"
#include "node_route.h"
#include "router.h"
#include "ui.h"

int fcgi_call_begin(const struct fcgi_route *rt, struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	const struct fcgi_segment *seg = c->req->seg;
	const char *token = NULL;
	char buf[FCGI_BEARER_MAX];
	int rc = 0, names_db = rt->target == FCGI_TARGET_API || rt->target == FCGI_TARGET_UI;

	switch (rt->auth) {
	case FCGI_AUTH_NONE:
		break;
	case FCGI_AUTH_OPTIONAL:
		token = fcgi_bearer_optional(c->req, buf, &err);
		break;
	case FCGI_AUTH_REQUIRED:
		token = fcgi_bearer_required(c->req, &err);
		break;
	case FCGI_AUTH_COOKIE:
		/* The session answers its own failures with a page. */
		if (ui_session_begin(c) < 0)
			return -1;
		break;
	}
	if (err.kind)
		rc = -1;
	if (rt->target == FCGI_TARGET_API)
		seg++;
	/* A token and a database: both from the store in one statement. */
	if (rc == 0 && token && names_db)
		rc = ayb_app_caller_target(c->app, token, seg[0].s, seg[0].len, seg[1].s,
					   seg[1].len, &c->caller, &c->target, &err);
	else if (rc == 0 && token)
		rc = ayb_app_caller_from_token(c->app, token, &c->caller, &err);
	else if (rc == 0 && names_db)
		rc = ayb_app_target_find(c->app, seg[0].s, seg[0].len, seg[1].s, seg[1].len,
					 &c->caller, &c->target, &err);
	if (rc < 0)
		fcgi_call_failed(c, &err);
	ayb_err_clear(&err);
	/* On one node of several: served here, forwarded, or refused. */
	if (rc == 0 && (rc = fcgi_node_route(rt, c)) == 0 && c->app->cfg->node)
		fcgi_response_header(c->resp, "X-Ayb-Node", c->app->cfg->node->name);
	return rc;
}

void fcgi_call_end(struct fcgi_call *c)
{
	if (c->ui)
		ui_session_end(c->ui);
	ayb_app_target_free(&c->target);
	ayb_app_caller_free(&c->caller);
	memset(c, 0, sizeof(*c));
}

void fcgi_call_failed(struct fcgi_call *c, const struct ayb_err *err)
{
	if (c->ui)
		ui_target_failed(c->ui, err);
	else
		fcgi_response_error(c->resp, err);
}
