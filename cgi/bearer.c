/* Who is calling: the bearer token of the Authorization header, checked
 * against the metadata store in ayb's order (spec/API.md §1). */
#include "autoconfig.h"

#include <ctype.h>
#include <string.h>

#include "handlers.h"
#include "token.h"

const char *ayb_require_header(const struct fcgi_request *req, const char *name,
			       struct ayb_err *err)
{
	const char *v = fcgi_request_header(req, name);

	if (!v)
		ayb_err_set(err, AYB_E_OTHER, 400, "Missing required `%s` header", name);
	return v;
}

void ayb_auth_free(struct ayb_auth *a)
{
	ayb_entity_free(&a->entity);
	ayb_token_row_free(&a->token);
	memset(a, 0, sizeof(*a));
}

static int authenticate(struct ayb_ctx *ctx, const char *text, struct ayb_auth *a,
			struct ayb_err *err)
{
	char short_token[AYB_SHORT_TOKEN_MAX], secret[AYB_SECRET_MAX];
	int rc;

	memset(a, 0, sizeof(*a));
	if (ayb_token_api_split(text, short_token, secret, err) < 0)
		return -1;
	rc = ayb_store_token_get(ctx->store, short_token, &a->token, &a->entity, err);
	if (rc <= 0) {
		if (rc == 0) {
			ayb_err_not_found(err, short_token, "api_token");
			err->status = 401;
		}
		return -1;
	}
	if (!ayb_token_hash_matches(a->token.hash, secret))
		rc = ayb_err_set(err, AYB_E_INVALID_TOKEN, 401, "Invalid API token");
	else if (a->token.revoked)
		rc = ayb_err_set(err, AYB_E_INVALID_TOKEN, 401, "API token has been revoked");
	else if (a->token.expired)
		rc = ayb_err_set(err, AYB_E_INVALID_TOKEN, 401, "API token has expired");
	if (rc < 0) {
		ayb_auth_free(a);
		return -1;
	}
	a->authenticated = 1;
	return 0;
}

int ayb_auth_token(struct ayb_ctx *ctx, const char *token, struct ayb_auth *a,
		   struct ayb_err *err)
{
	return authenticate(ctx, token, a, err);
}

int ayb_auth_required(struct ayb_ctx *ctx, const struct fcgi_request *req, struct ayb_auth *a,
		      struct ayb_err *err)
{
	const char *h = fcgi_request_header(req, "authorization");

	memset(a, 0, sizeof(*a));
	/* Scheme exactly "Bearer", one space, a value of at least 8 bytes. */
	if (!h || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) < 8)
		return ayb_err_set(err, AYB_E_UNAUTHORIZED, 401,
				   h ? "Invalid Authorization header: expected `Bearer <token>`"
				     : "Missing Authorization header: expected `Bearer <token>`");
	return authenticate(ctx, h + 7, a, err);
}

int ayb_auth_optional(struct ayb_ctx *ctx, const struct fcgi_request *req, struct ayb_auth *a,
		      struct ayb_err *err)
{
	const char *h = fcgi_request_header(req, "authorization");
	char token[128];
	size_t n;

	memset(a, 0, sizeof(*a));
	if (!h)
		return 0;
	if (strncmp(h, "Bearer ", 7) != 0 && strncmp(h, "bearer ", 7) != 0 &&
	    strncmp(h, "BEARER ", 7) != 0)
		return ayb_err_set(err, AYB_E_OTHER, 401,
				   "Invalid Authorization header: expected `Bearer <token>`");
	h += 7;
	while (isspace((unsigned char)*h))
		h++;
	n = strlen(h);
	while (n && isspace((unsigned char)h[n - 1]))
		n--;
	if (n >= sizeof(token))
		return ayb_err_set(err, AYB_E_INVALID_TOKEN, 401, "Invalid API token");
	memcpy(token, h, n);
	token[n] = '\0';
	return authenticate(ctx, token, a, err);
}
