/* Sharing a database and listing its grants (README "Permissions"). */
#include "autoconfig.h"

#include "api.h"

void api_share(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	const char *h_level, *grantee;
	int level = -1;

	if (!(h_level = api_require_header(c->req, "sharing-level", &err)) ||
	    (level = ayb_app_sharing_level_parse(h_level, &err)) < 0 ||
	    !(grantee = api_require_header(c->req, "entity-for-permission", &err)) ||
	    ayb_app_share(c->app, &c->caller, &c->target, grantee, level, &err) < 0)
		fcgi_response_error(c->resp, &err);
	else
		fcgi_response_status(c->resp, 204);
	ayb_err_clear(&err);
}

void api_permissions(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_grant *g = NULL;
	size_t n = 0;
	cJSON *o = NULL, *list;

	if (ayb_app_permissions(c->app, &c->caller, &c->target, &g, &n, &err) < 0)
		goto fail;
	if (!(o = cJSON_CreateObject()) || !(list = cJSON_AddArrayToObject(o, "permissions"))) {
		ayb_err_oom(&err);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddItemToArray(list, p);
		cJSON_AddStringToObject(p, "entity_slug", g[i].entity_slug ? g[i].entity_slug : "");
		cJSON_AddStringToObject(p, "sharing_level",
					ayb_app_sharing_level_name(g[i].sharing_level));
	}
	fcgi_response_json(c->resp, 200, o);
	goto out;
fail:
	fcgi_response_error(c->resp, &err);
out:
	cJSON_Delete(o);
	ayb_grants_free(g, n);
	ayb_err_clear(&err);
}
