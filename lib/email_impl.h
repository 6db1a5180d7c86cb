/* Private to lib/email*.c: one message as every backend sees it, the
 * backends themselves (one file per mechanism), and the helpers they share. */
#ifndef AYB_EMAIL_IMPL_H
#define AYB_EMAIL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"

/* Borrowed strings; nothing here is owned. */
struct ayb_email_msg {
	const char *from;      /* "Name <addr>" or "addr" */
	const char *reply_to;
	const char *to;
	const char *subject;
	const char *body;      /* lines joined by '\n' */
	int64_t now;           /* Unix seconds, for the Date */
};

/* Each backend returns 0, or -1 after appending why it failed to `why`
 * (without the "... backend failed: " prefix, which the caller adds). */
int ayb_email_smtp_send(const struct ayb_smtp_config *smtp, const struct ayb_email_msg *m,
			struct ayb_buf *why);
int ayb_email_file_send(const char *path, const struct ayb_email_msg *m, struct ayb_buf *why);

/* RFC 2822 date in UTC, day of month not zero-padded, e.g.
 * "Mon, 1 Jan 2024 00:00:00 +0000".  Independent of the locale. */
#define AYB_EMAIL_DATE_MAX 40
void ayb_email_format_date(int64_t now, char out[AYB_EMAIL_DATE_MAX]);

/* 1 when every byte of s is 7-bit ASCII. */
int ayb_email_is_ascii(const char *s);

/* The body's content transfer encoding: "7bit" for ASCII, else "8bit". */
const char *ayb_email_body_encoding(const char *body);

#endif
