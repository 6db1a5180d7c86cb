/* A database's details, public level, grants and the list of grants
 * (spec/API.md §3, PERMISSIONS.md). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "handlers.h"

static const char *const public_levels[] = { "no-access", "fork", "read-only" };
static const char *const sharing_levels[] = { "no-access", "read-only", "read-write", "manager" };

static int parse_level(const char *value, const char *const *names, int n, struct ayb_err *err)
{
	for (int i = 0; i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return i;
	return ayb_err_set(err, AYB_E_OTHER, 400, "Unknown value: %s", value);
}

int ayb_parse_public_level(const char *value, struct ayb_err *err)
{
	return parse_level(value, public_levels, 3, err);
}

int ayb_parse_sharing_level(const char *value, struct ayb_err *err)
{
	return parse_level(value, sharing_levels, 4, err);
}

const char *ayb_public_level_name(int level)
{
	return level >= 0 && level < 3 ? public_levels[level] : "no-access";
}

const char *ayb_sharing_level_name(int level)
{
	return level >= 0 && level < 4 ? sharing_levels[level] : "no-access";
}

void api_database_details(struct ayb_ctx *ctx, struct fcgi_request *req,
				 struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_target t = { 0 };
	enum ayb_query_level level;
	cJSON *o = NULL;

	if (ayb_auth_optional(ctx, req, &a, &err) < 0 || ayb_target_load(ctx, req, &a, &t, &err) < 0)
		goto fail;
	/* Reported for the entity, whatever the token's scope or cap. */
	level = ayb_perm_entity_query_level(&t.caller, &t.db);
	if (!(o = cJSON_CreateObject())) {
		ayb_err_oom(&err);
		goto fail;
	}
	cJSON_AddStringToObject(o, "entity_slug", t.owner.slug);
	cJSON_AddStringToObject(o, "database_slug", t.db.slug);
	cJSON_AddStringToObject(o, "database_type", t.db.db_type ? "duckdb" : "sqlite");
	if (level == AYB_LEVEL_NONE)
		cJSON_AddNullToObject(o, "highest_query_access_level");
	else
		cJSON_AddStringToObject(o, "highest_query_access_level",
					level == AYB_LEVEL_READ_WRITE ? "ReadWrite" : "ReadOnly");
	cJSON_AddBoolToObject(o, "can_manage_database", ayb_perm_can_manage(&t.caller, &t.db));
	cJSON_AddStringToObject(o, "public_sharing_level",
				ayb_public_level_name(t.db.public_sharing_level));
	fcgi_response_json(resp, 200, o);
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	cJSON_Delete(o);
	ayb_target_free(&t);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}

int ayb_action_update_database(struct ayb_ctx *ctx, const struct ayb_auth *a,
			       const struct ayb_target *t, const char *public_level,
			       struct ayb_err *err)
{
	int level;

	if (!ayb_perm_can_manage(&t->caller, &t->db))
		return ayb_err_set(err, AYB_E_OTHER, 403,
				   "Authenticated entity %s can't update database %s", a->entity.slug,
				   t->name);
	if (!public_level)
		return ayb_err_set(err, AYB_E_EMPTY_UPDATE, 400,
				   "No fields provided to update. Please specify at least one field to update.");
	if ((level = ayb_parse_public_level(public_level, err)) < 0)
		return -1;
	return ayb_store_database_set_public_level(ctx->store, t->db.id, level, err);
}

void api_database_update(struct ayb_ctx *ctx, struct fcgi_request *req,
				struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_target t = { 0 };

	if (ayb_auth_required(ctx, req, &a, &err) < 0 || ayb_target_load(ctx, req, &a, &t, &err) < 0 ||
	    ayb_action_update_database(ctx, &a, &t, fcgi_request_header(req, "public-sharing-level"),
				       &err) < 0)
		fcgi_response_error(resp, &err);
	else
		fcgi_response_empty_json(resp, 200);
	ayb_target_free(&t);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}

int ayb_action_share(struct ayb_ctx *ctx, const struct ayb_auth *a, const struct ayb_target *t,
		     const char *grantee, int level, struct ayb_err *err)
{
	struct ayb_entity who = { 0 };
	int rc;

	/* The grantee is used as given (ayb does not lowercase it). */
	if ((rc = ayb_store_entity_get(ctx->store, grantee, &who, err)) <= 0)
		return rc < 0 ? -1 : ayb_err_not_found(err, grantee, "entity");
	if (who.id == t->db.entity_id)
		rc = ayb_err_set(err, AYB_E_CANT_SET_OWNER, 403,
				 "%s owns %s, so their permissions can't be changed", who.slug, t->name);
	else if (!ayb_perm_can_manage(&t->caller, &t->db))
		rc = ayb_err_set(err, AYB_E_OTHER, 403,
				 "Authenticated entity %s can't set permissions for database %s",
				 a->entity.slug, t->name);
	else
		rc = ayb_store_grant_set(ctx->store, who.id, t->db.id, level, err);
	ayb_entity_free(&who);
	return rc;
}

void api_share(struct ayb_ctx *ctx, struct fcgi_request *req, struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_target t = { 0 };
	const char *h_level, *grantee;
	int level = -1;

	if (ayb_auth_required(ctx, req, &a, &err) < 0 || ayb_target_load(ctx, req, &a, &t, &err) < 0 ||
	    !(h_level = ayb_require_header(req, "sharing-level", &err)) ||
	    (level = ayb_parse_sharing_level(h_level, &err)) < 0 ||
	    !(grantee = ayb_require_header(req, "entity-for-permission", &err)) ||
	    ayb_action_share(ctx, &a, &t, grantee, level, &err) < 0)
		fcgi_response_error(resp, &err);
	else
		fcgi_response_status(resp, 204);
	ayb_target_free(&t);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}

void api_permissions(struct ayb_ctx *ctx, struct fcgi_request *req,
			    struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_target t = { 0 };
	struct ayb_grant *g = NULL;
	size_t n = 0;
	cJSON *o = NULL, *list;

	if (ayb_auth_required(ctx, req, &a, &err) < 0 || ayb_target_load(ctx, req, &a, &t, &err) < 0)
		goto fail;
	if (!ayb_perm_can_manage(&t.caller, &t.db)) {
		ayb_err_set(&err, AYB_E_OTHER, 403,
			    "Authenticated entity %s can't list permissions for database %s",
			    a.entity.slug, t.name);
		goto fail;
	}
	if (ayb_store_grant_list(ctx->store, t.db.id, &g, &n, &err) < 0)
		goto fail;
	if (!(o = cJSON_CreateObject()) || !(list = cJSON_AddArrayToObject(o, "permissions"))) {
		ayb_err_oom(&err);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddItemToArray(list, p);
		cJSON_AddStringToObject(p, "entity_slug", g[i].entity_slug ? g[i].entity_slug : "");
		cJSON_AddStringToObject(p, "sharing_level", ayb_sharing_level_name(g[i].sharing_level));
	}
	fcgi_response_json(resp, 200, o);
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	cJSON_Delete(o);
	ayb_grants_free(g, n);
	ayb_target_free(&t);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}
