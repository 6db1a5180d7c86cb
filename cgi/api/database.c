/* Creating a database, querying it, its details and its public level
 * (README "API"). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
		goto out;
	if (!(entity = strdup(e->s)) || !(o = cJSON_CreateObject()) ||
	    api_json_add_string(o, "entity", ayb_slug_lower(entity)) < 0 ||
	    api_json_add_string(o, "database", d->s) < 0 ||
	    /* Created: the header named a type this server hosts. */
	    api_json_add_string(o, "database_type", fcgi_request_header(c->req, "db-type")) < 0)
		ayb_err_oom(&err);
out:
	api_answer(c, &err, 201, o);
	cJSON_Delete(o);
	free(entity);
}

/* application/json selects the JSON forms of a query (README "Parameters
 * and batches"); any other body is bare SQL, as in ayb. */
static int json_body(const struct fcgi_request *req)
{
	const char *ct = fcgi_request_header(req, "content-type");
	size_t n = strlen("application/json");

	return ct && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

void api_query(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_sink out = fcgi_response_stream(c->resp, 200);
	struct ayb_render_json json;
	struct ayb_query_req r;
	int rc = 0;

	if (json_body(c->req))
		rc = ayb_app_query_parse(c->app, c->req->body, c->req->body_len, &r, &err);
	else
		ayb_query_req_sql(&r, c->req->body, c->req->body_len);
	if (r.form == AYB_FORM_BATCH)
		ayb_render_json_init_batch(&json, &out);
	else
		ayb_render_json_init(&json, &out);
	if (rc == 0)
		rc = ayb_app_query_req(c->app, &c->caller, &c->target, &r, &json.rows, &err);
	if (rc == 0 && r.form == AYB_FORM_BATCH && ayb_render_json_batch_end(&json) < 0)
		rc = ayb_err_set(&err, AYB_E_INTERNAL, "The query result could not be delivered");
	if (rc < 0) {
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
	ayb_query_req_free(&r);
	ayb_err_clear(&err);
}

void api_database_details(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_app_database_rights r;
	const struct ayb_app_target *t = &c->target;
	const char *level;
	cJSON *o;

	ayb_app_database_rights(t, &r);
	/* Reported for the entity, whatever the token's scope or cap. */
	level = r.entity_level == AYB_LEVEL_NONE ? NULL
		: r.entity_level == AYB_LEVEL_READ_WRITE ? "ReadWrite" : "ReadOnly";
	if (!(o = cJSON_CreateObject()) ||
	    api_json_add_string(o, "entity_slug", t->owner.slug) < 0 ||
	    api_json_add_string(o, "database_slug", t->db.slug) < 0 ||
	    api_json_add_string(o, "database_type", t->db.db_type ? "duckdb" : "sqlite") < 0 ||
	    api_json_add_string(o, "highest_query_access_level", level) < 0 ||
	    !cJSON_AddBoolToObject(o, "can_manage_database", r.can_manage) ||
	    api_json_add_string(o, "public_sharing_level",
				ayb_app_public_level_name(t->db.public_sharing_level)) < 0)
		ayb_err_oom(&err);
	api_answer(c, &err, 200, o);
	cJSON_Delete(o);
}

/* ayb's update takes the public level as a header; ayb-c's description
 * (README "Explore") comes as a JSON body's field, {"description": ...},
 * null or "" clearing it. */
void api_database_update(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_field_update d = { 0 };
	cJSON *body = NULL, *v;

	if (c->req->body_len) {
		body = cJSON_ParseWithLength(c->req->body, c->req->body_len);
		v = cJSON_GetObjectItemCaseSensitive(body, "description");
		if (!cJSON_IsObject(body) || (v && !cJSON_IsString(v) && !cJSON_IsNull(v))) {
			ayb_err_set(&err, AYB_E_INVALID,
				    "Invalid update: a JSON object whose description is a string or null");
			goto out;
		}
		d.present = v != NULL;
		d.value = cJSON_IsString(v) ? v->valuestring : NULL;
	}
	ayb_app_database_update_meta(c->app, &c->caller, &c->target,
				     fcgi_request_header(c->req, "public-sharing-level"), &d, &err);
out:
	api_answer(c, &err, 200, NULL);
	cJSON_Delete(body);
}
