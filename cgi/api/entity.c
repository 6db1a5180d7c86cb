/* An entity's details and profile updates (README "API"). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "profile.h"
#include "slug.h"

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

void api_entity_details(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_entity e = { 0 };
	struct ayb_database *dbs = NULL;
	size_t ndbs = 0;
	cJSON *o = NULL, *list, *perms;

	if (ayb_app_entity_get(c->app, c->req->seg[2].s, c->req->seg[2].len, &e, &err) < 0 ||
	    ayb_app_entity_databases(c->app, &c->caller, e.id, &dbs, &ndbs, &err) < 0)
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
			      ayb_app_can_create_database(&c->caller, &e));
	fcgi_response_json(c->resp, 200, o);
	goto out;
fail:
	fcgi_response_error(c->resp, &err);
out:
	cJSON_Delete(o);
	ayb_databases_free(dbs, ndbs);
	ayb_entity_free(&e);
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
		return ayb_err_set(err, AYB_E_INVALID, "`%s` must be a string or null", key);
	f->present = 1;
	f->value = cJSON_IsString(v) ? v->valuestring : NULL;
	if (f->value && max)
		return ayb_profile_check_length(key, f->value, max, err);
	return 0;
}

void api_entity_update(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_profile_update u;
	const struct fcgi_request *req = c->req;
	const char *ct;
	char *slug = NULL;
	cJSON *body = NULL;

	memset(&u, 0, sizeof(u));
	if (!(slug = strdup(req->seg[2].s))) {
		ayb_err_oom(&err);
		goto fail;
	}
	ayb_slug_lower(slug);
	if (ayb_app_profile_owner_check(&c->caller, slug, req->seg[2].len, &err) < 0)
		goto fail;
	ct = fcgi_request_header(req, "content-type");
	if (!ct || strncmp(ct, "application/json", 16) != 0) {
		ayb_err_set(&err, AYB_E_INVALID,
			    "Content type error: the body must be sent as application/json");
		goto fail;
	}
	body = cJSON_ParseWithLength(req->body, req->body_len);
	if (!cJSON_IsObject(body)) {
		ayb_err_set(&err, AYB_E_INVALID, "Json deserialize error: expected a JSON object");
		goto fail;
	}
	if (field(body, "display_name", AYB_PROFILE_DISPLAY_NAME_MAX, &u.display_name, &err) < 0 ||
	    field(body, "description", AYB_PROFILE_DESCRIPTION_MAX, &u.description, &err) < 0 ||
	    field(body, "organization", AYB_PROFILE_ORGANIZATION_MAX, &u.organization, &err) < 0 ||
	    field(body, "location", AYB_PROFILE_LOCATION_MAX, &u.location, &err) < 0 ||
	    field(body, "links", 0, &u.links, &err) < 0)
		goto fail;
	if (ayb_app_profile_update(c->app, &c->caller, &u, &err) < 0)
		goto fail;
	fcgi_response_empty_json(c->resp, 200);
	goto out;
fail:
	fcgi_response_error(c->resp, &err);
out:
	cJSON_Delete(body);
	free(slug);
	ayb_err_clear(&err);
}
