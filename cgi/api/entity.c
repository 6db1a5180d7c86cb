/* An entity's page: profile, visible databases, and profile updates. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "profile.h"
#include "slug.h"

/* Loads the entity named by path segment 2, lowercased. */
static int load_entity(struct ayb_ctx *ctx, const struct fcgi_request *req, struct ayb_entity *e,
		       struct ayb_err *err)
{
	char *slug = strdup(req->seg[2].s);
	int rc;

	if (!slug)
		return ayb_err_oom(err);
	ayb_slug_lower(slug);
	rc = strlen(slug) == req->seg[2].len ? ayb_store_entity_get(ctx->store, slug, e, err) : 0;
	if (rc == 0)
		ayb_err_not_found(err, slug, "entity");
	free(slug);
	return rc > 0 ? 0 : -1;
}

static cJSON *profile_json(const struct ayb_entity *e)
{
	cJSON *p = cJSON_CreateObject();
	cJSON *links = e->links ? cJSON_Parse(e->links) : NULL;

	if (!p)
		return NULL;
	cJSON_AddItemToObject(p, "display_name", fcgi_json_string_or_null(e->display_name));
	cJSON_AddItemToObject(p, "description", fcgi_json_string_or_null(e->description));
	cJSON_AddItemToObject(p, "organization", fcgi_json_string_or_null(e->organization));
	cJSON_AddItemToObject(p, "location", fcgi_json_string_or_null(e->location));
	cJSON_AddItemToObject(p, "links", cJSON_IsArray(links) ? links : cJSON_CreateArray());
	if (links && !cJSON_IsArray(links))
		cJSON_Delete(links);
	return p;
}

int ayb_entity_visible_databases(struct ayb_ctx *ctx, const struct ayb_auth *a, int64_t entity_id,
				 struct ayb_database **out, size_t *n, struct ayb_err *err)
{
	struct ayb_database *dbs = NULL;
	size_t ndbs = 0, kept = 0;

	*out = NULL;
	*n = 0;
	if (ayb_store_database_list(ctx->store, entity_id, &dbs, &ndbs, err) < 0)
		return -1;
	for (size_t i = 0; i < ndbs; i++) {
		struct ayb_caller c = { a->entity.id, -1, a->token.database_id,
					a->token.query_permission_level };
		if (a->authenticated &&
		    ayb_store_grant_get(ctx->store, a->entity.id, dbs[i].id, &c.grant, err) < 0) {
			ayb_databases_free(dbs, ndbs);
			return -1;
		}
		if (ayb_perm_can_discover(&c, &dbs[i]))
			dbs[kept++] = dbs[i];
		else
			ayb_database_free(&dbs[i]);
	}
	*out = dbs;
	*n = kept;
	return 0;
}

void api_entity_details(struct ayb_ctx *ctx, struct fcgi_request *req,
			       struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_entity e = { 0 };
	struct ayb_database *dbs = NULL;
	size_t ndbs = 0;
	cJSON *o = NULL, *list, *perms;

	if (ayb_auth_optional(ctx, req, &a, &err) < 0 || load_entity(ctx, req, &e, &err) < 0 ||
	    ayb_entity_visible_databases(ctx, &a, e.id, &dbs, &ndbs, &err) < 0)
		goto fail;
	if (!(o = cJSON_CreateObject()) || !(list = cJSON_CreateArray()) ||
	    !(perms = cJSON_CreateObject())) {
		cJSON_Delete(o);
		o = NULL;
		ayb_err_oom(&err);
		goto fail;
	}
	cJSON_AddStringToObject(o, "slug", e.slug);
	cJSON_AddItemToObject(o, "profile", profile_json(&e));
	cJSON_AddItemToObject(o, "databases", list);
	cJSON_AddItemToObject(o, "permissions", perms);
	for (size_t i = 0; i < ndbs; i++) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddItemToArray(list, d);
		cJSON_AddStringToObject(d, "slug", dbs[i].slug);
		cJSON_AddStringToObject(d, "database_type", dbs[i].db_type ? "duckdb" : "sqlite");
	}
	cJSON_AddBoolToObject(perms, "can_create_database",
			      a.authenticated && a.entity.id == e.id && !a.token.database_id);
	fcgi_response_json(resp, 200, o);
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	cJSON_Delete(o);
	ayb_databases_free(dbs, ndbs);
	ayb_entity_free(&e);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}

/* Reads one profile key: absent, null, or a string within max characters
 * (max 0: no limit). */
static int field(const cJSON *body, const char *key, size_t max, struct ayb_field_update *f,
		 struct ayb_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);

	if (!v)
		return 0;
	if (!cJSON_IsNull(v) && !cJSON_IsString(v))
		return ayb_err_set(err, AYB_E_OTHER, 400, "`%s` must be a string or null", key);
	f->present = 1;
	f->value = cJSON_IsString(v) ? v->valuestring : NULL;
	if (f->value && max)
		return ayb_profile_check_length(key, f->value, max, err);
	return 0;
}

int ayb_check_profile_owner(const struct ayb_auth *a, const char *slug, size_t len,
			    struct ayb_err *err)
{
	if (strlen(slug) != len || strcmp(slug, a->entity.slug) != 0 || a->token.database_id)
		return ayb_err_set(err, AYB_E_OTHER, 403,
				   "Authenticated entity %s can't update the profile of entity %s",
				   a->entity.slug, slug);
	return 0;
}

/* Checks one field of an update against its column width. */
static int check_length(const struct ayb_field_update *f, const char *name, size_t max,
			struct ayb_err *err)
{
	return f->present && f->value ? ayb_profile_check_length(name, f->value, max, err) : 0;
}

int ayb_action_update_profile(struct ayb_ctx *ctx, const struct ayb_auth *a,
			      struct ayb_profile_update *u, struct ayb_err *err)
{
	const char *given_links = u->links.value;
	char *links = NULL;
	int rc;

	if (check_length(&u->display_name, "display_name", AYB_PROFILE_DISPLAY_NAME_MAX, err) < 0 ||
	    check_length(&u->description, "description", AYB_PROFILE_DESCRIPTION_MAX, err) < 0 ||
	    check_length(&u->organization, "organization", AYB_PROFILE_ORGANIZATION_MAX, err) < 0 ||
	    check_length(&u->location, "location", AYB_PROFILE_LOCATION_MAX, err) < 0)
		return -1;
	if (!u->display_name.present && !u->description.present && !u->organization.present &&
	    !u->location.present && !u->links.present)
		return ayb_err_set(err, AYB_E_EMPTY_UPDATE, 400,
				   "No fields provided to update. Please specify at least one field to update.");
	if (given_links &&
	    ayb_profile_links(given_links, ctx->cfg->public_url, a->entity.slug, &links, err) < 0)
		return -1;
	if (given_links)
		u->links.value = links;
	rc = ayb_store_entity_update_profile(ctx->store, a->entity.id, u, err);
	u->links.value = given_links;
	free(links);
	return rc;
}

void api_entity_update(struct ayb_ctx *ctx, struct fcgi_request *req,
			      struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_profile_update u;
	const char *ct;
	char *slug = NULL;
	cJSON *body = NULL;

	memset(&u, 0, sizeof(u));
	if (ayb_auth_required(ctx, req, &a, &err) < 0)
		goto fail;
	if (!(slug = strdup(req->seg[2].s))) {
		ayb_err_oom(&err);
		goto fail;
	}
	ayb_slug_lower(slug);
	if (ayb_check_profile_owner(&a, slug, req->seg[2].len, &err) < 0)
		goto fail;
	ct = fcgi_request_header(req, "content-type");
	if (!ct || strncmp(ct, "application/json", 16) != 0) {
		ayb_err_set(&err, AYB_E_OTHER, 400,
			    "Content type error: the body must be sent as application/json");
		goto fail;
	}
	body = cJSON_ParseWithLength(req->body, req->body_len);
	if (!cJSON_IsObject(body)) {
		ayb_err_set(&err, AYB_E_OTHER, 400, "Json deserialize error: expected a JSON object");
		goto fail;
	}
	if (field(body, "display_name", AYB_PROFILE_DISPLAY_NAME_MAX, &u.display_name, &err) < 0 ||
	    field(body, "description", AYB_PROFILE_DESCRIPTION_MAX, &u.description, &err) < 0 ||
	    field(body, "organization", AYB_PROFILE_ORGANIZATION_MAX, &u.organization, &err) < 0 ||
	    field(body, "location", AYB_PROFILE_LOCATION_MAX, &u.location, &err) < 0 ||
	    field(body, "links", 0, &u.links, &err) < 0)
		goto fail;
	if (ayb_action_update_profile(ctx, &a, &u, &err) < 0)
		goto fail;
	fcgi_response_empty_json(resp, 200);
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	cJSON_Delete(body);
	free(slug);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}
