/* One's own API tokens: listing and revoking them (README "API"). */
#include "autoconfig.h"

#include <string.h>

#include "app.h"

int ayb_app_tokens_list(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			struct ayb_token_info **out, size_t *n, struct ayb_err *err)
{
	struct ayb_caller c = ayb_app_perm_caller(a);

	*out = NULL;
	*n = 0;
	if (!ayb_perm_can_list_tokens(&c))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "A token scoped to one database can't list tokens");
	return ayb_store_token_list(ctx->store, a->entity.id, out, n, err);
}

int ayb_app_token_revoke(struct ayb_app_ctx *ctx, const struct ayb_app_caller *a,
			 const char *short_token, struct ayb_err *err)
{
	struct ayb_caller c = ayb_app_perm_caller(a);
	int rc;

	if (!ayb_perm_can_revoke_token(&c, strcmp(short_token, a->token.short_token) == 0))
		return ayb_err_set(err, AYB_E_FORBIDDEN,
				   "A token scoped to one database can only revoke itself");
	if ((rc = ayb_store_token_revoke(ctx->store, a->entity.id, short_token, err)) < 0)
		return -1;
	return rc ? 0 : ayb_err_not_found(err, short_token, "api_token");
}
