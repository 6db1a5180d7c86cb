/* Sharing a database and listing its grants (README "Permissions"). */
#include "autoconfig.h"

#include "api.h"

void api_share(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	const char *h_level, *grantee;
	int level = -1;

	if ((h_level = api_require_header(c->req, "sharing-level", &err)) &&
	    (level = ayb_app_sharing_level_parse(h_level, &err)) >= 0 &&
	    (grantee = api_require_header(c->req, "entity-for-permission", &err)))
		ayb_app_share(c->app, &c->caller, &c->target, grantee, level, &err);
	api_answer(c, &err, 204, NULL);
}

static int grant_json(cJSON *o, const void *row)
{
	const struct ayb_grant *g = row;

	return api_json_add_string(o, "entity_slug", g->entity_slug ? g->entity_slug : "") < 0 ||
	       api_json_add_string(o, "sharing_level",
				   ayb_app_sharing_level_name(g->sharing_level)) < 0 ? -1 : 0;
}

void api_permissions(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_grant *g = NULL;
	size_t n = 0;
	cJSON *o = NULL;

	if (ayb_app_permissions(c->app, &c->caller, &c->target, &g, &n, &err) == 0)
		o = api_json_list("permissions", g, n, sizeof(*g), grant_json, &err);
	api_answer(c, &err, 200, o);
	cJSON_Delete(o);
	ayb_grants_free(g, n);
}
