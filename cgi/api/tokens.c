/* Listing and revoking one's own API tokens (README "API"). */
#include "autoconfig.h"

#include "api.h"

static int token_json(cJSON *o, const void *row)
{
	const struct ayb_token_info *t = row;
	int level = t->query_permission_level;

	return api_json_add_string(o, "short_token", t->short_token) < 0 ||
	       api_json_add_string(o, "scoped_database", t->scoped_database) < 0 ||
	       api_json_add_string(o, "permission_level",
				   level < 0 ? NULL : level ? "read-write" : "read-only") < 0 ||
	       api_json_add_string(o, "app_name", t->app_name) < 0 ||
	       api_json_add_string(o, "created_at", t->created_at) < 0 ||
	       api_json_add_string(o, "expires_at", t->expires_at) < 0 ||
	       api_json_add_string(o, "revoked_at", t->revoked_at) < 0 ? -1 : 0;
}

void api_tokens_list(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_token_info *t = NULL;
	size_t n = 0;
	cJSON *o = NULL;

	if (ayb_app_tokens_list(c->app, &c->caller, &t, &n, &err) == 0)
		o = api_json_list("tokens", t, n, sizeof(*t), token_json, &err);
	api_answer(c, &err, 200, o);
	cJSON_Delete(o);
	ayb_token_infos_free(t, n);
}

void api_token_revoke(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };

	ayb_app_token_revoke(c->app, &c->caller, c->req->seg[2].s, &err);
	api_answer(c, &err, 200, NULL);
}
