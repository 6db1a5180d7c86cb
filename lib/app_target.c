/* The database a request is about, as its caller sees it. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "slug.h"

void ayb_app_target_free(struct ayb_app_target *t)
{
	free(t->entity_slug);
	free(t->name);
	ayb_entity_free(&t->owner);
	ayb_database_free(&t->db);
	memset(t, 0, sizeof(*t));
}

int ayb_app_target_find(struct ayb_app_ctx *ctx, const char *e, size_t elen, const char *d,
			size_t dlen, const struct ayb_app_caller *a, struct ayb_app_target *t,
			struct ayb_err *err)
{
	/* A name with a NUL inside cannot name anything: C string lookups
	 * would otherwise match only its prefix. */
	int e_plain = strlen(e) == elen, d_plain = strlen(d) == dlen;
	int rc;

	memset(t, 0, sizeof(*t));
	t->caller.grant = -1;
	t->caller.token_level = -1;
	if (!(t->entity_slug = strdup(e)))
		return ayb_err_oom(err);
	ayb_slug_lower(t->entity_slug);
	if (!(t->name = ayb_fmt("%s/%s", t->entity_slug, d)))
		return ayb_err_oom(err);
	/* A database slug with a NUL cannot exist: ask for the entity alone. */
	rc = e_plain ? ayb_store_target_get(ctx->store, t->entity_slug, d_plain ? d : "",
					    a->authenticated ? a->entity.id : 0, &t->owner,
					    &t->db, &t->caller.grant, err)
		     : 0;
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ayb_err_not_found(err, t->entity_slug, "entity");
	if (rc == 1)
		return ayb_err_not_found(err, t->name, "database");
	if (a->authenticated) {
		t->caller.entity_id = a->entity.id;
		t->caller.token_database_id = a->token.database_id;
		t->caller.token_level = a->token.query_permission_level;
	}
	if (!ayb_perm_can_discover(&t->caller, &t->db))
		return ayb_err_not_found(err, t->name, "database");
	return 0;
}
