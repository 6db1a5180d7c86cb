/* Entities: looking one up, the databases a caller may see on its page, and
 * updating one's own profile (README "API"). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "link_check.h"
#include "profile.h"
#include "slug.h"

int ayb_app_entity_get(struct ayb_app_ctx *ctx, const char *name, size_t len,
		       struct ayb_entity *e, struct ayb_err *err)
{
	char *slug = strdup(name);
	int rc;

	if (!slug)
		return ayb_err_oom(err);
	ayb_slug_lower(slug);
	rc = strlen(slug) == len ? ayb_store_entity_get(ctx->store, slug, e, err) : 0;
	if (rc == 0)
		ayb_err_not_found(err, slug, "entity");
	free(slug);
	return rc > 0 ? 0 : -1;
}

int ayb_app_entity_databases(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			     int64_t entity_id, struct ayb_database **out, size_t *n,
			     struct ayb_err *err)
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

int ayb_app_can_create_database(const struct ayb_app_caller *a, const struct ayb_entity *e)
{
	struct ayb_caller c = ayb_app_perm_caller(a);

	return ayb_perm_can_create_database(&c, e->id);
}

int ayb_app_is_profile_owner(const struct ayb_app_caller *a, const struct ayb_entity *e)
{
	struct ayb_caller c = ayb_app_perm_caller(a);

	return ayb_perm_is_profile_owner(&c, e->id);
}

/* The entity is named, not looked up: a name that is not the caller's is
 * another entity (or none), refused alike. */
int ayb_app_profile_owner_check(const struct ayb_app_caller *a, const char *slug, size_t len,
				struct ayb_err *err)
{
	struct ayb_caller c = ayb_app_perm_caller(a);
	int same = a->authenticated && strlen(slug) == len && strcmp(slug, a->entity.slug) == 0;

	if (!ayb_perm_is_profile_owner(&c, same ? a->entity.id : 0))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "Authenticated entity %s can't update the profile of entity %s",
				   a->entity.slug, slug);
	return 0;
}

/* Checks one field of an update: valid UTF-8 and within its column width
 * (max 0: the links, which have none). */
static int check_text(const struct ayb_field_update *f, const char *name, size_t max,
		      struct ayb_err *err)
{
	return f->present && f->value ? ayb_profile_check_text(name, f->value, max, err) : 0;
}

/* Starts the check of the links just stored.  The update has succeeded
 * whatever happens here: a checker that cannot start leaves the links
 * unverified, and says why in the error log. */
static void start_link_check(struct ayb_app_ctx *ctx, const char *entity)
{
	struct ayb_err err = { 0 };

	if (ayb_link_check_start(ctx->cfg, entity, &err) < 0)
		fprintf(stderr, "ayb-api: the profile links of %s stay unverified: %s\n", entity,
			err.message ? err.message : "the link checker did not start");
	ayb_err_clear(&err);
}

int ayb_app_profile_update(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			   struct ayb_profile_update *u, struct ayb_err *err)
{
	const char *given_links = u->links.value;
	char *links = NULL;
	int rc, check = 0;

	if (check_text(&u->display_name, "display_name", AYB_PROFILE_DISPLAY_NAME_MAX, err) < 0 ||
	    check_text(&u->description, "description", AYB_PROFILE_DESCRIPTION_MAX, err) < 0 ||
	    check_text(&u->organization, "organization", AYB_PROFILE_ORGANIZATION_MAX, err) < 0 ||
	    check_text(&u->location, "location", AYB_PROFILE_LOCATION_MAX, err) < 0 ||
	    check_text(&u->links, "links", 0, err) < 0)
		return -1;
	if (!u->display_name.present && !u->description.present && !u->organization.present &&
	    !u->location.present && !u->links.present)
		return ayb_err_set(err, AYB_E_EMPTY_UPDATE,
				   "No fields provided to update. Please specify at least one field to update.");
	if (given_links &&
	    ayb_profile_links(given_links, a->entity.links, &links, &check, err) < 0)
		return -1;
	if (given_links)
		u->links.value = links;
	rc = ayb_store_entity_update_profile(ctx->store, a->entity.id, u, err);
	u->links.value = given_links;
	free(links);
	if (rc == 0 && check)
		start_link_check(ctx, a->entity.slug);
	return rc;
}
