/* Creating a database and querying it (spec/API.md §3). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "hosted.h"
#include "slug.h"
#include "worker.h"

int ayb_action_create_database(struct ayb_ctx *ctx, const struct ayb_auth *a,
			       const struct fcgi_segment *seg_entity, const struct fcgi_segment *seg_db,
			       const char *db_type, const char *public_level, struct ayb_err *err)
{
	struct ayb_entity owner = { 0 };
	struct ayb_database db = { 0 };
	char *entity = NULL;
	int level, rc, ret = -1;

	if (ayb_slug_check(AYB_SLUG_DATABASE, seg_db->s, seg_db->len, err) < 0)
		goto out;
	/* ayb does not lowercase the entity here (a mixed-case create fails while
	 * every other endpoint lowercases); ayb-c does, consistently. */
	if (!(entity = strdup(seg_entity->s))) {
		ayb_err_oom(err);
		goto out;
	}
	ayb_slug_lower(entity);
	rc = strlen(entity) == seg_entity->len ? ayb_store_entity_get(ctx->store, entity, &owner, err) : 0;
	if (rc <= 0) {
		if (rc == 0)
			ayb_err_not_found(err, entity, "entity");
		goto out;
	}
	if (!db_type) {
		ayb_err_set(err, AYB_E_OTHER, 400, "Missing required `db-type` header");
		goto out;
	}
	if (strcmp(db_type, "duckdb") == 0) {
		ayb_err_set(err, AYB_E_OTHER, 400,
			    "Database type duckdb is not supported by this server (only sqlite)");
		goto out;
	}
	if (strcmp(db_type, "sqlite") != 0) {
		ayb_err_set(err, AYB_E_OTHER, 400, "Unknown value: %s", db_type);
		goto out;
	}
	if (!public_level) {
		ayb_err_set(err, AYB_E_OTHER, 400, "Missing required `public-sharing-level` header");
		goto out;
	}
	if ((level = ayb_parse_public_level(public_level, err)) < 0)
		goto out;
	/* A scoped token only queries; it never creates. */
	if (a->entity.id != owner.id || a->token.database_id) {
		ayb_err_set(err, AYB_E_OTHER, 403,
			    "Authenticated entity %s can't create a database for entity %s",
			    a->entity.slug, entity);
		goto out;
	}
	if (ayb_store_database_create(ctx->store, owner.id, seg_db->s, AYB_DB_SQLITE, level, &db,
				      err) < 0)
		goto out;
	if (ayb_hosted_create(ctx->cfg->data_path, owner.slug, db.slug, err) < 0) {
		/* Keep metadata and disk in step: no database row without its directory. */
		struct ayb_err ignored = { 0 };
		ayb_store_database_delete(ctx->store, db.id, &ignored);
		ayb_err_clear(&ignored);
		goto out;
	}
	ret = 0;
out:
	free(entity);
	ayb_entity_free(&owner);
	ayb_database_free(&db);
	return ret;
}

void api_create_database(struct ayb_ctx *ctx, struct fcgi_request *req,
				struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	char *entity = NULL;
	cJSON *o = NULL;

	if (ayb_auth_required(ctx, req, &a, &err) < 0 ||
	    ayb_action_create_database(ctx, &a, &req->seg[1], &req->seg[2],
				       fcgi_request_header(req, "db-type"),
				       fcgi_request_header(req, "public-sharing-level"), &err) < 0)
		goto fail;
	if (!(entity = strdup(req->seg[1].s))) {
		ayb_err_oom(&err);
		goto fail;
	}
	ayb_slug_lower(entity);
	if (!(o = cJSON_CreateObject()) || !cJSON_AddStringToObject(o, "entity", entity) ||
	    !cJSON_AddStringToObject(o, "database", req->seg[2].s) ||
	    !cJSON_AddStringToObject(o, "database_type", "sqlite")) {
		ayb_err_oom(&err);
		goto fail;
	}
	fcgi_response_json(resp, 201, o);
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	cJSON_Delete(o);
	free(entity);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}

int ayb_action_query(struct ayb_ctx *ctx, const struct ayb_auth *a, const struct ayb_target *t,
		     const char *sql, size_t len, struct ayb_sink *out, struct ayb_err *err)
{
	enum ayb_query_level level = ayb_perm_query_level(&t->caller, &t->db);

	if (level == AYB_LEVEL_NONE)
		return ayb_err_set(err, AYB_E_OTHER, 403,
				   "Authenticated entity %s can't query database %s",
				   a->authenticated ? a->entity.slug : "(anonymous)", t->name);
	/* Tenant SQL runs in a sandboxed worker (README "Isolation"). */
	return ayb_worker_query(&ctx->cfg->isolation, ctx->cfg->data_path, t->owner.slug,
				t->db.slug, sql, len,
				level == AYB_LEVEL_READ_WRITE ? AYB_QUERY_READ_WRITE
							      : AYB_QUERY_READ_ONLY,
				out, err);
}

void api_query(struct ayb_ctx *ctx, struct fcgi_request *req, struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	struct ayb_auth a;
	struct ayb_target t = { 0 };
	struct ayb_sink out;

	if (ayb_auth_required(ctx, req, &a, &err) < 0 || ayb_target_load(ctx, req, &a, &t, &err) < 0)
		goto fail;
	out = fcgi_response_stream(resp, 200);
	if (ayb_action_query(ctx, &a, &t, req->body, req->body_len, &out, &err) < 0) {
		/* Once the status line is out nothing can be said any more: the
		 * client sees a truncated document and the process logs why. */
		if (fcgi_response_committed(resp)) {
			fcgi_response_abort(resp, &err);
			goto out;
		}
		fcgi_response_discard(resp);
		goto fail;
	}
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	ayb_target_free(&t);
	ayb_auth_free(&a);
	ayb_err_clear(&err);
}
