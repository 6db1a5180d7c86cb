/* Listing and revoking one's own API tokens (spec/API.md §3). */
#include "autoconfig.h"

#include <string.h>

#include "handlers.h"

void api_tokens_list(struct ayb_ctx *ctx, struct fcgi_request *req,
			    struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_token_info *t = NULL;
	size_t n = 0;
	cJSON *o = NULL, *list;

	if (ayb_auth_required(ctx, req, &a, &err) < 0)
		goto fail;
	/* A scoped token belongs to an application, which has no business
	 * seeing the entity's other tokens. */
	if (a.token.database_id) {
		ayb_err_set(&err, AYB_E_OTHER, 403, "A token scoped to one database can't list tokens");
		goto fail;
	}
	if (ayb_store_token_list(ctx->store, a.entity.id, &t, &n, &err) < 0)
		goto fail;
	if (!(o = cJSON_CreateObject()) || !(list = cJSON_AddArrayToObject(o, "tokens"))) {
		ayb_err_oom(&err);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToArray(list, j);
		cJSON_AddStringToObject(j, "short_token", t[i].short_token);
		cJSON_AddItemToObject(j, "scoped_database", fcgi_json_string_or_null(t[i].scoped_database));
		cJSON_AddItemToObject(j, "permission_level",
				      fcgi_json_string_or_null(t[i].query_permission_level < 0 ? NULL
						     : t[i].query_permission_level ? "read-write"
										   : "read-only"));
		cJSON_AddItemToObject(j, "app_name", fcgi_json_string_or_null(t[i].app_name));
		cJSON_AddItemToObject(j, "created_at", fcgi_json_string_or_null(t[i].created_at));
		cJSON_AddItemToObject(j, "expires_at", fcgi_json_string_or_null(t[i].expires_at));
		cJSON_AddItemToObject(j, "revoked_at", fcgi_json_string_or_null(t[i].revoked_at));
	}
	fcgi_response_json(resp, 200, o);
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	cJSON_Delete(o);
	ayb_token_infos_free(t, n);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}

int ayb_action_revoke_token(struct ayb_ctx *ctx, const struct ayb_auth *a, const char *short_token,
			    struct ayb_err *err)
{
	int rc;

	/* A scoped token may give itself up, nothing more. */
	if (a->token.database_id && strcmp(short_token, a->token.short_token) != 0)
		return ayb_err_set(err, AYB_E_OTHER, 403,
				   "A token scoped to one database can only revoke itself");
	if ((rc = ayb_store_token_revoke(ctx->store, a->entity.id, short_token, err)) < 0)
		return -1;
	return rc ? 0 : ayb_err_not_found(err, short_token, "api_token");
}

void api_token_revoke(struct ayb_ctx *ctx, struct fcgi_request *req,
			     struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;

	if (ayb_auth_required(ctx, req, &a, &err) < 0 ||
	    ayb_action_revoke_token(ctx, &a, req->seg[2].s, &err) < 0)
		fcgi_response_error(resp, &err);
	else
		fcgi_response_empty_json(resp, 200);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}
