/* Forking a database (README "The HTTP API"): a new database of the
 * caller's that starts as a copy of one it may fork. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db_copy.h"
#include "fs.h"
#include "layout.h"
#include "slots.h"
#include "swap_in.h"

/* Fills the fork's first version directory with a copy of the source (or
 * leaves it empty when the source was never written) and makes it
 * current.  The version directory is removed on failure. */
static int fork_files(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		      const struct ayb_app_target *t, const struct ayb_entity *owner,
		      const struct ayb_database *db, struct ayb_err *err)
{
	struct ayb_layout_file dst = { 0 };
	struct ayb_slots slots;
	int ret = -1;

	/* A copy costs what a long query costs: it takes the same slots. */
	if (ayb_slots_take(ctx->cfg->data_path, &ctx->cfg->isolation, a->entity.slug,
			   t->owner.slug, t->db.slug, &slots, err) < 0)
		return -1;
	if (ayb_layout_new_version(ctx->cfg->data_path, owner->slug, db->slug, &dst.dir, err) < 0)
		goto out;
	if (!(dst.path = ayb_layout_version_file(dst.dir, db->slug, err)) ||
	    ayb_db_copy(ctx->cfg, t->owner.slug, t->db.slug, &dst, "Fork", err) < 0 ||
	    ayb_swap_in(ctx->cfg, owner->slug, db->slug, dst.dir, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0 && dst.dir)
		ayb_fs_remove_tree(dst.dir);
	ayb_layout_file_free(&dst);
	ayb_slots_release(&slots);
	return ret;
}

int ayb_app_fork(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		 const struct ayb_app_target *t, const char *fork_to, struct ayb_entity *owner,
		 struct ayb_database *db, struct ayb_err *err)
{
	const char *slash;
	char *entity;
	int ret = -1;

	memset(owner, 0, sizeof(*owner));
	memset(db, 0, sizeof(*db));
	if (!ayb_perm_can_fork(&t->caller, &t->db))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Authenticated entity %s can't fork database %s",
				   a->authenticated ? a->entity.slug : "(anonymous)", t->name);
	if (!fork_to)
		return ayb_err_set(err, AYB_E_INVALID, "Missing required `fork-to` header");
	slash = strchr(fork_to, '/');
	if (!slash || slash == fork_to || strchr(slash + 1, '/'))
		return ayb_err_set(err, AYB_E_INVALID,
				   "Invalid `fork-to` header: expected <entity>/<database>");
	/* The new database's row first: it claims the name (409 when taken)
	 * before any file is made, and no other request can reach the fork
	 * before its copy is current. */
	if (!(entity = strndup(fork_to, (size_t)(slash - fork_to))))
		return ayb_err_oom(err);
	/* The fork is of the source's kind. */
	if (ayb_app_database_insert(ctx, a, entity, strlen(entity), slash + 1, strlen(slash + 1),
				    t->db.db_type == AYB_DB_DUCKDB ? "duckdb" : "sqlite",
				    "no-access", owner, db, err) < 0)
		goto out;
	if (fork_files(ctx, a, t, owner, db, err) < 0) {
		ayb_app_database_uninsert(ctx, db);
		ayb_entity_free(owner);
		ayb_database_free(db);
		goto out;
	}
	ret = 0;
out:
	free(entity);
	return ret;
}
