/* Creating a database, querying it, its details and its public level
 * (README "API"). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "render.h"
#include "slug.h"

void api_create_database(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	const struct fcgi_segment *e = &c->req->seg[1], *d = &c->req->seg[2];
	char *entity = NULL;
	cJSON *o = NULL;

	if (ayb_app_database_create(c->app, &c->caller, e->s, e->len, d->s, d->len,
				    fcgi_request_header(c->req, "db-type"),
				    fcgi_request_header(c->req, "public-sharing-level"), &err) < 0)
		goto fail;
	if (!(entity = strdup(e->s))) {
		ayb_err_oom(&err);
		goto fail;
	}
	ayb_slug_lower(entity);
	if (!(o = cJSON_CreateObject()) || !cJSON_AddStringToObject(o, "entity", entity) ||
	    !cJSON_AddStringToObject(o, "database", d->s) ||
	    !cJSON_AddStringToObject(o, "database_type", "sqlite")) {
		ayb_err_oom(&err);
		goto fail;
	}
	fcgi_response_json(c->resp, 201, o);
	goto out;
fail:
	fcgi_response_error(c->resp, &err);
out:
	cJSON_Delete(o);
	free(entity);
	ayb_err_clear(&err);
}

void api_query(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_sink out = fcgi_response_stream(c->resp, 200);
	struct ayb_render_json json;

	ayb_render_json_init(&json, &out);
	if (ayb_app_query(c->app, &c->caller, &c->target, c->req->body, c->req->body_len,
			  &json.rows, &err) < 0) {
		/* Once the status line is out nothing can be said any more: the
		 * client sees a truncated document and the process logs why. */
		if (fcgi_response_committed(c->resp)) {
			fcgi_response_abort(c->resp, &err);
		} else {
			fcgi_response_discard(c->resp);
			fcgi_response_error(c->resp, &err);
		}
	}
	ayb_render_json_free(&json);
	ayb_err_clear(&err);
}

void api_database_details(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_app_database_rights r;
	const struct ayb_app_target *t = &c->target;
	cJSON *o;

	ayb_app_database_rights(t, &r);
	if (!(o = cJSON_CreateObject())) {
		ayb_err_oom(&err);
		fcgi_response_error(c->resp, &err);
		ayb_err_clear(&err);
		return;
	}
	cJSON_AddStringToObject(o, "entity_slug", t->owner.slug);
	cJSON_AddStringToObject(o, "database_slug", t->db.slug);
	cJSON_AddStringToObject(o, "database_type", t->db.db_type ? "duckdb" : "sqlite");
	/* Reported for the entity, whatever the token's scope or cap. */
	if (r.entity_level == AYB_LEVEL_NONE)
		cJSON_AddNullToObject(o, "highest_query_access_level");
	else
		cJSON_AddStringToObject(o, "highest_query_access_level",
					r.entity_level == AYB_LEVEL_READ_WRITE ? "ReadWrite"
									       : "ReadOnly");
	cJSON_AddBoolToObject(o, "can_manage_database", r.can_manage);
	cJSON_AddStringToObject(o, "public_sharing_level",
				ayb_app_public_level_name(t->db.public_sharing_level));
	fcgi_response_json(c->resp, 200, o);
	cJSON_Delete(o);
}

void api_database_update(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };

	if (ayb_app_database_update(c->app, &c->caller, &c->target,
				    fcgi_request_header(c->req, "public-sharing-level"), &err) < 0)
		fcgi_response_error(c->resp, &err);
	else
		fcgi_response_empty_json(c->resp, 200);
	ayb_err_clear(&err);
}
