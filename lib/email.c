#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "email.h"
#include "email_impl.h"

/* What ayb sends from when [email.smtp] is absent (the file backend still
 * records a sender). */
#define DEFAULT_SENDER "ayb <noreply@localhost>"

#define ADDRESS_MAX 256

int ayb_email_check_address(const char *addr, struct ayb_err *err)
{
	const char *at = NULL;
	size_t n = 0;

	for (const char *p = addr; *p; p++, n++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f)
			goto bad;
		if (c == '@') {
			if (at)
				goto bad;
			at = p;
		}
	}
	if (n == 0 || n > ADDRESS_MAX || !at || at == addr || at[1] == '\0')
		goto bad;
	return 0;
bad:
	return ayb_err_set(err, AYB_E_INVALID, "Invalid email address: %s", addr);
}

/* RFC 3986 unreserved characters pass; everything else, '=' and '%'
 * included, becomes %XX, so any token survives a trip through a URL path. */
static void add_percent_encoded(struct ayb_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			ayb_buf_addc(b, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			ayb_buf_add(b, e, sizeof(e));
		}
	}
}

char *ayb_email_confirmation_body(const struct ayb_config *cfg, const char *token)
{
	struct ayb_buf b = { 0 };

	ayb_buf_adds(&b, "To complete your registration, visit\n\t");
	ayb_buf_adds(&b, cfg->public_url);
	ayb_buf_adds(&b, "/confirm/");
	add_percent_encoded(&b, token);
	ayb_buf_adds(&b, "\n\nOr type\n\tayb client confirm ");
	ayb_buf_adds(&b, token);
	return ayb_buf_take(&b);
}

/* strftime would follow the locale and zero-pad the day; mail wants the
 * English names, and ayb writes the day without padding. */
void ayb_email_format_date(int64_t now, char out[AYB_EMAIL_DATE_MAX])
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)now;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	snprintf(out, AYB_EMAIL_DATE_MAX, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

int ayb_email_is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s > 0x7f)
			return 0;
	return 1;
}

const char *ayb_email_body_encoding(const char *body)
{
	return ayb_email_is_ascii(body) ? "7bit" : "8bit";
}

static void add_failure(struct ayb_buf *all, const char *prefix, const struct ayb_buf *why)
{
	if (all->len)
		ayb_buf_adds(all, "; ");
	ayb_buf_adds(all, prefix);
	ayb_buf_add(all, why->data ? why->data : "", why->len);
}

/* Every configured backend gets the message even when an earlier one
 * failed, as in ayb: the file log stays complete while SMTP is down. */
int ayb_email_send(const struct ayb_config *cfg, const char *to, const char *subject,
		   const char *body, int64_t now, struct ayb_err *err)
{
	struct ayb_email_msg m = {
		.from = cfg->smtp ? cfg->smtp->from : DEFAULT_SENDER,
		.reply_to = cfg->smtp ? cfg->smtp->reply_to : DEFAULT_SENDER,
		.to = to,
		.subject = subject,
		.body = body,
		.now = now,
	};
	struct ayb_buf fails = { 0 }, why = { 0 };
	int rc = -1;

	if (ayb_email_check_address(to, err) < 0)
		goto out;
	if (cfg->smtp && ayb_email_smtp_send(cfg->smtp, &m, &why) < 0)
		add_failure(&fails, "SMTP backend failed: ", &why);
	ayb_buf_free(&why);
	if (cfg->email_file_path && ayb_email_file_send(cfg->email_file_path, &m, &why) < 0)
		add_failure(&fails, "File backend failed: ", &why);
	if (fails.oom || why.oom) {
		ayb_err_oom(err);
		goto out;
	}
	if (fails.len) {
		ayb_err_set(err, AYB_E_EMAIL, "%s", fails.data);
		goto out;
	}
	rc = 0;
out:
	ayb_buf_free(&why);
	ayb_buf_free(&fails);
	return rc;
}

int ayb_email_send_confirmation(const struct ayb_config *cfg, const char *to,
				const char *token, int64_t now, struct ayb_err *err)
{
	char *body = ayb_email_confirmation_body(cfg, token);
	int rc;

	if (!body)
		return ayb_err_oom(err);
	rc = ayb_email_send(cfg, to, "Your login credentials", body, now, err);
	free(body);
	return rc;
}
