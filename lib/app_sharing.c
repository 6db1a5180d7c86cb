/* Sharing a database: level names, grants and the list of grants (README
 * "Permissions"). */
#include "autoconfig.h"

#include <string.h>

#include "app.h"

static const char *const public_levels[] = { "no-access", "fork", "read-only" };
static const char *const sharing_levels[] = { "no-access", "read-only", "read-write", "manager" };

static int parse_level(const char *value, const char *const *names, int n, struct ayb_err *err)
{
	for (int i = 0; i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return i;
	return ayb_err_set(err, AYB_E_INVALID, "Unknown value: %s", value);
}

int ayb_app_public_level_parse(const char *value, struct ayb_err *err)
{
	return parse_level(value, public_levels, 3, err);
}

int ayb_app_sharing_level_parse(const char *value, struct ayb_err *err)
{
	return parse_level(value, sharing_levels, 4, err);
}

const char *ayb_app_public_level_name(int level)
{
	return level >= 0 && level < 3 ? public_levels[level] : "no-access";
}

const char *ayb_app_sharing_level_name(int level)
{
	return level >= 0 && level < 4 ? sharing_levels[level] : "no-access";
}

int ayb_app_share(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
		  const struct ayb_app_target *t, const char *grantee, int level,
		  struct ayb_err *err)
{
	struct ayb_entity who = { 0 };
	int rc;

	/* The grantee is used as given (ayb does not lowercase it). */
	if ((rc = ayb_store_entity_get(ctx->store, grantee, &who, err)) <= 0)
		return rc < 0 ? -1 : ayb_err_not_found(err, grantee, "entity");
	if (who.id == t->db.entity_id)
		rc = ayb_err_set(err, AYB_E_CANT_SET_OWNER,
				 "%s owns %s, so their permissions can't be changed",
				 who.slug, t->name);
	else if (!ayb_perm_can_manage(&t->caller, &t->db))
		rc = ayb_err_set(err, AYB_E_FORBIDDEN,
				 "Authenticated entity %s can't set permissions for database %s",
				 a->entity.slug, t->name);
	else
		rc = ayb_store_grant_set(ctx->store, who.id, t->db.id, level, err);
	ayb_entity_free(&who);
	return rc;
}

int ayb_app_permissions(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			const struct ayb_app_target *t, struct ayb_grant **out, size_t *n,
			struct ayb_err *err)
{
	*out = NULL;
	*n = 0;
	if (!ayb_perm_can_manage(&t->caller, &t->db))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Authenticated entity %s can't list permissions for database %s",
				   a->entity.slug, t->name);
	return ayb_store_grant_list(ctx->store, t->db.id, out, n, err);
}
