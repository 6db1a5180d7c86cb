/* Who calls the API: the bearer token of the Authorization header. */
#ifndef AYB_CGI_BEARER_H
#define AYB_CGI_BEARER_H

#include "app.h"
#include "request.h"

/* The longest token fcgi_bearer_optional copies, NUL included. */
#define FCGI_BEARER_MAX 128

/* Bearer token required: "Authorization: Bearer <token>".  Returns the
 * token (in req's header), or NULL with err (401) for a missing or
 * malformed header. */
const char *fcgi_bearer_required(const struct fcgi_request *req, struct ayb_err *err);
/* The token of an optional header, trimmed, copied to buf; NULL without err
 * when there is no header (anonymous), NULL with err when there is one
 * that is malformed: never downgraded to anonymous. */
const char *fcgi_bearer_optional(const struct fcgi_request *req, char buf[FCGI_BEARER_MAX],
				 struct ayb_err *err);

#endif
