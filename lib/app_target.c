/* The database a request is about, as its caller sees it. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "app_impl.h"
#include "slug.h"
#include "token.h"

void ayb_app_target_free(struct ayb_app_target *t)
{
	free(t->entity_slug);
	free(t->name);
	ayb_entity_free(&t->owner);
	ayb_database_free(&t->db);
	memset(t, 0, sizeof(*t));
}

/* Fills t's names (the entity's lowercased) before the lookup. */
static int target_names(const char *e, const char *d, struct ayb_app_target *t,
			struct ayb_err *err)
{
	memset(t, 0, sizeof(*t));
	t->caller.grant = -1;
	t->caller.token_level = -1;
	if (!(t->entity_slug = strdup(e)))
		return ayb_err_oom(err);
	ayb_slug_lower(t->entity_slug);
	if (!(t->name = ayb_fmt("%s/%s", t->entity_slug, d)))
		return ayb_err_oom(err);
	return 0;
}

/* Turns the store's answer (ayb_store_target_get's result) into t as the
 * caller a may see it. */
static int target_found(int found, const struct ayb_app_caller *a, struct ayb_app_target *t,
			struct ayb_err *err)
{
	if (found < 0)
		return -1;
	if (found == 0)
		return ayb_err_not_found(err, t->entity_slug, "entity");
	if (found == 1)
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

int ayb_app_target_find(struct ayb_app_ctx *ctx, const char *e, size_t elen, const char *d,
			size_t dlen, const struct ayb_app_caller *a, struct ayb_app_target *t,
			struct ayb_err *err)
{
	/* A name with a NUL inside cannot name anything: C string lookups
	 * would otherwise match only its prefix. */
	int e_plain = strlen(e) == elen, d_plain = strlen(d) == dlen, found = 0;

	if (target_names(e, d, t, err) < 0)
		return -1;
	/* A database slug with a NUL cannot exist: ask for the entity alone. */
	if (e_plain)
		found = ayb_store_target_get(ctx->store, t->entity_slug, d_plain ? d : "",
					     a->authenticated ? a->entity.id : 0, &t->owner, &t->db,
					     &t->caller.grant, err);
	return target_found(found, a, t, err);
}

int ayb_app_caller_target(struct ayb_app_ctx *ctx, const char *token, const char *e, size_t elen,
			  const char *d, size_t dlen, struct ayb_app_caller *a,
			  struct ayb_app_target *t, struct ayb_err *err)
{
	char short_token[AYB_SHORT_TOKEN_MAX], secret[AYB_SECRET_MAX];
	int found, target = 0;

	memset(a, 0, sizeof(*a));
	memset(t, 0, sizeof(*t));
	if (ayb_token_api_split(token, short_token, secret, err) < 0)
		return -1;
	/* The rare names no lookup can match go the two-step way. */
	if (strlen(e) != elen || strlen(d) != dlen) {
		if (ayb_app_caller_from_token(ctx, token, a, err) < 0)
			return -1;
		return ayb_app_target_find(ctx, e, elen, d, dlen, a, t, err);
	}
	if (target_names(e, d, t, err) < 0)
		return -1;
	found = ayb_store_caller_target_get(ctx->store, short_token, &a->token, &a->entity,
					    t->entity_slug, d, &t->owner, &t->db,
					    &t->caller.grant, &target, err);
	if (ayb_app_token_accept(a, found, short_token, secret, err) < 0)
		return -1;
	return target_found(target, a, t, err);
}
