/* What the use cases share between their files, and nothing outside lib/
 * calls. */
#ifndef AYB_APP_IMPL_H
#define AYB_APP_IMPL_H

#include "app.h"

/* Finishes a token lookup of the store (found: its result, -1, 0 or 1; a
 * holds what it filled): the secret, revoked and expired checks, in ayb's
 * order.  0 with a authenticated, or -1 with err and a freed. */
int ayb_app_token_accept(struct ayb_app_caller *a, int found, const char *short_token,
			 const char *secret, struct ayb_err *err);

#endif
