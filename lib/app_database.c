/* Databases: creating one, querying it, its details and its public level
 * (README "API"). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "hosted.h"
#include "node.h"
#include "placement.h"
#include "slots.h"
#include "slug.h"
#include "worker.h"

/* The database's row and, on one node of several, its placement on this
 * node in the same transaction (README "Several machines"), then this
 * node's epoch marker: the database is served here from its first request. */
static int database_row(struct ayb_app_ctx *ctx, const struct ayb_entity *owner, const char *slug,
			int type, int level, struct ayb_database *db, struct ayb_err *err)
{
	const struct ayb_node_config *node = ctx->cfg->node;

	if (!node)
		return ayb_store_database_create(ctx->store, owner->id, slug, type, level, db, err);
	if (ayb_store_begin(ctx->store, err) < 0)
		return -1;
	if (ayb_store_database_create(ctx->store, owner->id, slug, type, level, db, err) < 0 ||
	    ayb_placement_create(ctx->store, db->id, node->name, 1, err) < 0 ||
	    ayb_store_commit(ctx->store, err) < 0) {
		ayb_store_rollback(ctx->store);
		ayb_database_free(db);
		return -1;
	}
	if (ayb_node_marker_write(ctx->cfg->data_path, owner->slug, slug, 1, err) < 0) {
		ayb_app_database_uninsert(ctx, db);
		ayb_database_free(db);
		return -1;
	}
	return 0;
}

int ayb_app_database_insert(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			    const char *entity_in, size_t elen, const char *db_slug, size_t dlen,
			    const char *db_type, const char *public_level, struct ayb_entity *owner,
			    struct ayb_database *db, struct ayb_err *err)
{
	struct ayb_caller who = ayb_app_perm_caller(a);
	char *entity = NULL;
	int level, type = AYB_DB_SQLITE, rc, ret = -1;

	memset(owner, 0, sizeof(*owner));
	memset(db, 0, sizeof(*db));
	if (ayb_slug_check(AYB_SLUG_DATABASE, db_slug, dlen, err) < 0)
		goto out;
	/* ayb does not lowercase the entity here (a mixed-case create fails while
	 * every other endpoint lowercases); ayb-c does, consistently. */
	if (!(entity = strdup(entity_in))) {
		ayb_err_oom(err);
		goto out;
	}
	ayb_slug_lower(entity);
	rc = strlen(entity) == elen ? ayb_store_entity_get(ctx->store, entity, owner, err) : 0;
	if (rc <= 0) {
		if (rc == 0)
			ayb_err_not_found(err, entity, "entity");
		goto out;
	}
	if (!db_type) {
		ayb_err_set(err, AYB_E_INVALID, "Missing required `db-type` header");
		goto out;
	}
	if (strcmp(db_type, "duckdb") == 0) {
		/* Only ayb-duckdb-worker links libduckdb (README "DuckDB
		 * databases"). */
#ifdef HAVE_DUCKDB
		if (!ctx->cfg->isolation.enabled) {
			ayb_err_set(err, AYB_E_INVALID,
				    "Database type duckdb needs query workers: this server has "
				    "isolation.enabled = false");
			goto out;
		}
		type = AYB_DB_DUCKDB;
#else
		ayb_err_set(err, AYB_E_INVALID,
			    "Database type duckdb is not supported by this server (only sqlite)");
		goto out;
#endif
	} else if (strcmp(db_type, "sqlite") != 0) {
		ayb_err_set(err, AYB_E_INVALID, "Unknown value: %s", db_type);
		goto out;
	}
	if (!public_level) {
		ayb_err_set(err, AYB_E_INVALID, "Missing required `public-sharing-level` header");
		goto out;
	}
	if ((level = ayb_app_public_level_parse(public_level, err)) < 0)
		goto out;
	if (!ayb_perm_can_create_database(&who, owner->id)) {
		ayb_err_set(err, AYB_E_FORBIDDEN,
			    "Authenticated entity %s can't create a database for entity %s",
			    a->entity.slug, entity);
		goto out;
	}
	if (database_row(ctx, owner, db_slug, type, level, db, err) < 0)
		goto out;
	ret = 0;
out:
	free(entity);
	if (ret < 0) {
		ayb_entity_free(owner);
		ayb_database_free(db);
	}
	return ret;
}

void ayb_app_database_uninsert(struct ayb_app_ctx *ctx, const struct ayb_database *db)
{
	struct ayb_err ignored = { 0 };

	ayb_store_database_delete(ctx->store, db->id, &ignored);
	ayb_err_clear(&ignored);
}

int ayb_app_database_create(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			    const char *entity, size_t elen, const char *db_slug, size_t dlen,
			    const char *db_type, const char *public_level, struct ayb_err *err)
{
	struct ayb_entity owner;
	struct ayb_database db;
	int ret = -1;

	if (ayb_app_database_insert(ctx, a, entity, elen, db_slug, dlen, db_type, public_level,
				    &owner, &db, err) < 0)
		return -1;
	/* Keep metadata and disk in step: no database row without its directory. */
	if (ayb_layout_create(ctx->cfg->data_path, owner.slug, db.slug, err) < 0)
		ayb_app_database_uninsert(ctx, &db);
	else
		ret = 0;
	ayb_entity_free(&owner);
	ayb_database_free(&db);
	return ret;
}

int ayb_app_query(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		  const struct ayb_app_target *t, const char *sql, size_t len,
		  struct ayb_row_sink *rows, struct ayb_err *err)
{
	struct ayb_query_req r;

	ayb_query_req_sql(&r, sql, len);
	return ayb_app_query_req(ctx, a, t, &r, rows, err);
}

int ayb_app_query_parse(struct ayb_app_ctx *ctx, const char *body, size_t len,
			struct ayb_query_req *r, struct ayb_err *err)
{
	const struct ayb_isolation_config *iso = &ctx->cfg->isolation;

	memset(r, 0, sizeof(*r));
	if (len > (size_t)iso->max_batch_kb * 1024)
		return ayb_err_set(err, AYB_E_TOO_LARGE,
				   "Query request too large: more than %lld KiB of JSON (the server's limit)",
				   (long long)iso->max_batch_kb);
	return ayb_query_req_parse(body, len, (size_t)iso->max_batch_statements, r, err);
}

int ayb_app_query_req(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		      const struct ayb_app_target *t, const struct ayb_query_req *r,
		      struct ayb_row_sink *rows, struct ayb_err *err)
{
	enum ayb_query_level level = ayb_perm_query_level(&t->caller, &t->db);
	struct ayb_slots slots;
	int ret;

	if (level == AYB_LEVEL_NONE)
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Authenticated entity %s can't query database %s",
				   a->authenticated ? a->entity.slug : "(anonymous)", t->name);
	/* One tenant cannot take every request thread (README "Isolation"). */
	if (ayb_slots_take(ctx->cfg->data_path, &ctx->cfg->isolation,
			   a->authenticated ? a->entity.slug : NULL, t->owner.slug, t->db.slug,
			   &slots, err) < 0)
		return -1;
	/* Tenant SQL runs in a sandboxed worker (README "Isolation"). */
	ret = ayb_worker_run(&ctx->cfg->isolation, ctx->cfg->data_path, t->owner.slug,
			     t->db.slug, t->db.db_type, r,
			     level == AYB_LEVEL_READ_WRITE ? AYB_QUERY_READ_WRITE
							   : AYB_QUERY_READ_ONLY,
			     rows, err);
	ayb_slots_release(&slots);
	return ret;
}

void ayb_app_database_rights(const struct ayb_app_target *t, struct ayb_app_database_rights *r)
{
	r->entity_level = ayb_perm_entity_query_level(&t->caller, &t->db);
	r->query_level = ayb_perm_query_level(&t->caller, &t->db);
	r->can_manage = ayb_perm_can_manage(&t->caller, &t->db);
}

int ayb_app_database_update(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			    const struct ayb_app_target *t, const char *public_level,
			    struct ayb_err *err)
{
	return ayb_app_database_update_meta(ctx, a, t, public_level, NULL, err);
}
