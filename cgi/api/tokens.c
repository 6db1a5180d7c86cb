/* Listing and revoking one's own API tokens (README "API"). */
#include "autoconfig.h"

#include "api.h"

void api_tokens_list(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_token_info *t = NULL;
	size_t n = 0;
	cJSON *o = NULL, *list;

	if (ayb_app_tokens_list(c->app, &c->caller, &t, &n, &err) < 0)
		goto fail;
	if (!(o = cJSON_CreateObject()) || !(list = cJSON_AddArrayToObject(o, "tokens"))) {
		ayb_err_oom(&err);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToArray(list, j);
		cJSON_AddStringToObject(j, "short_token", t[i].short_token);
		cJSON_AddItemToObject(j, "scoped_database",
				      fcgi_json_string_or_null(t[i].scoped_database));
		cJSON_AddItemToObject(j, "permission_level",
				      fcgi_json_string_or_null(t[i].query_permission_level < 0 ? NULL
						     : t[i].query_permission_level ? "read-write"
										   : "read-only"));
		cJSON_AddItemToObject(j, "app_name", fcgi_json_string_or_null(t[i].app_name));
		cJSON_AddItemToObject(j, "created_at", fcgi_json_string_or_null(t[i].created_at));
		cJSON_AddItemToObject(j, "expires_at", fcgi_json_string_or_null(t[i].expires_at));
		cJSON_AddItemToObject(j, "revoked_at", fcgi_json_string_or_null(t[i].revoked_at));
	}
	fcgi_response_json(c->resp, 200, o);
	goto out;
fail:
	fcgi_response_error(c->resp, &err);
out:
	cJSON_Delete(o);
	ayb_token_infos_free(t, n);
	ayb_err_clear(&err);
}

void api_token_revoke(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };

	if (ayb_app_token_revoke(c->app, &c->caller, c->req->seg[2].s, &err) < 0)
		fcgi_response_error(c->resp, &err);
	else
		fcgi_response_empty_json(c->resp, 200);
	ayb_err_clear(&err);
}
