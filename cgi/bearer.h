/* Who calls the API: the bearer token of the Authorization header. */
#ifndef AYB_CGI_BEARER_H
#define AYB_CGI_BEARER_H

#include "app.h"
#include "request.h"

/* Bearer token required: "Authorization: Bearer <token>".  Returns 0 with
 * *c filled (free with ayb_app_caller_free), or -1 with err (401 for a
 * missing, malformed or invalid token). */
int fcgi_bearer_required(struct ayb_app_ctx *ctx, const struct fcgi_request *req,
			 struct ayb_app_caller *c, struct ayb_err *err);
/* No Authorization header: anonymous.  A present but invalid one is an
 * error, never downgraded to anonymous. */
int fcgi_bearer_optional(struct ayb_app_ctx *ctx, const struct fcgi_request *req,
			 struct ayb_app_caller *c, struct ayb_err *err);

#endif
