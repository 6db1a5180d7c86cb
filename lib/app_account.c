/* Accounts: registering, confirming and logging in by email (README "API"),
 * and who a token speaks for. */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app.h"
#include "app_impl.h"
#include "email.h"
#include "slug.h"
#include "token.h"

void ayb_app_caller_free(struct ayb_app_caller *c)
{
	ayb_entity_free(&c->entity);
	ayb_token_row_free(&c->token);
	memset(c, 0, sizeof(*c));
}

struct ayb_caller ayb_app_perm_caller(const struct ayb_app_caller *c)
{
	struct ayb_caller p = { 0, -1, 0, -1 };

	if (c->authenticated) {
		p.entity_id = c->entity.id;
		p.token_database_id = c->token.database_id;
		p.token_level = c->token.query_permission_level;
	}
	return p;
}

/* The token is checked in ayb's order: shape, known, secret, revoked,
 * expired. */
int ayb_app_caller_from_token(struct ayb_app_ctx *ctx, const char *text,
			      struct ayb_app_caller *a, struct ayb_err *err)
{
	char short_token[AYB_SHORT_TOKEN_MAX], secret[AYB_SECRET_MAX];
	int rc;

	memset(a, 0, sizeof(*a));
	if (ayb_token_api_split(text, short_token, secret, err) < 0)
		return -1;
	rc = ayb_store_token_get(ctx->store, short_token, &a->token, &a->entity, err);
	return ayb_app_token_accept(a, rc, short_token, secret, err);
}

int ayb_app_token_accept(struct ayb_app_caller *a, int found, const char *short_token,
			 const char *secret, struct ayb_err *err)
{
	int rc = 0;

	if (found <= 0) {
		if (found == 0)
			ayb_err_not_found_as(err, AYB_E_TOKEN_NOT_FOUND, short_token, "api_token");
		ayb_app_caller_free(a);
		return -1;
	}
	if (!ayb_token_hash_matches(a->token.hash, secret))
		rc = ayb_err_set(err, AYB_E_INVALID_TOKEN, "Invalid API token");
	else if (a->token.revoked)
		rc = ayb_err_set(err, AYB_E_INVALID_TOKEN, "API token has been revoked");
	else if (a->token.expired)
		rc = ayb_err_set(err, AYB_E_INVALID_TOKEN, "API token has expired");
	if (rc < 0) {
		ayb_app_caller_free(a);
		return -1;
	}
	a->authenticated = 1;
	return 0;
}

/* Does the entity have an email method for exactly this address? */
static int has_email_method(const struct ayb_auth_method *m, size_t n, const char *addr)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].method_type == 0 && strcmp(m[i].email_address, addr) == 0)
			return 1;
	return 0;
}

/* Anyone may ask for an email to any address: the limits per address and
 * per client (README "Isolation") keep the server from mailing one inbox,
 * or anyone's, without end.  429 with Retry-After past either. */
static int email_allowed(struct ayb_app_ctx *ctx, const char *addr, int64_t now,
			 struct ayb_err *err)
{
	const struct ayb_config *cfg = ctx->cfg;
	int64_t wait;
	int over, rc;

	rc = ayb_store_email_quota(ctx->store, addr, ctx->client_addr, cfg->email_max_per_address,
				   cfg->email_max_per_client, now, &over, &wait, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	ayb_err_set(err, AYB_E_RATE_LIMITED,
		    "Too many emails %s: at most %" PRId64 " an hour (the server's limit); "
		    "try again in %" PRId64 " minute%s",
		    over ? "asked for from your network address" : "to this address",
		    over ? cfg->email_max_per_client : cfg->email_max_per_address,
		    (wait + 59) / 60, (wait + 59) / 60 == 1 ? "" : "s");
	err->retry_after = (long)wait;
	return -1;
}

/* Seals a claim and emails it: the shared tail of register and log in. */
static int send_token(struct ayb_app_ctx *ctx, const char *entity, int type, const char *addr,
		      struct ayb_err *err)
{
	struct ayb_email_claim c = { .entity = (char *)entity, .entity_type = type,
				       .email_address = (char *)addr };
	int64_t now = (int64_t)time(NULL);
	char *token;
	int rc;

	if (email_allowed(ctx, addr, now, err) < 0)
		return -1;
	if (!(token = ayb_token_email_seal(ctx->cfg->key, &c, now)))
		return ayb_err_oom(err);
	rc = ayb_email_send_confirmation(ctx->cfg, addr, token, now, err);
	free(token);
	return rc;
}

int ayb_app_register(struct ayb_app_ctx *ctx, const char *entity_in, const char *email_in,
		     const char *entity_type, struct ayb_err *err)
{
	struct ayb_entity e = { 0 };
	struct ayb_auth_method *methods = NULL;
	size_t nmethods = 0;
	char *entity = NULL, *email = NULL;
	int type, found, ret = -1;

	if (!(entity = strdup(entity_in)) || !(email = strdup(email_in))) {
		ayb_err_oom(err);
		goto out;
	}
	ayb_slug_lower(entity);
	ayb_slug_lower(email);
	if (ayb_slug_check(AYB_SLUG_ENTITY, entity, strlen(entity), err) < 0)
		goto out;
	if (ayb_slug_is_reserved(entity)) {
		ayb_err_set(err, AYB_E_REGISTRATION,
			    "Username '%s' is reserved and cannot be used", entity);
		goto out;
	}
	if ((found = ayb_store_entity_get(ctx->store, entity, &e, err)) < 0)
		goto out;
	if (found) {
		if (ayb_store_auth_methods(ctx->store, e.id, &methods, &nmethods, err) < 0)
			goto out;
		/* Re-registering with the entity's own verified address acts as log in. */
		if (nmethods && !has_email_method(methods, nmethods, email)) {
			ayb_err_set(err, AYB_E_CONFLICT, "%s has already been registered", entity);
			goto out;
		}
	}
	if (strcmp(entity_type, "user") == 0) {
		type = AYB_ENTITY_USER;
	} else if (strcmp(entity_type, "organization") == 0) {
		type = AYB_ENTITY_ORGANIZATION;
	} else {
		ayb_err_set(err, AYB_E_INVALID, "Unknown value: %s", entity_type);
		goto out;
	}
	if (ayb_email_check_address(email, err) < 0 ||
	    send_token(ctx, entity, type, email, err) < 0)
		goto out;
	ret = 0;
out:
	ayb_auth_methods_free(methods, nmethods);
	ayb_entity_free(&e);
	free(entity);
	free(email);
	return ret;
}

/* One transaction: the token's use, the entity, its method and the new API
 * token stand or fall together, so a link whose confirmation failed still
 * works, and of two confirmations racing to register one name with two
 * addresses the second waits for the first (the one-method-per-entity
 * constraint) and finds the name taken. */
int ayb_app_confirm(struct ayb_app_ctx *ctx, const char *token, char **entity_out,
		    char **api_token_out, struct ayb_err *err)
{
	struct ayb_email_claim claim = { 0 };
	struct ayb_entity e = { 0 };
	struct ayb_api_token t;
	struct ayb_token_row row = { 0 };
	int rc, ret = -1;

	*entity_out = *api_token_out = NULL;
	memset(&t, 0, sizeof(t));
	if (ayb_token_email_open(ctx->cfg->key, token, ctx->cfg->token_expiration_seconds,
				 (int64_t)time(NULL), &claim, err) < 0 ||
	    ayb_store_begin(ctx->store, err) < 0)
		goto out;
	if ((rc = ayb_store_email_token_use(ctx->store, claim.id, err)) <= 0) {
		if (rc == 0)
			ayb_token_email_invalid(err);
		goto rollback;
	}
	if (ayb_store_entity_get_or_create(ctx->store, claim.entity, claim.entity_type, &e,
					   err) < 0 ||
	    (rc = ayb_store_auth_method_create(ctx->store, e.id, claim.email_address, err)) < 0)
		goto rollback;
	if (rc == 1) {
		ayb_err_set(err, AYB_E_CONFLICT, "%s has already been registered", e.slug);
		goto rollback;
	}
	ayb_token_api_new(&t);
	row.short_token = t.short_token;
	row.entity_id = e.id;
	row.hash = t.hash;
	row.query_permission_level = -1;
	if (ayb_store_token_create(ctx->store, &row, err) < 0)
		goto rollback;
	/* Copied before the commit: a used link must not end without its token. */
	if (!(*entity_out = strdup(e.slug)) || !(*api_token_out = strdup(t.full))) {
		ayb_err_oom(err);
		goto rollback;
	}
	if (ayb_store_commit(ctx->store, err) < 0)
		goto rollback;
	ret = 0;
	goto out;
rollback:
	ayb_store_rollback(ctx->store);
	free(*entity_out);
	free(*api_token_out);
	*entity_out = *api_token_out = NULL;
out:
	sodium_memzero(&t, sizeof(t));
	ayb_entity_free(&e);
	ayb_email_claim_free(&claim);
	return ret;
}

int ayb_app_confirm_peek(struct ayb_app_ctx *ctx, const char *token, char **entity_out,
			 struct ayb_err *err)
{
	struct ayb_email_claim claim = { 0 };
	int ret = -1;

	*entity_out = NULL;
	if (ayb_token_email_open(ctx->cfg->key, token, ctx->cfg->token_expiration_seconds,
				 (int64_t)time(NULL), &claim, err) < 0)
		goto out;
	if (!(*entity_out = strdup(claim.entity))) {
		ayb_err_oom(err);
		goto out;
	}
	ret = 0;
out:
	ayb_email_claim_free(&claim);
	return ret;
}

int ayb_app_log_in(struct ayb_app_ctx *ctx, const char *entity_in, struct ayb_err *err)
{
	struct ayb_entity e = { 0 };
	struct ayb_auth_method *methods = NULL;
	size_t nmethods = 0, i;
	char *entity = NULL;
	int found, ret = -1;

	if (!(entity = strdup(entity_in))) {
		ayb_err_oom(err);
		goto out;
	}
	ayb_slug_lower(entity);
	if ((found = ayb_store_entity_get(ctx->store, entity, &e, err)) < 0)
		goto out;
	if (found && ayb_store_auth_methods(ctx->store, e.id, &methods, &nmethods, err) < 0)
		goto out;
	for (i = 0; i < nmethods; i++)
		if (methods[i].method_type == 0 && methods[i].status == 0)
			break;
	if (i == nmethods) {
		ayb_err_set(err, AYB_E_MISSING,
			    "No account or email authentication method for %s", entity);
		goto out;
	}
	if (send_token(ctx, e.slug, e.entity_type, methods[i].email_address, err) < 0)
		goto out;
	ret = 0;
out:
	ayb_auth_methods_free(methods, nmethods);
	ayb_entity_free(&e);
	free(entity);
	return ret;
}
