/* Forking a database (README "The HTTP API"). */
#include "autoconfig.h"

#include <stdlib.h>

#include "api.h"

/* 201 {entity, database, database_type, forked_from}: create's answer,
 * and the source as "<entity>/<database>". */
void api_fork(struct fcgi_call *c)
{
	struct ayb_err err = { 0 };
	struct ayb_entity owner;
	struct ayb_database db;
	cJSON *o = NULL;

	if (ayb_app_fork(c->app, &c->caller, &c->target, fcgi_request_header(c->req, "fork-to"),
			 &owner, &db, &err) < 0)
		goto out;
	if (!(o = cJSON_CreateObject()) || api_json_add_string(o, "entity", owner.slug) < 0 ||
	    api_json_add_string(o, "database", db.slug) < 0 ||
	    api_json_add_string(o, "database_type", db.db_type ? "duckdb" : "sqlite") < 0 ||
	    api_json_add_string(o, "forked_from", c->target.name) < 0)
		ayb_err_oom(&err);
	ayb_entity_free(&owner);
	ayb_database_free(&db);
out:
	api_answer(c, &err, 201, o);
	cJSON_Delete(o);
}
