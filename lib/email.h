/* Sending the confirmation email (README "The HTTP API") through every
 * configured backend: SMTP via libcurl, and the JSON-lines file. */
#ifndef AYB_EMAIL_H
#define AYB_EMAIL_H

#include <stdint.h>

#include "config.h"
#include "error.h"

/* Checks an address before anything is sent: at most 256 bytes, exactly one
 * '@' with text on both sides, no whitespace or control characters.
 * Returns 0, or -1 with err = Other (400) "Invalid email address: <addr>". */
int ayb_email_check_address(const char *addr, struct ayb_err *err);

/* The body of the login/registration email for `token`, lines joined by
 * '\n' (ayb's exact text).  Caller frees; NULL on OOM. */
char *ayb_email_confirmation_body(const struct ayb_config *cfg, const char *token);

/* Sends subject/body to `to` through every configured backend, at time
 * `now` (Unix seconds, for the Date header).  `to` is a bare address and is
 * checked with ayb_email_check_address() first (Other 400, nothing sent).
 * Every backend is tried even after one failed.  If any fails: -1 with
 * err = EmailError (503), the failures joined by "; " (SMTP first), each
 * prefixed "SMTP backend failed: " or "File backend failed: ".  SMTP refuses
 * From/Reply-To values that are not mailboxes ("Name <addr>" or "addr") and
 * any header value with a control character, before connecting.  SMTP uses
 * libcurl: call curl_global_init() once at process start if the process has
 * threads (otherwise curl_easy_init does it). */
int ayb_email_send(const struct ayb_config *cfg, const char *to, const char *subject,
		   const char *body, int64_t now, struct ayb_err *err);

/* Convenience: the confirmation email for `token` to `to`. */
int ayb_email_send_confirmation(const struct ayb_config *cfg, const char *to,
				const char *token, int64_t now, struct ayb_err *err);

#endif
