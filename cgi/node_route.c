/* Which node serves a request (node_route.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "forward.h"
#include "node.h"
#include "node_route.h"
#include "placement.h"

/* 1 when the request came from another node, signed (one hop only). */
static int forwarded(const struct fcgi_call *c)
{
	const char *sig = fcgi_request_header(c->req, AYB_NODE_FORWARD_HEADER);
	const char *uri = fcgi_request_param(c->req, "REQUEST_URI");

	return sig && ayb_node_forward_check(c->app->cfg, c->req->method, uri ? uri : "/", sig,
					     (int64_t)time(NULL));
}

/* Forwards c to the node named `node` at `url` (NULL: looked up in the
 * store): 0 when answered, -1 with err. */
static int forward_to(struct fcgi_call *c, const char *node, const char *url,
		      struct ayb_err *err)
{
	char *looked_up = NULL;
	int found = 1, rc;

	if (!url) {
		found = ayb_placement_node_url(c->app->store, node, &looked_up, err);
		url = looked_up;
	}
	if (found == 0) {
		ayb_err_set(err, AYB_E_UNAVAILABLE,
			    "Node %s, which holds the database, has never reported to the metadata store",
			    node);
		err->retry_after = 1;
	}
	if (found <= 0)
		return -1;
	rc = fcgi_forward(c, node, url, err);
	free(looked_up);
	return rc;
}

/* Where a request creating a database goes: the "fewest" policy may pick
 * another node (a forwarded create is made here: one hop). */
static int route_create(struct fcgi_call *c, int hop, struct ayb_err *err)
{
	const struct ayb_node_config *node = c->app->cfg->node;
	char to[AYB_NODE_NAME_MAX];
	int found;

	if (hop || node->placement != AYB_PLACE_FEWEST)
		return 0;
	if ((found = ayb_placement_fewest(c->app->store, to, err)) < 0)
		return -1;
	if (found == 0 || strcmp(to, node->name) == 0)
		return 0;
	return forward_to(c, to, NULL, err) < 0 ? -1 : 1;
}

/* Where a request about an existing database goes, by its placement. */
static int route_target(struct fcgi_call *c, int hop, struct ayb_err *err)
{
	const struct ayb_app_target *t = &c->target;
	int where = ayb_node_serving(c->app->cfg, t->owner.slug, t->db.slug, &t->db.place, err);

	if (where <= AYB_NODE_HERE)
		return where;
	if (hop) {
		/* The placement changed between the two nodes' lookups (or the
		 * nodes disagree): refuse rather than pass it on again. */
		ayb_err_set(err, AYB_E_UNAVAILABLE,
			    "Database %s was forwarded to node %s, which no longer holds it; try again",
			    t->name, c->app->cfg->node->name);
		err->retry_after = 1;
		return -1;
	}
	return forward_to(c, t->db.place.node, t->db.node_url, err) < 0 ? -1 : 1;
}

int fcgi_node_route(const struct fcgi_route *rt, struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	int rc;

	if (!c->app->cfg->node || rt->target == FCGI_TARGET_NONE)
		return 0;
	if (rt->target == FCGI_TARGET_NEW)
		rc = route_create(c, forwarded(c), &err);
	else
		rc = route_target(c, forwarded(c), &err);
	if (rc < 0)
		fcgi_call_failed(c, &err);
	ayb_err_clear(&err);
	return rc == 0 ? 0 : -1;
}

int fcgi_node_heartbeat(const struct ayb_config *cfg, struct ayb_store *st, int64_t *last,
			struct ayb_err *err)
{
	int64_t now = ayb_clock_ms();

	if (*last && now - *last < AYB_NODE_HEARTBEAT_SECONDS * 1000)
		return 0;
	if (ayb_placement_heartbeat(st, cfg->node->name, cfg->node->url, err) < 0)
		return -1;
	*last = now;
	return 0;
}
