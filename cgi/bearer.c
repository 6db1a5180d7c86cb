/* The Authorization header of an API request, read in ayb's order; the
 * token it carries is checked by lib/ (ayb_app_caller_from_token, or
 * ayb_app_caller_target with the database of the path). */
#include "autoconfig.h"

#include <ctype.h>
#include <string.h>

#include "bearer.h"

const char *fcgi_bearer_required(const struct fcgi_request *req, struct ayb_err *err)
{
	const char *h = fcgi_request_header(req, "authorization");

	/* Scheme exactly "Bearer", one space, a value of at least 8 bytes. */
	if (!h || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) < 8) {
		ayb_err_set(err, AYB_E_UNAUTHORIZED,
			    h ? "Invalid Authorization header: expected `Bearer <token>`"
			      : "Missing Authorization header: expected `Bearer <token>`");
		return NULL;
	}
	return h + 7;
}

const char *fcgi_bearer_optional(const struct fcgi_request *req, char buf[FCGI_BEARER_MAX],
				 struct ayb_err *err)
{
	const char *h = fcgi_request_header(req, "authorization");
	size_t n;

	if (!h)
		return NULL;
	if (strncmp(h, "Bearer ", 7) != 0 && strncmp(h, "bearer ", 7) != 0 &&
	    strncmp(h, "BEARER ", 7) != 0) {
		ayb_err_set(err, AYB_E_UNAUTHENTICATED,
			    "Invalid Authorization header: expected `Bearer <token>`");
		return NULL;
	}
	h += 7;
	while (isspace((unsigned char)*h))
		h++;
	n = strlen(h);
	while (n && isspace((unsigned char)h[n - 1]))
		n--;
	if (n >= FCGI_BEARER_MAX) {
		ayb_err_set(err, AYB_E_INVALID_TOKEN, "Invalid API token");
		return NULL;
	}
	memcpy(buf, h, n);
	buf[n] = '\0';
	return buf;
}
