#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "slug.h"

void ayb_target_free(struct ayb_target *t)
{
	free(t->entity_slug);
	free(t->name);
	ayb_entity_free(&t->owner);
	ayb_database_free(&t->db);
	memset(t, 0, sizeof(*t));
}

/* A segment with a NUL inside cannot name anything: C string lookups would
 * otherwise match only its prefix. */
static int plain(const struct ayb_segment *s)
{
	return strlen(s->s) == s->len;
}

int ayb_target_load(struct ayb_ctx *ctx, const struct ayb_request *req,
		    const struct ayb_auth *a, struct ayb_target *t, struct ayb_err *err)
{
	return ayb_target_find(ctx, &req->seg[1], &req->seg[2], a, t, err);
}

int ayb_target_find(struct ayb_ctx *ctx, const struct ayb_segment *e, const struct ayb_segment *d,
		    const struct ayb_auth *a, struct ayb_target *t, struct ayb_err *err)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->caller.grant = -1;
	t->caller.token_level = -1;
	if (!(t->entity_slug = strdup(e->s)))
		return ayb_err_oom(err);
	ayb_slug_lower(t->entity_slug);
	if (asprintf(&t->name, "%s/%s", t->entity_slug, d->s) < 0) {
		t->name = NULL;
		return ayb_err_oom(err);
	}
	/* A database slug with a NUL cannot exist: ask for the entity alone. */
	rc = plain(e) ? ayb_store_target_get(ctx->store, t->entity_slug, plain(d) ? d->s : "",
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
