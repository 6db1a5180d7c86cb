/* An entity's details and profile updates (README "API"). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "slug.h"

/* Adds to o the entity's profile object; links that are stored but are not
 * a JSON array read as an empty one.  0, or -1 when out of memory. */
static int add_profile(cJSON *o, const struct ayb_entity *e)
{
	cJSON *p = cJSON_AddObjectToObject(o, "profile");
	cJSON *links = e->links ? cJSON_Parse(e->links) : NULL;

	if (links && !cJSON_IsArray(links)) {
		cJSON_Delete(links);
		links = NULL;
	}
	if (!links)
		links = cJSON_CreateArray();
	if (!p || !links || api_json_add_string(p, "display_name", e->display_name) < 0 ||
	    api_json_add_string(p, "description", e->description) < 0 ||
	    api_json_add_string(p, "organization", e->organization) < 0 ||
	    api_json_add_string(p, "location", e->location) < 0 ||
	    !cJSON_AddItemToObject(p, "links", links)) {
		cJSON_Delete(links);
		return -1;
	}
	return 0;
}

static int database_json(cJSON *o, const void *row)
{
	const struct ayb_database *d = row;

	const char *type = d->db_type ? "duckdb" : "sqlite";

	return api_json_add_string(o, "slug", d->slug) < 0 ||
	       api_json_add_string(o, "database_type", type) < 0 ? -1 : 0;
}

/* The entity's slug, profile, databases (those the caller may see) and
 * whether the caller may create one there.  The caller frees the object
 * with cJSON_Delete; NULL with err = out of memory. */
static cJSON *entity_json(const struct fcgi_call *c, const struct ayb_entity *e,
			  const struct ayb_database *dbs, size_t ndbs, struct ayb_err *err)
{
	cJSON *o = cJSON_CreateObject(), *perms;

	if (!o || api_json_add_string(o, "slug", e->slug) < 0 || add_profile(o, e) < 0 ||
	    api_json_add_rows(o, "databases", dbs, ndbs, sizeof(*dbs), database_json, err) < 0 ||
	    !(perms = cJSON_AddObjectToObject(o, "permissions")) ||
	    !cJSON_AddBoolToObject(perms, "can_create_database",
				   ayb_app_can_create_database(&c->caller, e))) {
		cJSON_Delete(o);
		ayb_err_oom(err);
		return NULL;
	}
	return o;
}

void api_entity_details(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_entity e = { 0 };
	struct ayb_database *dbs = NULL;
	size_t ndbs = 0;
	cJSON *o = NULL;

	if (ayb_app_entity_get(c->app, c->req->seg[2].s, c->req->seg[2].len, &e, &err) == 0 &&
	    ayb_app_entity_databases(c->app, &c->caller, e.id, &dbs, &ndbs, &err) == 0)
		o = entity_json(c, &e, dbs, ndbs, &err);
	api_answer(c, &err, 200, o);
	cJSON_Delete(o);
	ayb_databases_free(dbs, ndbs);
	ayb_entity_free(&e);
}

/* Reads one profile key: absent, null, or a string (whose text
 * ayb_app_profile_update checks). */
static int field(const cJSON *body, const char *key, struct ayb_field_update *f,
		 struct ayb_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);

	if (!v)
		return 0;
	if (!cJSON_IsNull(v) && !cJSON_IsString(v))
		return ayb_err_set(err, AYB_E_INVALID, "`%s` must be a string or null", key);
	f->present = 1;
	f->value = cJSON_IsString(v) ? v->valuestring : NULL;
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
		goto out;
	}
	ayb_slug_lower(slug);
	if (ayb_app_profile_owner_check(&c->caller, slug, req->seg[2].len, &err) < 0)
		goto out;
	ct = fcgi_request_header(req, "content-type");
	if (!ct || strncmp(ct, "application/json", 16) != 0) {
		ayb_err_set(&err, AYB_E_INVALID,
			    "Content type error: the body must be sent as application/json");
		goto out;
	}
	body = cJSON_ParseWithLength(req->body, req->body_len);
	if (!cJSON_IsObject(body)) {
		ayb_err_set(&err, AYB_E_INVALID, "Json deserialize error: expected a JSON object");
		goto out;
	}
	if (field(body, "display_name", &u.display_name, &err) < 0 ||
	    field(body, "description", &u.description, &err) < 0 ||
	    field(body, "organization", &u.organization, &err) < 0 ||
	    field(body, "location", &u.location, &err) < 0 ||
	    field(body, "links", &u.links, &err) < 0)
		goto out;
	ayb_app_profile_update(c->app, &c->caller, &u, &err);
out:
	api_answer(c, &err, 200, NULL);
	cJSON_Delete(body);
	free(slug);
}
