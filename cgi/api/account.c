/* Registration, confirmation and log in by email (spec/API.md §3, AUTH.md §3). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "email.h"
#include "handlers.h"
#include "slug.h"
#include "token.h"

#include <sodium.h>

/* Does the entity have an email method for exactly this address? */
static int has_email_method(const struct ayb_auth_method *m, size_t n, const char *addr)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].method_type == 0 && strcmp(m[i].email_address, addr) == 0)
			return 1;
	return 0;
}

/* Seals a claim and emails it: the shared tail of register and log in. */
static int send_token(struct ayb_ctx *ctx, const char *entity, int type, const char *addr,
		      struct ayb_err *err)
{
	struct ayb_email_claim c = { (char *)entity, type, (char *)addr };
	int64_t now = (int64_t)time(NULL);
	char *token = ayb_token_email_seal(ctx->cfg->key, &c, now);
	int rc;

	if (!token)
		return ayb_err_oom(err);
	rc = ayb_email_send_confirmation(ctx->cfg, addr, token, now, err);
	free(token);
	return rc;
}

int ayb_action_register(struct ayb_ctx *ctx, const char *entity_in, const char *email_in,
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
		ayb_err_set(err, AYB_E_REGISTRATION, 400,
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
			ayb_err_set(err, AYB_E_OTHER, 409, "%s has already been registered", entity);
			goto out;
		}
	}
	if (strcmp(entity_type, "user") == 0) {
		type = AYB_ENTITY_USER;
	} else if (strcmp(entity_type, "organization") == 0) {
		type = AYB_ENTITY_ORGANIZATION;
	} else {
		ayb_err_set(err, AYB_E_OTHER, 400, "Unknown value: %s", entity_type);
		goto out;
	}
	if (ayb_email_check_address(email, err) < 0 || send_token(ctx, entity, type, email, err) < 0)
		goto out;
	ret = 0;
out:
	ayb_auth_methods_free(methods, nmethods);
	ayb_entity_free(&e);
	free(entity);
	free(email);
	return ret;
}

void api_register(struct ayb_ctx *ctx, struct fcgi_request *req, struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	const char *h_entity, *h_email, *h_type;

	if (!(h_entity = ayb_require_header(req, "entity", &err)) ||
	    !(h_email = ayb_require_header(req, "email-address", &err)) ||
	    !(h_type = ayb_require_header(req, "entity-type", &err)) ||
	    ayb_action_register(ctx, h_entity, h_email, h_type, &err) < 0)
		fcgi_response_error(resp, &err);
	else
		fcgi_response_empty_json(resp, 200);
	ayb_err_clear(&err);
}

int ayb_action_confirm(struct ayb_ctx *ctx, const char *token, char **entity_out,
		       char **api_token_out, struct ayb_err *err)
{
	struct ayb_email_claim claim = { 0 };
	struct ayb_entity e = { 0 };
	struct ayb_auth_method *methods = NULL;
	size_t nmethods = 0;
	struct ayb_api_token t;
	int ret = -1;

	*entity_out = *api_token_out = NULL;
	memset(&t, 0, sizeof(t));
	if (ayb_token_email_open(ctx->cfg->key, token, ctx->cfg->token_expiration_seconds,
				 (int64_t)time(NULL), &claim, err) < 0 ||
	    ayb_store_entity_get_or_create(ctx->store, claim.entity, claim.entity_type, &e, err) < 0 ||
	    ayb_store_auth_methods(ctx->store, e.id, &methods, &nmethods, err) < 0)
		goto out;
	if (nmethods == 0) {
		/* The first confirmation is the registration. */
		if (ayb_store_auth_method_create(ctx->store, e.id, claim.email_address, err) < 0)
			goto out;
	} else if (!has_email_method(methods, nmethods, claim.email_address)) {
		ayb_err_set(err, AYB_E_OTHER, 409, "%s has already been registered", e.slug);
		goto out;
	}
	ayb_token_api_new(&t);
	{
		struct ayb_token_row row = { t.short_token, e.id, t.hash, 0, -1, NULL, 0, 0 };
		if (ayb_store_token_create(ctx->store, &row, err) < 0)
			goto out;
	}
	if (!(*entity_out = strdup(e.slug)) || !(*api_token_out = strdup(t.full))) {
		free(*entity_out);
		*entity_out = NULL;
		ayb_err_oom(err);
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(&t, sizeof(t));
	ayb_auth_methods_free(methods, nmethods);
	ayb_entity_free(&e);
	ayb_email_claim_free(&claim);
	return ret;
}

void api_confirm(struct ayb_ctx *ctx, struct fcgi_request *req, struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	const char *h_token;
	char *entity = NULL, *token = NULL;
	cJSON *o = NULL;

	if (!(h_token = ayb_require_header(req, "authentication-token", &err)) ||
	    ayb_action_confirm(ctx, h_token, &entity, &token, &err) < 0)
		goto fail;
	if (!(o = cJSON_CreateObject()) || !cJSON_AddStringToObject(o, "entity", entity) ||
	    !cJSON_AddStringToObject(o, "token", token)) {
		ayb_err_oom(&err);
		goto fail;
	}
	fcgi_response_json(resp, 200, o);
	goto out;
fail:
	fcgi_response_error(resp, &err);
out:
	cJSON_Delete(o);
	if (token)
		sodium_memzero(token, strlen(token));
	free(token);
	free(entity);
	ayb_err_clear(&err);
}

int ayb_action_log_in(struct ayb_ctx *ctx, const char *entity_in, struct ayb_err *err)
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
		ayb_err_set(err, AYB_E_OTHER, 404,
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

void api_log_in(struct ayb_ctx *ctx, struct fcgi_request *req, struct fcgi_response *resp)
{
	struct ayb_err err = { 0 };
	const char *h_entity;

	if (!(h_entity = ayb_require_header(req, "entity", &err)) ||
	    ayb_action_log_in(ctx, h_entity, &err) < 0)
		fcgi_response_error(resp, &err);
	else
		fcgi_response_empty_json(resp, 200);
	ayb_err_clear(&err);
}
