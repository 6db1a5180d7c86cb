/* The Authorization header of an API request, read in ayb's order; the
 * token it carries is checked by ayb_app_caller_from_token. */
#include "autoconfig.h"

#include <ctype.h>
#include <string.h>

#include "bearer.h"

int fcgi_bearer_required(struct ayb_app_ctx *ctx, const struct fcgi_request *req,
			 struct ayb_app_caller *a, struct ayb_err *err)
{
	const char *h = fcgi_request_header(req, "authorization");

	memset(a, 0, sizeof(*a));
	/* Scheme exactly "Bearer", one space, a value of at least 8 bytes. */
	if (!h || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) < 8)
		return ayb_err_set(err, AYB_E_UNAUTHORIZED,
				   h ? "Invalid Authorization header: expected `Bearer <token>`"
				     : "Missing Authorization header: expected `Bearer <token>`");
	return ayb_app_caller_from_token(ctx, h + 7, a, err);
}

int fcgi_bearer_optional(struct ayb_app_ctx *ctx, const struct fcgi_request *req,
			 struct ayb_app_caller *a, struct ayb_err *err)
{
	const char *h = fcgi_request_header(req, "authorization");
	char token[128];
	size_t n;

	memset(a, 0, sizeof(*a));
	if (!h)
		return 0;
	if (strncmp(h, "Bearer ", 7) != 0 && strncmp(h, "bearer ", 7) != 0 &&
	    strncmp(h, "BEARER ", 7) != 0)
		return ayb_err_set(err, AYB_E_UNAUTHENTICATED,
				   "Invalid Authorization header: expected `Bearer <token>`");
	h += 7;
	while (isspace((unsigned char)*h))
		h++;
	n = strlen(h);
	while (n && isspace((unsigned char)h[n - 1]))
		n--;
	if (n >= sizeof(token))
		return ayb_err_set(err, AYB_E_INVALID_TOKEN, "Invalid API token");
	memcpy(token, h, n);
	token[n] = '\0';
	return ayb_app_caller_from_token(ctx, token, a, err);
}
